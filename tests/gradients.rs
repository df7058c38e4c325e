//! Backprop, as the engine that trains computes it, checked two ways — against two-sided finite
//! differences in f64 (`gradcheck`) and against candle's autograd in f32 — for every activation
//! (from `Activation::all()`), every output and loss, with and without dropout, single networks
//! and ensembles, and every optimiser's update against PyTorch's published algorithm.

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::Module;
use deepnet::{
    gradcheck, Activation, Init, Loss, Mlp, ModelSpec, OptimizerConfig, OptimizerKind, Output,
    Recipe, Rng, Sequential, TrainData, Trainer,
};

/// Every output with its unit count, including a linear output with several targets.
const OUTPUTS: [(Output, usize); 4] = [
    (Output::Sigmoid, 1),
    (Output::Softmax, 3),
    (Output::Linear, 1),
    (Output::Linear, 2),
];

/// Members of the networks checked: a single network and an ensemble.
const MEMBERS: [usize; 2] = [1, 3];

/// A layer before the first dense one, with parameters of its own.
#[derive(Clone, Copy, Debug, PartialEq)]
enum First {
    None,
    /// Periodic embeddings of the four inputs.
    Periodic,
    /// Embeddings of inputs 1 and 3, which hold category indices ([`EMBEDDED`]).
    Embedding,
}

/// The embedded inputs of [`First::Embedding`] and their categories.
const EMBEDDED: [(usize, usize); 2] = [(1, 3), (3, 4)];

/// The networks around the layer under test: (dropout, ensemble members, a first layer).
const VARIANTS: [(bool, usize, First); 8] = [
    (false, 1, First::None),
    (true, 1, First::None),
    (false, 3, First::None),
    (true, 3, First::None),
    (false, 1, First::Periodic),
    (true, 3, First::Periodic),
    (false, 1, First::Embedding),
    (true, 3, First::Embedding),
];

fn spec(act: Activation, output: Output, units: usize, dropout: bool) -> ModelSpec {
    variant_spec(act, output, units, (dropout, 1, First::None))
}

fn variant_spec(
    act: Activation,
    output: Output,
    units: usize,
    (dropout, members, first): (bool, usize, First),
) -> ModelSpec {
    let mut mlp = Mlp::new(4).ensemble(members).init(Init::XavierNormal);
    match first {
        First::None => {}
        First::Periodic => mlp = mlp.periodic(3, 2, 0.5),
        First::Embedding => mlp = mlp.embedding(2, &EMBEDDED),
    }
    mlp = mlp.dense(5).activation(act);
    if dropout {
        mlp = mlp.dropout(0.3);
    }
    mlp = mlp.dense(3).activation(act).dense(units);
    match output {
        Output::Sigmoid => mlp.sigmoid(),
        Output::Softmax => mlp.softmax(),
        Output::Linear => mlp.linear(),
    }
    .spec()
    .unwrap()
}

/// The model with small random biases: zero biases put a ReLU unit exactly at its kink (where
/// finite differences and autograd disagree by convention) whenever a member's inputs to it are
/// all zero, which ensembles of narrow layers hit.
fn random_biases(mut model: Sequential, seed: u64) -> Sequential {
    let mut rng = Rng::new(seed);
    for (name, t) in model.parameters() {
        if name.ends_with(".bias") {
            let v: Vec<f64> = (0..t.elem_count()).map(|_| 0.1 * rng.normal()).collect();
            let b = Tensor::from_vec(v, t.dims(), &Device::Cpu).unwrap();
            model.set_parameter(&name, &b).unwrap();
        }
    }
    model
}

/// Features `[n, 4]` from N(0, 1) (the inputs of [`EMBEDDED`] category indices, the unseen one
/// included) and targets for `output`.
fn data(output: Output, units: usize, n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::new(seed);
    let mut x: Vec<f64> = (0..n * 4).map(|_| rng.normal()).collect();
    for r in 0..n {
        for (input, categories) in EMBEDDED {
            x[r * 4 + input] = rng.below(categories + 1) as f64;
        }
    }
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
fn finite_differences_agree_for_every_activation_output_and_variant() {
    for act in Activation::all() {
        for (output, units) in OUTPUTS {
            for variant in VARIANTS {
                let spec = variant_spec(act, output, units, variant);
                let model = Sequential::new(&spec, 3, &Device::Cpu, DType::F64).unwrap();
                let model = random_biases(model, 4);
                let (x, y) = data(spec.output, units, 7, 11);
                let report = gradcheck(&model, &x, &y, 1e-6).unwrap();
                let what =
                    format!("{act:?} {output:?}×{units} (dropout, members, first) {variant:?}");
                // Three dense layers' weights and biases, and the first layer's tensors.
                let tensors = 6 + match variant.2 {
                    First::None => 0,
                    First::Periodic => 3,
                    First::Embedding => 1,
                };
                assert_eq!(report.len(), tensors, "{what}");
                // The periodic layer's own ReLU and its sines' curvature leave more second-order
                // error in the finite differences (largest seen 1.8e-7, ReLU networks).
                for r in report {
                    assert!(r.analytic_norm > 0.0, "{what} {}: zero gradient", r.name);
                    assert!(
                        r.relative_difference
                            < if variant.2 == First::Periodic {
                                1e-6
                            } else {
                                1e-7
                            },
                        "{what} {}: relative difference {:e}",
                        r.name,
                        r.relative_difference
                    );
                }
            }
        }
    }
}

/// The activation written with candle's own tensor ops, independently of deepnet's formulas.
fn candle_activation(act: Activation, a: &Tensor) -> Tensor {
    match act {
        Activation::Sigmoid => candle_nn::ops::sigmoid(a).unwrap(),
        Activation::Tanh => a.tanh().unwrap(),
        Activation::Relu => a.relu().unwrap(),
        Activation::LeakyRelu { slope } => candle_nn::ops::leaky_relu(a, slope).unwrap(),
        Activation::Identity => a.clone(),
        Activation::Gelu => a.gelu_erf().unwrap(),
    }
}

/// The model's parameters as candle `Var`s, named as in checkpoints.
fn as_vars(model: &Sequential) -> Vec<(String, Var)> {
    model
        .parameters()
        .into_iter()
        .map(|(n, t)| (n, Var::from_tensor(&t).unwrap()))
        .collect()
}

/// The `Var` called `name`, as a tensor.
fn var(vars: &[(String, Var)], name: &str) -> Tensor {
    vars.iter()
        .find(|(n, _)| n == name)
        .unwrap()
        .1
        .as_tensor()
        .clone()
}

/// `loss` written with candle-nn's losses.
fn candle_loss(loss: Loss, a: &Tensor, y: &Tensor) -> Tensor {
    match loss {
        Loss::BinaryCrossEntropy => candle_nn::loss::binary_cross_entropy_with_logit(a, y).unwrap(),
        Loss::CrossEntropy => candle_nn::loss::cross_entropy(a, y).unwrap(),
        Loss::MeanSquaredError => candle_nn::loss::mse(a, y).unwrap(),
    }
}

/// The largest |a − b| of two tensors of the same shape, in f64.
fn max_difference(a: &Tensor, b: &Tensor) -> f64 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap()
}

/// Targets in f32, class indices as they are.
fn f32_targets(y: Tensor) -> Tensor {
    if y.dtype() == DType::U32 {
        y
    } else {
        y.to_dtype(DType::F32).unwrap()
    }
}

/// The same network written with candle-nn layers on `Var`s, differentiated by candle's autograd.
/// An ensemble is K such networks on the rows of its stacked weights, its loss their mean loss.
fn autograd_oracle(
    model: &Sequential,
    act: Activation,
    x: &Tensor,
    y: &Tensor,
) -> Vec<(String, Tensor)> {
    let members = model.spec().ensemble;
    let vars = as_vars(model);
    let get = |name: &str| var(&vars, name);
    let mut losses = Vec::new();
    for m in 0..members {
        let mut a = x.clone();
        for i in [0usize, 2, 4] {
            let (w, b) = (get(&format!("{i}.weight")), get(&format!("{i}.bias")));
            let units = w.dims()[0] / members;
            let lin = candle_nn::Linear::new(
                w.narrow(0, m * units, units).unwrap(),
                Some(b.narrow(0, m * units, units).unwrap()),
            );
            a = lin.forward(&a).unwrap();
            if i < 4 {
                a = candle_activation(act, &a);
            }
        }
        losses.push(candle_loss(model.loss(), &a, y));
    }
    let loss = (Tensor::stack(&losses, 0).unwrap().sum_all().unwrap() / members as f64).unwrap();
    let store = loss.backward().unwrap();
    vars.iter()
        .map(|(n, v)| (n.clone(), store.get(v.as_tensor()).unwrap().clone()))
        .collect()
}

#[test]
fn engine_backward_matches_candle_autograd_in_f32() {
    for act in Activation::all() {
        for (output, units) in OUTPUTS {
            for members in MEMBERS {
                let spec = variant_spec(act, output, units, (false, members, First::None));
                let model = random_biases(Sequential::from_spec(&spec, 5).unwrap(), 6);
                let (x, y) = data(spec.output, units, 16, 2);
                let x = x.to_dtype(DType::F32).unwrap();
                let y = f32_targets(y);
                let (_, grads) = model.gradients(&x, &y, &mut Rng::new(0)).unwrap();
                for (pname, expected) in autograd_oracle(&model, act, &x, &y) {
                    let got = grads.get(&pname).unwrap();
                    let diff = max_difference(got, &expected);
                    assert!(
                    diff < 1e-5,
                    "{act:?} {output:?}×{units} members={members} {pname}: max difference {diff:e}"
                );
                }
            }
        }
    }
}

/// An embedding layer ([`First::Embedding`]) under a 5-3 ReLU network, written with candle's
/// `index_select` on the table's rows (a zero row appended for the unseen index) and
/// differentiated by candle's autograd, against the engine's gradients in f32.
#[test]
fn embedding_backward_matches_candle_autograd_in_f32() {
    for (output, units) in OUTPUTS {
        let spec = variant_spec(
            Activation::Relu,
            output,
            units,
            (false, 1, First::Embedding),
        );
        let model = random_biases(Sequential::from_spec(&spec, 5).unwrap(), 6);
        let (x, y) = data(spec.output, units, 16, 2);
        let x = x.to_dtype(DType::F32).unwrap();
        let y = f32_targets(y);
        let (_, grads) = model.gradients(&x, &y, &mut Rng::new(0)).unwrap();
        let vars = as_vars(&model);
        let get = |name: &str| var(&vars, name);
        let table = get("0.weight");
        let d = table.dims()[1];
        let (mut parts, mut offset) = (Vec::new(), 0);
        for j in 0..4 {
            let column = x.narrow(1, j, 1).unwrap();
            match EMBEDDED.iter().find(|(input, _)| *input == j) {
                None => parts.push(column),
                Some(&(_, n)) => {
                    let zeros = Tensor::zeros((1, d), DType::F32, &Device::Cpu).unwrap();
                    let rows =
                        Tensor::cat(&[&table.narrow(0, offset, n).unwrap(), &zeros], 0).unwrap();
                    let index = column.squeeze(1).unwrap().to_dtype(DType::U32).unwrap();
                    parts.push(rows.index_select(&index, 0).unwrap());
                    offset += n;
                }
            }
        }
        let mut a = Tensor::cat(&parts, 1).unwrap();
        for i in [1usize, 3, 5] {
            let lin = candle_nn::Linear::new(
                get(&format!("{i}.weight")),
                Some(get(&format!("{i}.bias"))),
            );
            a = lin.forward(&a).unwrap();
            if i < 5 {
                a = a.relu().unwrap();
            }
        }
        let store = candle_loss(model.loss(), &a, &y).backward().unwrap();
        for (name, v) in &vars {
            let expected = store.get(v.as_tensor()).unwrap();
            let diff = max_difference(grads.get(name).unwrap(), expected);
            assert!(
                diff < 1e-5,
                "{output:?}×{units} {name}: max difference {diff:e}"
            );
        }
        // The table has a gradient (every category of the data above is met).
        assert!(
            grads
                .get("0.weight")
                .unwrap()
                .abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
                > 0.0
        );
    }
}

/// One step of `torch.optim`'s documented algorithm for `c` on weights `w` with gradient `g` and
/// state `s` (two buffers, zero at the start), written independently of deepnet's optimiser.
fn torch_step(c: &OptimizerConfig, t: i32, w: &mut [f64], g: &[f64], s: &mut [Vec<f64>; 2]) {
    for i in 0..w.len() {
        let mut g = g[i];
        match c.kind {
            OptimizerKind::Sgd => {
                g += c.weight_decay * w[i];
                w[i] -= c.lr * g;
            }
            OptimizerKind::Momentum => {
                g += c.weight_decay * w[i];
                s[0][i] = if t == 1 { g } else { c.momentum * s[0][i] + g };
                let u = if c.nesterov {
                    g + c.momentum * s[0][i]
                } else {
                    s[0][i]
                };
                w[i] -= c.lr * u;
            }
            OptimizerKind::Adam | OptimizerKind::Adamw => {
                if c.kind == OptimizerKind::Adamw {
                    w[i] *= 1.0 - c.lr * c.weight_decay;
                } else {
                    g += c.weight_decay * w[i];
                }
                s[0][i] = c.beta1 * s[0][i] + (1.0 - c.beta1) * g;
                s[1][i] = c.beta2 * s[1][i] + (1.0 - c.beta2) * g * g;
                let m_hat = s[0][i] / (1.0 - c.beta1.powi(t));
                let v_hat = s[1][i] / (1.0 - c.beta2.powi(t));
                w[i] -= c.lr * m_hat / (v_hat.sqrt() + c.eps);
            }
            OptimizerKind::Rmsprop => {
                g += c.weight_decay * w[i];
                s[0][i] = c.alpha * s[0][i] + (1.0 - c.alpha) * g * g;
                w[i] -= c.lr * g / (s[0][i].sqrt() + c.eps);
            }
        }
    }
}

#[test]
fn every_optimizer_follows_the_pytorch_algorithm_through_the_trainer() {
    let spec = spec(Activation::Tanh, Output::Softmax, 3, false);
    let (x, y) = data(Output::Softmax, 3, 12, 4);
    for kind in OptimizerKind::all() {
        for (weight_decay, nesterov) in [(0.0, false), (0.01, false), (0.01, true)] {
            let mut c = OptimizerConfig::new(kind, 0.05);
            c.weight_decay = weight_decay;
            c.nesterov = nesterov && kind == OptimizerKind::Momentum;
            let what = format!("{kind:?} wd={weight_decay} nesterov={}", c.nesterov);
            // Reference: three full-batch steps of the torch algorithm on f64 gradients.
            let mut reference = Sequential::new(&spec, 9, &Device::Cpu, DType::F64).unwrap();
            let mut states: Vec<[Vec<f64>; 2]> = reference
                .parameters()
                .iter()
                .map(|(_, p)| [vec![0.0; p.elem_count()], vec![0.0; p.elem_count()]])
                .collect();
            for t in 1..=3 {
                let (_, grads) = reference.gradients(&x, &y, &mut Rng::new(0)).unwrap();
                for ((name, p), s) in reference.parameters().into_iter().zip(&mut states) {
                    let mut w: Vec<f64> = p.flatten_all().unwrap().to_vec1().unwrap();
                    let g: Vec<f64> = grads
                        .get(&name)
                        .unwrap()
                        .flatten_all()
                        .unwrap()
                        .to_vec1()
                        .unwrap();
                    torch_step(&c, t, &mut w, &g, s);
                    let w = Tensor::from_vec(w, p.dims(), &Device::Cpu).unwrap();
                    reference.set_parameter(&name, &w).unwrap();
                }
            }
            // The trainer, in f64, full batch, no shuffling: three epochs are three steps.
            let mut model = Sequential::new(&spec, 9, &Device::Cpu, DType::F64).unwrap();
            let config = Recipe {
                optimizer: kind,
                lr: Some(c.lr),
                weight_decay: Some(c.weight_decay),
                nesterov: c.nesterov,
                batch_size: None,
                epochs: 3,
                shuffle: false,
                ..Recipe::default()
            };
            let data = TrainData::new(x.clone(), y.clone()).unwrap();
            Trainer::new(config)
                .unwrap()
                .fit(&mut model, &data, None)
                .unwrap();
            for ((name, a), (_, b)) in model.parameters().iter().zip(reference.parameters()) {
                let diff = max_difference(a, &b);
                assert!(diff < 1e-12, "{what} {name}: max difference {diff:e}");
            }
        }
    }
}
