//! The vanishing gradient: the same 6-hidden-layer network with sigmoid, tanh and relu, trained
//! with plain gradient descent on digits. σ'(z) ≤ 1/4, so every sigmoid layer shrinks the
//! gradient flowing back; the first layer's gradient ends up far smaller than the last one's.
//!
//! Run: `cargo run --release --example activations`
use anyhow::Result;
use deepnet::data::{digits, split};
use deepnet::{
    evaluate, Device, InputScaling, ModelSpec, OptimizerConfig, Sequential, Silent, TrainConfig,
    Trainer,
};

fn main() -> Result<()> {
    let (train, test) = split(&digits()?, 0.2, 0, true)?;
    println!(
        "{:<8} {:>9} {:>22}",
        "act", "test_acc", "|g_first| / |g_last|"
    );
    for act in ["sigmoid", "tanh", "relu"] {
        let hidden =
            format!(r#"{{"type": "dense", "units": 32}}, {{"type": "{act}"}}, "#).repeat(6);
        let spec = ModelSpec::from_json(&format!(
            r#"{{"inputs": 64, "output": "softmax", "init": "xavier_normal",
                "layers": [{hidden}{{"type": "dense", "units": 10}}]}}"#
        ))?;
        let mut model = Sequential::from_spec(&spec, 0)?;
        model.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
        let config = TrainConfig {
            optimizer: OptimizerConfig::sgd(0.1),
            batch_size: Some(32),
            epochs: 20,
            ..TrainConfig::default()
        };
        let history = Trainer::new(config)?.fit(
            &mut model,
            &train.train_data(spec.output, &Device::Cpu)?,
            None,
            &mut Silent,
        )?;
        // Gradient norms of the first epoch, when the effect is plainest.
        let norms = &history.epochs[0].grad_norms;
        let ratio = norms[0].1 / norms[norms.len() - 1].1;
        let t = test.train_data(spec.output, &Device::Cpu)?;
        let acc = evaluate(&model, &t.x, &t.y)?.accuracy.unwrap_or(f64::NAN);
        println!("{act:<8} {acc:>9.4} {ratio:>22.2e}");
        println!("{act}_test_accuracy: {acc:.4}");
        println!("{act}_gradient_ratio: {ratio:.3e}");
    }
    Ok(())
}
