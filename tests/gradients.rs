//! Backprop checked two ways: against two-sided finite differences in f64 (`gradcheck`) and
//! against candle's autograd in f32, for Dense with every activation and every loss.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::Module;
use deepnet::{gradcheck, Loss, ModelSpec, Output, Rng, Sequential};

const ACTIVATIONS: [&str; 5] = [
    r#"{"type": "sigmoid"}"#,
    r#"{"type": "tanh"}"#,
    r#"{"type": "relu"}"#,
    r#"{"type": "leaky_relu", "slope": 0.1}"#,
    r#"{"type": "identity"}"#,
];
const OUTPUTS: [(&str, usize); 3] = [("sigmoid", 1), ("softmax", 3), ("linear", 2)];

fn spec(activation: &str, output: &str, units: usize) -> ModelSpec {
    ModelSpec::from_json(&format!(
        r#"{{"inputs": 4, "output": "{output}", "init": "xavier_normal", "layers": [
            {{"type": "dense", "units": 5}}, {activation},
            {{"type": "dense", "units": 3}}, {activation},
            {{"type": "dense", "units": {units}}}]}}"#
    ))
    .unwrap()
}

fn data(output: Output, units: usize, n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::new(seed);
    let x: Vec<f64> = (0..n * 4).map(|_| rng.normal()).collect();
    let x = Tensor::from_vec(x, (n, 4), &Device::Cpu).unwrap();
    let y = match output {
        Output::Sigmoid => {
            let v: Vec<f64> = (0..n).map(|_| rng.below(2) as f64).collect();
            Tensor::from_vec(v, (n, 1), &Device::Cpu).unwrap()
        }
        Output::Softmax => {
            let v: Vec<u32> = (0..n).map(|_| rng.below(units) as u32).collect();
            Tensor::from_vec(v, n, &Device::Cpu).unwrap()
        }
        Output::Linear => {
            let v: Vec<f64> = (0..n * units).map(|_| rng.normal()).collect();
            Tensor::from_vec(v, (n, units), &Device::Cpu).unwrap()
        }
    };
    (x, y)
}

#[test]
fn finite_differences_agree_for_every_activation_and_loss() {
    for act in ACTIVATIONS {
        for (output, units) in OUTPUTS {
            let spec = spec(act, output, units);
            let model = Sequential::new(&spec, 3, &Device::Cpu, DType::F64).unwrap();
            let (x, y) = data(spec.output, units, 7, 11);
            let report = gradcheck(&model, &x, &y, 1e-6).unwrap();
            assert_eq!(report.len(), 6, "{act} {output}");
            for r in report {
                assert!(
                    r.analytic_norm > 0.0,
                    "{act} {output} {}: zero gradient",
                    r.name
                );
                assert!(
                    r.relative_difference < 1e-7,
                    "{act} {output} {}: relative difference {:e}",
                    r.name,
                    r.relative_difference
                );
            }
        }
    }
}

/// The same network written with candle-nn layers on `Var`s, differentiated by candle's autograd.
fn autograd_oracle(model: &Sequential, act: &str, x: &Tensor, y: &Tensor) -> Vec<(String, Tensor)> {
    let vars: Vec<(String, Var)> = model
        .parameters()
        .into_iter()
        .map(|(n, t)| (n, Var::from_tensor(&t).unwrap()))
        .collect();
    let get = |name: &str| {
        vars.iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
            .as_tensor()
            .clone()
    };
    let mut a = x.clone();
    for i in [0usize, 2, 4] {
        let lin =
            candle_nn::Linear::new(get(&format!("{i}.weight")), Some(get(&format!("{i}.bias"))));
        a = lin.forward(&a).unwrap();
        if i < 4 {
            a = match act {
                "sigmoid" => candle_nn::ops::sigmoid(&a).unwrap(),
                "tanh" => a.tanh().unwrap(),
                "relu" => a.relu().unwrap(),
                "leaky_relu" => candle_nn::ops::leaky_relu(&a, 0.1).unwrap(),
                _ => a,
            };
        }
    }
    let loss = match model.loss() {
        Loss::BinaryCrossEntropy => {
            candle_nn::loss::binary_cross_entropy_with_logit(&a, y).unwrap()
        }
        Loss::CrossEntropy => candle_nn::loss::cross_entropy(&a, y).unwrap(),
        Loss::MeanSquaredError => candle_nn::loss::mse(&a, y).unwrap(),
    };
    let store = loss.backward().unwrap();
    vars.iter()
        .map(|(n, v)| (n.clone(), store.get(v.as_tensor()).unwrap().clone()))
        .collect()
}

#[test]
fn hand_written_backward_matches_candle_autograd_in_f32() {
    let names = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"];
    for (act, name) in ACTIVATIONS.iter().zip(names) {
        for (output, units) in OUTPUTS {
            let spec = spec(act, output, units);
            let model = Sequential::from_spec(&spec, 5).unwrap();
            let (x, y) = data(spec.output, units, 16, 2);
            let x = x.to_dtype(DType::F32).unwrap();
            let y = if y.dtype() == DType::U32 {
                y
            } else {
                y.to_dtype(DType::F32).unwrap()
            };
            let (_, grads, _) = model.loss_and_gradients(&x, &y, &mut Rng::new(0)).unwrap();
            for (pname, expected) in autograd_oracle(&model, name, &x, &y) {
                let got = grads.get(&pname).unwrap();
                let diff = (got - &expected).unwrap().abs().unwrap().max_all().unwrap();
                let diff = diff.to_scalar::<f32>().unwrap();
                assert!(
                    diff < 1e-5,
                    "{name} {output} {pname}: max difference {diff:e}"
                );
            }
        }
    }
}

#[test]
fn bce_is_finite_for_huge_logits() {
    let z = Tensor::new(&[[1000f32], [-1000.0], [0.0]], &Device::Cpu).unwrap();
    let y = Tensor::new(&[[0f32], [1.0], [1.0]], &Device::Cpu).unwrap();
    let loss = Loss::BinaryCrossEntropy.forward(&z, &y).unwrap();
    // (1000 + 1000 + ln 2) / 3
    assert!((loss - (2000.0 + 2f64.ln()) / 3.0).abs() < 1e-3, "{loss}");
    let g = Loss::BinaryCrossEntropy.backward(&z, &y).unwrap();
    let g: Vec<f32> = g.flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(g, vec![1.0 / 3.0, -1.0 / 3.0, -0.5 / 3.0]);
}

#[test]
fn cross_entropy_matches_a_hand_computed_value() {
    let z = Tensor::new(&[[1f64, 2.0, 3.0], [1000.0, 0.0, -1000.0]], &Device::Cpu).unwrap();
    let y = Tensor::new(&[2u32, 0], &Device::Cpu).unwrap();
    let loss = Loss::CrossEntropy.forward(&z, &y).unwrap();
    let row0 = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
    assert!((loss - row0 / 2.0).abs() < 1e-12, "{loss}");
}
