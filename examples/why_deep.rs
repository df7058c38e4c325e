//! Why depth matters: on `circles` and `spirals` no straight line separates the classes, so
//! logistic regression (one dense layer) stays near chance while a deep MLP fits them.
//!
//! Run: `cargo run --release --example why_deep`
use anyhow::Result;
use deepnet::data::{split, synthetic, Dataset};
use deepnet::{
    evaluate, Device, ModelSpec, OptimizerConfig, Sequential, Silent, TrainConfig, Trainer,
};

/// Trains `spec` on the training rows and returns the test accuracy.
fn test_accuracy(spec: &ModelSpec, train: &Dataset, test: &Dataset) -> Result<f64> {
    let mut model = Sequential::from_spec(spec, 0)?;
    let config = TrainConfig {
        optimizer: OptimizerConfig::adam(0.01),
        batch_size: Some(32),
        epochs: 150,
        ..TrainConfig::default()
    };
    Trainer::new(config)?.fit(
        &mut model,
        &train.train_data(spec.output, &Device::Cpu)?,
        None,
        &mut Silent,
    )?;
    let t = test.train_data(spec.output, &Device::Cpu)?;
    Ok(evaluate(&model, &t.x, &t.y)?.accuracy.unwrap_or(f64::NAN))
}

fn main() -> Result<()> {
    for name in ["circles", "spirals"] {
        let data = synthetic(name, 1000, 0)?;
        let (train, test) = split(&data, 0.2, 0, true)?;
        let k = data.num_classes();
        let (output, units) = if k == 2 {
            ("sigmoid", 1)
        } else {
            ("softmax", k)
        };
        let logistic = ModelSpec::from_json(&format!(
            r#"{{"inputs": 2, "output": "{output}", "layers": [{{"type": "dense", "units": {units}}}]}}"#
        ))?;
        let deep = ModelSpec::from_json(&format!(
            r#"{{"inputs": 2, "output": "{output}", "init": "he_normal", "layers": [
                {{"type": "dense", "units": 64}}, {{"type": "relu"}},
                {{"type": "dense", "units": 64}}, {{"type": "relu"}},
                {{"type": "dense", "units": 64}}, {{"type": "relu"}},
                {{"type": "dense", "units": {units}}}]}}"#
        ))?;
        println!(
            "{name}_logistic_accuracy: {:.4}",
            test_accuracy(&logistic, &train, &test)?
        );
        println!(
            "{name}_deep_accuracy: {:.4}",
            test_accuracy(&deep, &train, &test)?
        );
    }
    Ok(())
}
