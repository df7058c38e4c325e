//! Logistic regression ŷ = σ(wᵀx + b), the one-layer network, on the breast-cancer data —
//! exactly the textbook algorithm: initialise w and b, then repeat full-batch gradient descent
//!
//!   forward:   z = Xwᵀ + b,  ŷ = σ(z),  J = −mean(y log ŷ + (1 − y) log(1 − ŷ))
//!   backward:  dz = (ŷ − y)/m,  dw = dzᵀX,  db = Σ dz
//!   update:    w := w − α dw,  b := b − α db
//!
//! Run: `cargo run --release --example logreg -- --iterations 500 --lr 0.5 --init zeros`
use std::time::Instant;

use anyhow::Result;
use clap::Parser;
use deepnet::data::{breast_cancer, split};
use deepnet::{Device, Init, InputScaling, Mlp, Optimizer, OptimizerConfig, Rng};

#[derive(Parser)]
#[command(about = "Logistic regression on breast cancer with full-batch gradient descent")]
struct Args {
    /// Gradient-descent iterations.
    #[arg(long, default_value_t = 500)]
    iterations: usize,
    /// Learning rate α.
    #[arg(long, default_value_t = 0.5)]
    lr: f64,
    /// Seed for the train/test split and random init.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Initialisation: zeros (fine for logistic regression), xavier_uniform, he_normal, pytorch, ...
    #[arg(long, default_value = "zeros")]
    init: String,
    /// Save the trained model to this `.safetensors` file.
    #[arg(long)]
    save: Option<std::path::PathBuf>,
    /// Print the cost every N iterations.
    #[arg(long, default_value_t = 100)]
    print_every: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let data = breast_cancer()?;
    let (train, test) = split(&data, 0.2, args.seed, true)?;
    let init: Init = serde_json::from_value(serde_json::Value::String(args.init.clone()))
        .map_err(|_| anyhow::anyhow!("unknown --init `{}`", args.init))?;
    // ŷ = σ(wᵀx + b): one dense unit and a sigmoid output.
    let mut model = Mlp::new(data.width())
        .init(init)
        .dense(1)
        .sigmoid()
        .build(args.seed)?;
    let spec = model.spec().clone();
    // Standardise with the training rows' mean and scale; the model carries them.
    model.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
    println!("{}", model.summary());

    let dev = Device::Cpu;
    let (x, y) = (
        train.features_tensor(&dev)?,
        train.targets_tensor(spec.output, &dev)?,
    );
    let mut opt = Optimizer::new(OptimizerConfig::sgd(args.lr))?;
    let mut rng = Rng::new(args.seed);
    let start = Instant::now();
    for i in 0..args.iterations {
        let (cost, grads) = model.gradients(&x, &y, &mut rng)?;
        opt.step(&mut model, &grads)?;
        if args.print_every > 0 && (i % args.print_every == 0 || i + 1 == args.iterations) {
            println!("iteration {i:>5}  cost {cost:.6}");
        }
    }
    let seconds = start.elapsed().as_secs_f64();

    let accuracy = |ds: &deepnet::data::Dataset| -> Result<f64> {
        let pred = model.predict_classes(&ds.features_tensor(&dev)?)?;
        let truth = ds.class_ids().unwrap_or_default();
        Ok(pred.iter().zip(truth).filter(|(p, t)| p == t).count() as f64 / truth.len() as f64)
    };
    if let Some(path) = &args.save {
        model.save(path)?;
        eprintln!("saved {}", path.display());
    }
    println!("train_accuracy: {:.4}", accuracy(&train)?);
    println!("test_accuracy: {:.4}", accuracy(&test)?);
    println!("train_seconds: {seconds:.4}");
    println!(
        "us_per_iteration: {:.1}",
        seconds * 1e6 / args.iterations as f64
    );
    Ok(())
}
