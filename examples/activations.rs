//! The vanishing gradient: the same 6-hidden-layer network with sigmoid, tanh and relu, trained
//! with plain gradient descent on digits. σ'(z) ≤ 1/4, so every sigmoid layer shrinks the
//! gradient flowing back; the first layer's gradient ends up far smaller than the last one's.
//!
//! Run: `cargo run --release --example activations`
use anyhow::Result;
use deepnet::data::{digits, split};
use deepnet::{
    evaluate, Activation, Device, Init, InputScaling, Mlp, OptimizerKind, Recipe, Trainer,
};

fn main() -> Result<()> {
    let (train, test) = split(&digits()?, 0.2, 0, true)?;
    println!(
        "{:<8} {:>9} {:>22}",
        "act", "test_acc", "|g_first| / |g_last|"
    );
    for activation in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
        let act = activation.name();
        let mut mlp = Mlp::new(64).init(Init::XavierNormal);
        for _ in 0..6 {
            mlp = mlp.dense(32).activation(activation);
        }
        let spec = mlp.dense(10).softmax().spec()?;
        let mut model = deepnet::Sequential::from_spec(&spec, 0)?;
        model.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
        let config = Recipe {
            optimizer: OptimizerKind::Sgd,
            lr: Some(0.1),
            batch_size: Some(32),
            epochs: 20,
            ..Recipe::default()
        };
        let history = Trainer::new(config)?.fit(
            &mut model,
            &train.train_data(spec.output, &Device::Cpu)?,
            None,
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
