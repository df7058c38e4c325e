//! `deepnet train`: a spec and a dataset in, a run directory out (checkpoint, training state,
//! history, figures), saved crash-safely after every epoch by the library's [`RunDir`].

mod config;
mod report;
mod resume;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use deepnet::checkpoint::{atomic_write, save_model, RunDir, MODEL_FILE};
use deepnet::data::{load_source, split, Dataset};
use deepnet::{evaluate, Device, InputScaling, ModelSpec, Sequential, Trainer};

use crate::args::TrainArgs;
use crate::data::{check_fits, tensors, Use};
use crate::plot::write_figures;
use crate::progress::ProgressBars;
use config::train_config;
use report::print_metrics;
pub use resume::saved_args;
use resume::{load_run, RUN_KEY};

/// The data of a run after splitting: training rows, and validation and test rows when held out.
struct Splits {
    train: Dataset,
    val: Option<Dataset>,
    test: Option<Dataset>,
}

pub fn run(mut a: TrainArgs) -> Result<()> {
    if let Some(t) = a.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        // candle and rayon read this before starting their workers.
        std::env::set_var("RAYON_NUM_THREADS", t.to_string());
    }
    let resume = a.resume.clone();
    let resumed = match &resume {
        Some(dir) => Some(load_run(dir, &mut a)?),
        None => None,
    };
    let spec = match (&resumed, &a.model) {
        (Some(m), _) => m.spec().clone(),
        (None, Some(path)) => ModelSpec::from_file(path)?,
        (None, None) => bail!("--model is required (or --resume DIR)"),
    };
    for w in spec.warnings() {
        eprintln!("warning: {w}");
    }
    let source_name = a
        .data
        .clone()
        .ok_or_else(|| anyhow!("--data is required"))?;
    let config = train_config(&spec, &a)?;
    let seed = config.seed;
    a.seed = Some(seed);
    let splits = load_splits(&a, &spec, &source_name, seed)?;
    let mut model = match resumed {
        Some(m) => m,
        None => new_model(&spec, &splits.train, seed)?,
    };

    let out = a.out.clone().or_else(|| resume.clone()).unwrap_or_else(|| {
        PathBuf::from("runs").join(spec.name.clone().unwrap_or_else(|| "model".into()))
    });
    a.out = Some(out.clone());
    a.data = Some(source_name.clone());
    let mut extra = BTreeMap::new();
    extra.insert(RUN_KEY.to_string(), serde_json::to_string(&a)?);
    extra.insert(
        "deepnet.features".to_string(),
        serde_json::to_string(&splits.train.feature_names)?,
    );
    extra.insert("deepnet.seed".to_string(), seed.to_string());
    let run_dir = RunDir::new(&out, extra.clone())
        .with_context(|| format!("{}: cannot create the run directory", out.display()))?;

    let train_t = tensors(&splits.train, &spec)?;
    let val_t = splits.val.as_ref().map(|v| tensors(v, &spec)).transpose()?;
    let mut trainer = match &resume {
        Some(_) => run_dir.trainer(config, &mut model)?,
        None => Trainer::new(config)?,
    };
    if resume.is_some() {
        eprintln!(
            "resuming {} after epoch {}",
            out.display(),
            trainer.state().epoch
        );
    }
    eprintln!(
        "training on {} rows ({} validation, {} test), {} epochs, {} parameters -> {}",
        splits.train.len(),
        splits.val.as_ref().map_or(0, Dataset::len),
        splits.test.as_ref().map_or(0, Dataset::len),
        trainer.config().epochs,
        model.parameter_count(),
        out.display()
    );
    let mut observer = (ProgressBars::new(a.quiet), run_dir);
    let start = Instant::now();
    let history = trainer.fit_with(&mut model, &train_t, val_t.as_ref(), &mut observer)?;
    let seconds = start.elapsed().as_secs_f64();

    // Final files: the restored best weights (with early stopping) with the test metrics,
    // history and figures.
    let last = history.epochs.last().context("no epoch was trained")?;
    let mut final_meta = extra;
    final_meta.insert("deepnet.epoch".into(), last.epoch.to_string());
    let test_metrics = match &splits.test {
        Some(t) => {
            let t = tensors(t, &spec)?;
            Some(evaluate(&model, &t.x, &t.y)?)
        }
        None => None,
    };
    if let Some(m) = &test_metrics {
        final_meta.insert("deepnet.test_loss".into(), m.loss.to_string());
        if let Some(acc) = m.accuracy {
            final_meta.insert("deepnet.test_accuracy".into(), acc.to_string());
        }
    }
    save_model(&model, &out.join(MODEL_FILE), &final_meta)?;
    atomic_write(&out.join("history.json"), history.to_json().as_bytes())?;
    write_figures(&out, &history, &model, Some(&splits.train))?;
    print_metrics(&history, splits.val.is_some(), test_metrics.as_ref());
    println!("train_seconds: {seconds:.2}");
    println!("run_dir: {}", out.display());
    Ok(())
}

/// Loads the data source, checks it fits the spec, and holds out the test and validation rows
/// (stratified, seeded).
fn load_splits(a: &TrainArgs, spec: &ModelSpec, source_name: &str, seed: u64) -> Result<Splits> {
    for (flag, v) in [("--val-split", a.val_split), ("--test-split", a.test_split)] {
        if let Some(f) = v {
            if !(0.0..1.0).contains(&f) {
                bail!("{flag} must be in [0, 1), got {f}");
            }
        }
    }
    let source = load_source(source_name, a.target.as_deref(), seed)?;
    check_fits(spec, &source.data, source_name, Use::Train)?;
    let (train_all, test) = match source.test {
        Some(t) => (source.data, Some(t)),
        None => match a.test_split.unwrap_or(0.2) {
            f if f > 0.0 => {
                let (tr, te) = split(&source.data, f, seed, true)?;
                (tr, Some(te))
            }
            _ => (source.data, None),
        },
    };
    let (train, val) = match a.val_split.unwrap_or(0.1) {
        f if f > 0.0 => {
            let (tr, v) = split(&train_all, f, seed.wrapping_add(1), true)?;
            (tr, Some(v))
        }
        _ => (train_all, None),
    };
    Ok(Splits { train, val, test })
}

/// A freshly initialised model carrying the training rows' standardisation and class names.
fn new_model(spec: &ModelSpec, train: &Dataset, seed: u64) -> Result<Sequential> {
    let mut m = Sequential::new(spec, seed, &Device::Cpu, deepnet::DType::F32)?;
    m.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
    if train.num_classes() > 0 && spec.output != deepnet::Output::Linear {
        m.set_class_names(Some(train.class_names().to_vec()))?;
    }
    Ok(m)
}
