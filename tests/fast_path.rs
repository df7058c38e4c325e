//! The CPU fast path against the layer-by-layer candle path (the oracle): same weights, losses and
//! optimiser state after training, for every layer type, output and optimiser.

use candle_core::Device;
use deepnet::data::{breast_cancer, digits, Dataset};
use deepnet::{
    InputScaling, ModelSpec, OptimizerConfig, OptimizerKind, Sequential, Silent, TrainConfig,
    TrainData, Trainer,
};

fn data(ds: &Dataset, spec: &ModelSpec) -> TrainData {
    ds.train_data(spec.output, &Device::Cpu).unwrap()
}

fn max_diff(a: &Sequential, b: &Sequential) -> f32 {
    a.parameters()
        .iter()
        .zip(b.parameters())
        .map(|((_, x), (_, y))| {
            (x - &y)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
        })
        .fold(0.0, f32::max)
}

fn compare(spec_json: &str, ds: &Dataset, optimizer: OptimizerConfig) {
    let spec = ModelSpec::from_json(spec_json).unwrap();
    let train = data(ds, &spec);
    let config = TrainConfig {
        optimizer,
        batch_size: Some(50),
        epochs: 2,
        seed: 4,
        ..TrainConfig::default()
    };
    let build = || {
        let mut m = Sequential::from_spec(&spec, 2).unwrap();
        m.set_input_scaling(Some(InputScaling::fit(&ds.features, ds.width()).unwrap()))
            .unwrap();
        m
    };
    let (mut fast, mut plain) = (build(), build());
    let mut tf = Trainer::new(config.clone()).unwrap();
    let hf = tf.fit(&mut fast, &train, None, &mut Silent).unwrap();
    let mut tp = Trainer::new(config).unwrap().without_fast_path();
    let hp = tp.fit(&mut plain, &train, None, &mut Silent).unwrap();
    let d = max_diff(&fast, &plain);
    assert!(d < 2e-4, "{spec_json}: weights differ by {d}");
    for (a, b) in hf.epochs.iter().zip(&hp.epochs) {
        assert!(
            (a.train_loss - b.train_loss).abs() < 1e-4 * (1.0 + b.train_loss),
            "{} vs {}",
            a.train_loss,
            b.train_loss
        );
        assert_eq!(a.train_accuracy.is_some(), b.train_accuracy.is_some());
        for ((_, x), (_, y)) in a.grad_norms.iter().zip(&b.grad_norms) {
            assert!((x - y).abs() < 1e-3 * (1.0 + y), "grad norms {x} vs {y}");
        }
    }
    assert_eq!(tf.state().optimizer.step, tp.state().optimizer.step);
    assert_eq!(
        tf.state().optimizer.buffers.keys().collect::<Vec<_>>(),
        tp.state().optimizer.buffers.keys().collect::<Vec<_>>()
    );
}

#[test]
fn every_layer_and_optimizer_matches_the_candle_path() {
    let digits = digits().unwrap();
    let layers = r#"{"type": "dense", "units": 32}, {"type": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 16, "bias": false}, {"type": "tanh"},
        {"type": "dense", "units": 16}, {"type": "sigmoid"},
        {"type": "dense", "units": 16}, {"type": "leaky_relu", "slope": 0.1}, {"type": "identity"}"#;
    let softmax = format!(
        r#"{{"inputs": 64, "output": "softmax", "init": "he_normal", "layers": [{layers}, {{"type": "dense", "units": 10}}]}}"#
    );
    let mut momentum = OptimizerConfig::new(OptimizerKind::Momentum, 0.05);
    momentum.nesterov = true;
    momentum.weight_decay = 1e-3;
    let mut adamw = OptimizerConfig::new(OptimizerKind::Adamw, 0.003);
    adamw.weight_decay = 0.05;
    let mut adam_l2 = OptimizerConfig::adam(0.003);
    adam_l2.weight_decay = 1e-3;
    for opt in [
        OptimizerConfig::sgd(0.05),
        momentum,
        OptimizerConfig::adam(0.003),
        adamw,
        adam_l2,
    ] {
        compare(&softmax, &digits, opt);
    }
    let bc = breast_cancer().unwrap();
    let sigmoid = format!(
        r#"{{"inputs": 30, "output": "sigmoid", "layers": [{}, {{"type": "dense", "units": 1}}]}}"#,
        r#"{"type": "dense", "units": 8}, {"type": "tanh"}"#
    );
    compare(&sigmoid, &bc, OptimizerConfig::adam(0.01));
    let logreg = r#"{"inputs": 30, "output": "sigmoid", "init": "zeros", "layers": [{"type": "dense", "units": 1}]}"#;
    compare(logreg, &bc, OptimizerConfig::sgd(0.5));
    let linear = r#"{"inputs": 30, "output": "linear", "layers": [{"type": "dense", "units": 8}, {"type": "relu"}, {"type": "dense", "units": 1}]}"#;
    compare(linear, &bc, OptimizerConfig::sgd(0.01));
}

#[test]
fn the_weights_do_not_depend_on_the_thread_count() {
    let spec = ModelSpec::from_json(include_str!("../models/digits_mlp.json")).unwrap();
    let ds = digits().unwrap();
    let train = data(&ds, &spec);
    let run = |threads: usize| {
        let mut m = Sequential::from_spec(&spec, 3).unwrap();
        let config = TrainConfig {
            batch_size: Some(128),
            epochs: 2,
            ..TrainConfig::from_spec(spec.train.as_ref())
        };
        Trainer::new(config)
            .unwrap()
            .with_threads(threads)
            .fit(&mut m, &train, None, &mut Silent)
            .unwrap();
        m.parameters()
            .into_iter()
            .map(|(_, t)| t.flatten_all().unwrap().to_vec1::<f32>().unwrap())
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
}
