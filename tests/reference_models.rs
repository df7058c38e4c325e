//! The reference checkpoints under `models/`, trained by the examples
//! (`cargo run --release --example logreg -- --save models/logreg.safetensors`,
//! `cargo run --release --example deep_mlp -- --save models/digits_mlp.safetensors`), load from the
//! file alone and still score on their held-out rows. If a format change breaks them, re-run those
//! two commands.

use candle_core::Device;
use deepnet::data::{breast_cancer, digits, split};
use deepnet::{evaluate, Sequential};
use deepnet_testkit::root;

#[test]
fn logistic_regression_checkpoint_scores_on_its_test_split() {
    let model = Sequential::load(root().join("models/logreg.safetensors")).unwrap();
    assert!(
        model.input_scaling().is_some(),
        "trained on standardised inputs"
    );
    let (_, test) = split(&breast_cancer().unwrap(), 0.2, 0, true).unwrap();
    let y = test
        .targets_tensor(model.spec().output, &Device::Cpu)
        .unwrap();
    let m = evaluate(&model, &test.features_tensor(&Device::Cpu).unwrap(), &y).unwrap();
    assert!(m.accuracy.unwrap() >= 0.95, "{m:?}");
    assert!(m.binary.unwrap().f1 > 0.9);
}

#[test]
fn digits_mlp_checkpoint_scores_on_its_test_split() {
    let model = Sequential::load(root().join("models/digits_mlp.safetensors")).unwrap();
    assert_eq!(model.class_names().unwrap()[7], "7");
    let (_, test) = split(&digits().unwrap(), 0.2, 0, true).unwrap();
    let y = test
        .targets_tensor(model.spec().output, &Device::Cpu)
        .unwrap();
    let m = evaluate(&model, &test.features_tensor(&Device::Cpu).unwrap(), &y).unwrap();
    assert!(m.accuracy.unwrap() >= 0.97, "{m:?}");
}
