//! Why depth matters: on `circles` and `spirals` no straight line separates the classes, so
//! logistic regression (one dense layer) stays near chance while a deep MLP fits them.
//!
//! Run: `cargo run --release --example why_deep`
use anyhow::Result;
use deepnet::data::{split, synthetic, Dataset};
use deepnet::{evaluate, Device, Init, Mlp, ModelSpec, OptimizerKind, Recipe, Sequential, Trainer};

/// Trains `spec` on the training rows and returns the test accuracy.
fn test_accuracy(spec: &ModelSpec, train: &Dataset, test: &Dataset) -> Result<f64> {
    let mut model = Sequential::from_spec(spec, 0)?;
    let config = Recipe {
        optimizer: OptimizerKind::Adam,
        lr: Some(0.01),
        batch_size: Some(32),
        epochs: 150,
        ..Recipe::default()
    };
    Trainer::new(config)?.fit(
        &mut model,
        &train.train_data(spec.output, &Device::Cpu)?,
        None,
    )?;
    let t = test.train_data(spec.output, &Device::Cpu)?;
    Ok(evaluate(&model, &t.x, &t.y)?.accuracy.unwrap_or(f64::NAN))
}

fn main() -> Result<()> {
    for name in ["circles", "spirals"] {
        let data = synthetic(name, 1000, 0)?;
        let (train, test) = split(&data, 0.2, 0, true)?;
        // The output: one sigmoid unit for two classes, a softmax over k otherwise.
        let k = data.num_classes();
        let head = |mlp: Mlp| match k {
            2 => mlp.dense(1).sigmoid(),
            k => mlp.dense(k).softmax(),
        };
        let logistic = head(Mlp::new(2)).spec()?;
        let hidden = Mlp::new(2).init(Init::HeNormal);
        let deep = head(hidden.dense(64).relu().dense(64).relu().dense(64).relu()).spec()?;
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
