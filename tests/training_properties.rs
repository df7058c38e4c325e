//! Property test of the training entry points: random networks from the builder (any activation,
//! output, width, depth, dropout) and random data — right and wrong shapes, labels in and out of
//! range, non-finite values — through `Trainer::fit`, `evaluate` and `gradcheck`. Nothing panics;
//! valid input trains to finite weights, and wrong input gives an error that says what is wrong.

use candle_core::{DType, Device, Tensor};
use deepnet::{
    evaluate, gradcheck, Activation, Mlp, ModelSpec, Output, Recipe, Rng, TrainData, Trainer,
};
use proptest::prelude::*;

/// A network from the builder: `hidden` (activation index, width, dropout) layers, then the output.
fn network(inputs: usize, hidden: &[(usize, usize, bool)], output: usize, k: usize) -> ModelSpec {
    let acts = Activation::all();
    let mut mlp = Mlp::new(inputs);
    for &(a, width, dropout) in hidden {
        mlp = mlp.dense(width).activation(acts[a % acts.len()]);
        if dropout {
            mlp = mlp.dropout(0.25);
        }
    }
    match output {
        0 => mlp.dense(1).sigmoid(),
        1 => mlp.dense(k).softmax(),
        _ => mlp.dense(k).linear(),
    }
    .spec()
    .unwrap()
}

/// How the data are broken (0 = not at all).
#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    FeatureWidth,
    TargetRows,
    TargetWidth,
    LabelOutOfRange,
    NonFinite,
    SingleClass,
}

const FAULTS: [Fault; 7] = [
    Fault::None,
    Fault::FeatureWidth,
    Fault::TargetRows,
    Fault::TargetWidth,
    Fault::LabelOutOfRange,
    Fault::NonFinite,
    Fault::SingleClass,
];

fn data(spec: &ModelSpec, n: usize, fault: Fault, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::new(seed);
    let d = spec.inputs + usize::from(matches!(fault, Fault::FeatureWidth));
    let mut x: Vec<f32> = (0..n * d).map(|_| rng.normal() as f32).collect();
    if matches!(fault, Fault::NonFinite) {
        x[n * d / 2] = f32::NAN;
    }
    let x = Tensor::from_vec(x, (n, d), &Device::Cpu).unwrap();
    let rows = n - usize::from(matches!(fault, Fault::TargetRows));
    let k = spec.output_units();
    let dev = &Device::Cpu;
    let y = match spec.output {
        Output::Softmax => {
            let mut v: Vec<u32> = (0..rows).map(|i| (i % k) as u32).collect();
            match fault {
                Fault::LabelOutOfRange => v[0] = k as u32,
                Fault::SingleClass => v.iter_mut().for_each(|c| *c = 1),
                _ => {}
            }
            let t = Tensor::from_vec(v, rows, dev).unwrap();
            match fault {
                Fault::TargetWidth => t.unsqueeze(1).unwrap().repeat((1, 2)).unwrap(),
                _ => t,
            }
        }
        Output::Sigmoid => {
            let mut v: Vec<f32> = (0..rows).map(|i| (i % 2) as f32).collect();
            match fault {
                Fault::LabelOutOfRange => v[0] = 3.0,
                Fault::SingleClass => v.iter_mut().for_each(|c| *c = 0.0),
                _ => {}
            }
            let w = 1 + usize::from(matches!(fault, Fault::TargetWidth));
            Tensor::from_vec(v, (rows, 1), dev)
                .unwrap()
                .repeat((1, w))
                .unwrap()
        }
        Output::Linear => {
            let w = k + usize::from(matches!(fault, Fault::TargetWidth));
            let mut v: Vec<f32> = (0..rows * w).map(|_| rng.normal() as f32).collect();
            if matches!(fault, Fault::LabelOutOfRange) {
                v[0] = f32::INFINITY;
            }
            Tensor::from_vec(v, (rows, w), dev).unwrap()
        }
    };
    (x, y)
}

/// Whether `fault` is a fault for this output (a linear output has no classes).
fn is_fault(spec: &ModelSpec, fault: Fault) -> bool {
    !matches!(
        (fault, spec.output),
        (Fault::None, _) | (Fault::SingleClass, Output::Linear)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn fit_evaluate_and_gradcheck_never_panic(
        inputs in 1usize..5,
        hidden in prop::collection::vec((0usize..16, 1usize..6, any::<bool>()), 0..4),
        output in 0usize..3,
        k in 2usize..4,
        n in 2usize..20,
        fault in 0usize..FAULTS.len(),
        batch in prop::option::of(1usize..8),
        seed in 0u64..1000,
    ) {
        let spec = network(inputs, &hidden, output, k);
        let fault = FAULTS[fault];
        let (x, y) = data(&spec, n, fault, seed);
        let mut model = deepnet::Sequential::from_spec(&spec, seed).unwrap();
        let config = Recipe { batch_size: batch, epochs: 2, seed, ..Recipe::default() };
        let fitted = TrainData::new(x.clone(), y.clone())
            .and_then(|data| Trainer::new(config)?.fit(&mut model, &data, None));
        match (&fitted, is_fault(&spec, fault)) {
            (Ok(h), false) => {
                prop_assert_eq!(h.epochs.len(), 2);
                for (_, p) in model.parameters() {
                    let v: Vec<f32> = p.flatten_all().unwrap().to_vec1().unwrap();
                    prop_assert!(v.iter().all(|w| w.is_finite()));
                }
            }
            (Err(e), true) => {
                let msg = e.to_string();
                prop_assert!(!msg.is_empty() && !msg.contains('\n'), "{}", msg);
            }
            (r, expected_fault) => prop_assert!(false, "{fault:?} (fault: {expected_fault}): {r:?}"),
        }
        // Evaluation and gradient checks validate the same way.
        let evaluated = evaluate(&model, &x, &y);
        prop_assert_eq!(evaluated.is_err(), is_fault(&spec, fault) && !matches!(fault, Fault::SingleClass));
        let small = model.to_dtype(DType::F64).unwrap();
        let _ = gradcheck(&small, &x, &y, 1e-6);
    }
}
