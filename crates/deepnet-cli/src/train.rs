//! `deepnet train`: a spec and a dataset in, a run directory out (checkpoint, training state,
//! history, figures), saved crash-safely after every epoch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use deepnet::checkpoint::{
    atomic_write, load_model_with_metadata, load_train_state, save_model, save_train_state,
};
use deepnet::data::{load_source, split, Dataset};
use deepnet::{
    evaluate, Device, EpochRecord, InputScaling, ModelSpec, Observer, OptimizerConfig,
    OptimizerKind, ProgressBars, Schedule, Sequential, TrainConfig, TrainState, Trainer,
};

use crate::args::{OptimizerArg, ScheduleArg, TrainArgs};
use crate::data::{check_fits, tensors};
use crate::plot::write_figures;

/// The run's arguments as resolved, saved in every checkpoint so `--resume` repeats the run.
const RUN_KEY: &str = "deepnet.run";

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
    for (flag, v) in [("--val-split", a.val_split), ("--test-split", a.test_split)] {
        if let Some(f) = v {
            if !(0.0..1.0).contains(&f) {
                bail!("{flag} must be in [0, 1), got {f}");
            }
        }
    }

    let source = load_source(&source_name, a.target.as_deref(), seed)?;
    check_fits(&spec, &source.data, &source_name)?;
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
    let mut model = match resumed {
        Some(m) => m,
        None => {
            let mut m = Sequential::new(&spec, seed, &Device::Cpu, deepnet::DType::F32)?;
            m.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
            if train.num_classes() > 0 && spec.output != deepnet::Output::Linear {
                let mut names = train.class_names().to_vec();
                // A softmax wider than the data's classes keeps its extra outputs nameless.
                while names.len() < spec.output_units() && spec.output == deepnet::Output::Softmax {
                    names.push(format!("class{}", names.len()));
                }
                m.set_class_names(Some(names))?;
            }
            m
        }
    };

    let out = a.out.clone().or_else(|| resume.clone()).unwrap_or_else(|| {
        PathBuf::from("runs").join(spec.name.clone().unwrap_or_else(|| "model".into()))
    });
    std::fs::create_dir_all(&out)
        .with_context(|| format!("{}: cannot create the run directory", out.display()))?;
    a.out = Some(out.clone());
    a.data = Some(source_name.clone());
    let mut extra = BTreeMap::new();
    extra.insert(RUN_KEY.to_string(), serde_json::to_string(&a)?);
    extra.insert(
        "deepnet.features".to_string(),
        serde_json::to_string(&train.feature_names)?,
    );
    extra.insert("deepnet.seed".to_string(), seed.to_string());

    let train_t = tensors(&train, &spec)?;
    let val_t = val.as_ref().map(|v| tensors(v, &spec)).transpose()?;
    let mut trainer = match &resume {
        Some(dir) => {
            let state = load_train_state(&dir.join("train_state.safetensors"), &config, &model)?;
            eprintln!("resuming {} after epoch {}", dir.display(), state.epoch);
            Trainer::resume(config, state, &mut model)?
        }
        None => Trainer::new(config)?,
    };
    eprintln!(
        "training on {} rows ({} validation, {} test), {} epochs, {} parameters -> {}",
        train.len(),
        val.as_ref().map_or(0, Dataset::len),
        test.as_ref().map_or(0, Dataset::len),
        trainer.config().epochs,
        model.parameter_count(),
        out.display()
    );
    let mut observer = RunObserver {
        bars: ProgressBars::new(a.quiet),
        out: out.clone(),
        extra: extra.clone(),
    };
    let start = Instant::now();
    let history = trainer.fit(&mut model, &train_t, val_t.as_ref(), &mut observer)?;
    let seconds = start.elapsed().as_secs_f64();

    // Final files: the restored best weights (with early stopping), history and figures.
    let last = history.epochs.last().context("no epoch was trained")?;
    let mut final_meta = extra;
    final_meta.insert("deepnet.epoch".into(), last.epoch.to_string());
    let test_metrics = match &test {
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
    save_model(&model, &out.join("model.safetensors"), &final_meta)?;
    atomic_write(&out.join("history.csv"), history.to_csv().as_bytes())?;
    atomic_write(&out.join("history.json"), history.to_json().as_bytes())?;
    write_figures(&out, &history, &model, Some(&train))?;

    println!("epochs: {}", last.epoch);
    if let Some(best) = history.best() {
        println!("best_epoch: {}", best.epoch);
    }
    println!("train_loss: {:.4}", last.train_loss);
    if let (Some(b), true) = (history.best(), val.is_some()) {
        println!("val_loss: {:.4}", b.val_loss.unwrap_or(f64::NAN));
        if let Some(acc) = b.val_accuracy {
            println!("val_accuracy: {acc:.4}");
        }
    }
    if let Some(m) = &test_metrics {
        println!("test_loss: {:.4}", m.loss);
        if let Some(acc) = m.accuracy {
            println!("test_accuracy: {acc:.4}");
        }
        if let Some(b) = &m.binary {
            println!("test_precision: {:.4}", b.precision);
            println!("test_recall: {:.4}", b.recall);
            println!("test_f1: {:.4}", b.f1);
        }
    }
    println!("train_seconds: {seconds:.2}");
    println!("run_dir: {}", out.display());
    Ok(())
}

/// Loads a run's model and merges its saved arguments under the explicit ones.
fn load_run(dir: &Path, a: &mut TrainArgs) -> Result<Sequential> {
    let path = dir.join("model.safetensors");
    let (model, meta) = load_model_with_metadata(&path, &Device::Cpu, deepnet::DType::F32)?;
    let saved: TrainArgs = match meta.get(RUN_KEY) {
        Some(t) => serde_json::from_str(t)
            .with_context(|| format!("checkpoint {}: `{RUN_KEY}` is not valid", path.display()))?,
        None => bail!(
            "checkpoint {}: no `{RUN_KEY}`; --resume needs a directory written by `deepnet train`",
            path.display()
        ),
    };
    let keep = a.clone();
    *a = TrainArgs {
        threads: keep.threads,
        resume: keep.resume.clone(),
        quiet: keep.quiet,
        ..saved.clone()
    };
    macro_rules! over {
        ($($f:ident),*) => { $( if keep.$f.is_some() { a.$f = keep.$f.clone(); } )* };
    }
    over!(
        data, target, epochs, batch_size, optimizer, lr, schedule, patience, val_split, test_split,
        seed, out
    );
    if keep.model.is_some() {
        eprintln!("note: --model is ignored with --resume; the run's own spec is used");
    }
    Ok(model)
}

/// The spec's recipe with the explicit flags over it.
fn train_config(spec: &ModelSpec, a: &TrainArgs) -> Result<TrainConfig> {
    let mut c = TrainConfig::from_spec(spec.train.as_ref());
    if let Some(o) = a.optimizer {
        let kind = match o {
            OptimizerArg::Sgd => OptimizerKind::Sgd,
            OptimizerArg::Momentum => OptimizerKind::Momentum,
            OptimizerArg::Adam => OptimizerKind::Adam,
            OptimizerArg::Adamw => OptimizerKind::Adamw,
        };
        let wd = spec.train.as_ref().and_then(|t| t.weight_decay);
        c.optimizer = OptimizerConfig::new(kind, c.optimizer.lr);
        if let Some(wd) = wd {
            c.optimizer.weight_decay = wd;
        }
    }
    if let Some(lr) = a.lr {
        if !(lr > 0.0 && lr.is_finite()) {
            bail!("--lr must be positive and finite, got {lr}");
        }
        c.optimizer.lr = lr;
    }
    if let Some(e) = a.epochs {
        if e == 0 {
            bail!("--epochs must be at least 1");
        }
        c.epochs = e;
    }
    if let Some(b) = a.batch_size {
        if b == 0 {
            bail!("--batch-size must be at least 1");
        }
        c.batch_size = Some(b);
    }
    if let Some(s) = a.schedule {
        c.schedule = match s {
            ScheduleArg::Constant => Schedule::Constant,
            ScheduleArg::Step => Schedule::Step {
                step_size: (c.epochs / 4).max(1),
                gamma: 0.5,
            },
            ScheduleArg::Cosine => Schedule::Cosine { min_lr: 0.0 },
            ScheduleArg::Plateau => Schedule::Plateau {
                factor: 0.5,
                patience: 2,
            },
        };
    }
    if a.patience.is_some() {
        c.patience = a.patience;
    }
    if let Some(s) = a.seed {
        c.seed = s;
    }
    Ok(c)
}

/// Progress bars plus the per-epoch, crash-safe save of checkpoint, training state and history.
struct RunObserver {
    bars: ProgressBars,
    out: PathBuf,
    extra: BTreeMap<String, String>,
}

impl Observer for RunObserver {
    fn on_train_begin(&mut self, info: &deepnet::RunInfo) {
        self.bars.on_train_begin(info);
    }
    fn on_epoch_begin(&mut self, epoch: usize, lr: f64) {
        self.bars.on_epoch_begin(epoch, lr);
    }
    fn on_step(&mut self, step: &deepnet::StepInfo) {
        self.bars.on_step(step);
    }
    fn on_epoch_end(
        &mut self,
        r: &EpochRecord,
        model: &Sequential,
        state: &TrainState,
    ) -> deepnet::Result<()> {
        self.bars.on_epoch_end(r, model, state)?;
        let mut meta = self.extra.clone();
        meta.insert("deepnet.epoch".into(), r.epoch.to_string());
        meta.insert("deepnet.train_loss".into(), r.train_loss.to_string());
        if let Some(v) = r.val_loss {
            meta.insert("deepnet.val_loss".into(), v.to_string());
        }
        save_model(model, &self.out.join("model.safetensors"), &meta)?;
        save_train_state(&self.out.join("train_state.safetensors"), state)?;
        atomic_write(
            &self.out.join("history.csv"),
            state.history.to_csv().as_bytes(),
        )
    }
    fn on_train_end(&mut self, history: &deepnet::History) {
        self.bars.on_train_end(history);
    }
}
