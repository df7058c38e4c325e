//! A deep MLP with random (He) initialisation, trained with mini-batch Adam, a validation split
//! and a progress bar. With no arguments it runs on the embedded digits; `--dataset fashion-mnist`
//! trains `models/fashion_mlp.json` on Fashion-MNIST (`apt-get install dataset-fashion-mnist`).
//!
//! Run: `cargo run --release --example deep_mlp -- --dataset fashion-mnist`
use std::time::Instant;

use anyhow::{bail, Result};
use clap::Parser;
use deepnet::data::{digits, fashion_mnist, split};
use deepnet::{
    evaluate, Device, EpochRecord, InputScaling, ModelSpec, Observer, Sequential, TrainState,
    Trainer,
};

/// Prints one line per epoch on stderr (the `deepnet` command shows progress bars instead).
struct EpochLines;

impl Observer for EpochLines {
    fn on_epoch_end(
        &mut self,
        r: &EpochRecord,
        _: &Sequential,
        _: &TrainState,
    ) -> deepnet::Result<()> {
        let acc = r
            .val_accuracy
            .map(|a| format!("  val_acc {a:.4}"))
            .unwrap_or_default();
        eprintln!(
            "epoch {:>3}  loss {:.4}{acc}  {:.2}s",
            r.epoch, r.train_loss, r.seconds
        );
        Ok(())
    }
}

#[derive(Parser)]
#[command(about = "Train a deep MLP on digits (default) or Fashion-MNIST")]
struct Args {
    /// `digits` or `fashion-mnist`.
    #[arg(long, default_value = "digits")]
    dataset: String,
    /// Override the recipe's epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// A spec file to train instead of the dataset's default `models/*.json`.
    #[arg(long)]
    model: Option<std::path::PathBuf>,
    /// Save the trained model to this `.safetensors` file.
    #[arg(long)]
    save: Option<std::path::PathBuf>,
    /// Hide the per-epoch lines.
    #[arg(long)]
    quiet: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (spec, train, test) = match args.dataset.as_str() {
        "digits" => {
            let spec = ModelSpec::from_json(include_str!("../models/digits_mlp.json"))?;
            let (train, test) = split(&digits()?, 0.2, 0, true)?;
            (spec, train, test)
        }
        "fashion-mnist" => {
            let spec = ModelSpec::from_json(include_str!("../models/fashion_mlp.json"))?;
            let (train, test) = fashion_mnist(None)?;
            (spec, train, test)
        }
        other => bail!("unknown dataset `{other}`; expected digits or fashion-mnist"),
    };
    let spec = match &args.model {
        Some(path) => ModelSpec::from_file(path)?,
        None => spec,
    };
    let mut config = spec.recipe();
    if let Some(e) = args.epochs {
        config.epochs = e;
    }
    // Hold out a stratified validation set (for early stopping) from the training rows.
    let (train, val) = split(&train, 0.1, config.seed, true)?;
    let mut model = Sequential::from_spec(&spec, config.seed)?;
    model.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
    eprint!("{}", model.summary());
    eprintln!(
        "train {} rows, validation {}, test {}",
        train.len(),
        val.len(),
        test.len()
    );

    let (train_t, val_t, test_t) = (
        train.train_data(spec.output, &Device::Cpu)?,
        val.train_data(spec.output, &Device::Cpu)?,
        test.train_data(spec.output, &Device::Cpu)?,
    );
    let mut trainer = Trainer::new(config.clone())?;
    let start = Instant::now();
    let history = match args.quiet {
        true => trainer.fit(&mut model, &train_t, Some(&val_t))?,
        false => trainer.fit_with(&mut model, &train_t, Some(&val_t), &mut EpochLines)?,
    };
    let seconds = start.elapsed().as_secs_f64();

    model.set_class_names(Some(train.class_names().to_vec()))?;
    if let Some(path) = &args.save {
        model.save(path)?;
        eprintln!("saved {}", path.display());
    }
    let metrics = evaluate(&model, &test_t.x, &test_t.y)?;
    let samples = (train.len() * history.epochs.len()) as f64;
    println!("epochs: {}", history.epochs.len());
    println!("test_loss: {:.4}", metrics.loss);
    println!("test_accuracy: {:.4}", metrics.accuracy.unwrap_or(f64::NAN));
    println!("train_seconds: {seconds:.2}");
    println!("samples_per_second: {:.0}", samples / seconds);
    Ok(())
}
