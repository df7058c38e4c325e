//! `deepnet train`: a spec and a dataset in, a run directory out (checkpoint, training state,
//! history, figures), saved crash-safely after every epoch by the library's [`RunDir`].

mod config;
mod report;
mod resume;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use deepnet::checkpoint::{atomic_write, keys, save_model, RunDir, MODEL_FILE};
use deepnet::data::idx::FASHION_CLASSES;
use deepnet::data::table::{
    bins::{MAX_BINS, ROWS_PER_BIN},
    original_units, scores, target_rows, Bins, MissingPolicy, PositiveRule, Preprocessing,
    RawTable, TableOptions, TableSplits, Task, DEFAULT_BINS, MAX_CATEGORIES,
};
use deepnet::data::{fashion_mnist_rows, load_source, Dataset, HoldOut, Labels};
use deepnet::spec::MAX_ENSEMBLE;
use deepnet::{LayerSpec, ModelSpec, Output, Silent, Trainer};

use crate::args::{MissingArg, TrainArgs};
use crate::data::{into_tensors, tensors};
use crate::distributed::{data_hash, hash_of, Job};
use crate::figure::fit::fit_svg;
use crate::plot::write_figures;
use crate::progress::ProgressBars;
use crate::run_status::{RunStatus, State};
use crate::table::{dialect, is_table};
use deepnet::data::{check_fits, check_targets, fit_inputs, new_model, Use};
use report::metric_lines;
use resume::load_run;
pub use resume::saved_args;

/// The data of a run after splitting: training rows, and validation and test rows when held out,
/// with the preprocessing learned from the training rows of a CSV table.
struct Splits {
    train: Dataset,
    val: Option<Dataset>,
    test: Option<Dataset>,
    preprocessing: Option<Preprocessing>,
    /// Set when `train` holds only this rank's share of the training rows, read from the file.
    shard: Option<Shard>,
}

/// This rank's share of the training rows of a distributed run, read from an IDX source.
struct Shard {
    /// The number of training rows of all ranks.
    rows: usize,
    /// A hash of every byte of the training files (the same on every rank that read the same
    /// files).
    digest: u64,
}

pub fn run(mut a: TrainArgs) -> Result<()> {
    if let Some(t) = a.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        // candle and rayon read this before starting their workers.
        std::env::set_var("RAYON_NUM_THREADS", t.to_string());
    }
    // Join the MPI job first, so that a misconfigured launch fails before any work.
    let job = a.distributed.then(Job::join).transpose()?;
    let leads = job.as_ref().is_none_or(Job::leads);
    let resume = a.resume.clone();
    let resumed = match &resume {
        Some(dir) => Some(load_run(dir, &mut a)?),
        None => None,
    };
    let (mut spec, defaulted) = match (&resumed, &a.model) {
        (Some((m, _)), _) => (m.spec().clone(), false),
        (None, Some(path)) => partial_spec(path, &a)?,
        (None, None) => (default_spec(&a, "no --model")?, true),
    };
    // The default network's inputs: numeric columns also over quantile bins.
    if defaulted && a.table.bins.is_none() {
        a.table.bins = Some(DEFAULT_BINS);
    }
    if let Some(k) = a.ensemble {
        if !(1..=MAX_ENSEMBLE).contains(&k) {
            bail!("--ensemble must be between 1 and {MAX_ENSEMBLE} members, got {k}");
        }
        if resumed.is_some() && k != spec.ensemble {
            bail!(
                "--ensemble {k} differs from the resumed run's {} members; a run keeps its members",
                spec.ensemble
            );
        }
        spec.ensemble = k;
    }
    let source_name = a
        .data
        .clone()
        .ok_or_else(|| anyhow!("--data is required"))?;
    let mut recipe = config::recipe(&spec, &a)?;
    let seed = recipe.seed;
    a.seed = Some(seed);
    let saved_pre = match &resumed {
        Some((_, meta)) => meta
            .get(keys::PREPROCESSING)
            .map(|t| Preprocessing::from_json(t, "the resumed checkpoint"))
            .transpose()?,
        None => None,
    };
    let shared_val = recipe.member_validation.is_none();
    let mut splits = load_splits(
        &a,
        &spec,
        &source_name,
        (seed, shared_val),
        saved_pre,
        job.as_ref(),
    )?;
    if !leads {
        // Only rank 0 reports test metrics.
        splits.test = None;
    }
    fit_inputs(
        &mut spec,
        splits.train.width(),
        splits.preprocessing.as_ref(),
        &source_name,
    )?;
    if let (Some(p), Some(LayerSpec::Embedding { units, columns, .. }), None) =
        (&splits.preprocessing, spec.layers.first(), &resumed)
    {
        if leads {
            let names: Vec<String> = p
                .features
                .iter()
                .filter(|f| f.is_embedded())
                .zip(columns)
                .map(|(f, c)| format!("`{}` ({} categories)", f.name, c.categories))
                .collect();
            eprintln!(
                "embedding: {} in {units} values each, instead of one-hot",
                names.join(", ")
            );
        }
    }
    if let (Some(p), None, true) = (&splits.preprocessing, &resumed, leads) {
        let binned: Vec<usize> = p.features.iter().filter_map(|f| f.bin_count()).collect();
        if let Some(&most) = binned.iter().max() {
            let rule = match a.table.bins {
                Some(Bins::PerRows) => format!(
                    " (one per {ROWS_PER_BIN} training rows, at most {MAX_BINS}; --bins off for none)"
                ),
                _ => String::new(),
            };
            eprintln!(
                "bins: {} numeric columns also over up to {most} quantile bins each{rule}",
                binned.len()
            );
        }
    }
    spec.validate()?;
    for w in spec.warnings() {
        eprintln!("warning: {w}");
    }
    check_fits(&spec, &splits.train, &source_name, Use::Train)?;
    // Sums over the training rows: over the ranks' shares when each rank holds only its own.
    let mut sum = |values: &mut [f64]| match (&splits.shard, &job) {
        (Some(_), Some(job)) => job.sum(values),
        _ => Ok(()),
    };
    let mut model = match resumed {
        Some((m, _)) => m,
        None => new_model(&spec, &splits.train, seed, &mut sum)?,
    };

    let out = a.out.clone().or_else(|| resume.clone()).unwrap_or_else(|| {
        PathBuf::from("runs").join(spec.name.clone().unwrap_or_else(|| "model".into()))
    });
    a.out = Some(out.clone());
    a.data = Some(source_name.clone());
    let mut extra = BTreeMap::new();
    extra.insert(keys::RUN.to_string(), serde_json::to_string(&a)?);
    extra.insert(
        keys::FEATURES.to_string(),
        serde_json::to_string(&splits.train.feature_names)?,
    );
    extra.insert(keys::SEED.to_string(), seed.to_string());
    if let Some(p) = &splits.preprocessing {
        extra.insert(keys::PREPROCESSING.to_string(), p.to_json());
    }
    if let Some(job) = &job {
        // Every rank must train the same thing: compare the spec, the flags and the data.
        job.agree("specs", hash_of(serde_json::to_string(&spec)?))?;
        job.agree("flags", hash_of(serde_json::to_string(&a)?))?;
        let val_rows = splits.val.as_ref().map(Dataset::len);
        let hash = match &splits.shard {
            Some(shard) => hash_of((shard.digest, shard.rows, val_rows)),
            None => data_hash(&splits.train, val_rows),
        };
        job.agree("data", hash)?;
    }
    let train_rows = splits.shard.as_ref().map_or(splits.train.len(), |s| s.rows);
    // Member validation on a table too small for it: none for the default's, rather than an
    // error; an error for --val-split's.
    if let Some(f) = recipe.member_validation {
        let members = spec.ensemble.max(1);
        if deepnet::ensemble::held_out_per_member(train_rows, members, f) == 0 {
            let whom = match members {
                1 => String::new(),
                k => format!(" for each of the {k} members"),
            };
            if a.val_split.is_some() {
                bail!("--val-split {f} of {train_rows} training rows holds out no row{whom}");
            }
            recipe.member_validation = None;
            if leads {
                eprintln!(
                    "note: {train_rows} training rows are too few to hold out {f} of them{whom}; none is held out, and early stopping watches the training loss"
                );
            }
        }
    }
    // Only the leading rank (rank 0, or the only process) writes the run directory.
    let run_dir = if leads {
        RunDir::new(&out, extra.clone())
            .with_context(|| format!("{}: cannot create the run directory", out.display()))?
    } else {
        RunDir::reader(&out)
    };

    let parallel = job.as_ref().map(|j| j.parallel(train_rows)).transpose()?;
    // The training rows move into the trainer's tensor (each rank keeps only its share of
    // them); the leader keeps the rows of two-feature data, small, for the boundary figure.
    let keep_rows = leads && splits.train.width() == 2;
    let mine = match (&parallel, &splits.shard) {
        (Some(p), None) => p.shard(train_rows).collect(),
        _ => (0..splits.train.len()).collect::<Vec<usize>>(),
    };
    let train_t = if keep_rows {
        tensors(&splits.train.subset(&mine), &spec)?
    } else {
        let emptied = splits.train.subset(&[]);
        let all = std::mem::replace(&mut splits.train, emptied);
        into_tensors(all.into_subset(&mine)?, &spec)?
    };
    // The validation rows move into their tensor as well; only their number is kept.
    let val_rows = splits.val.as_ref().map(Dataset::len);
    let val_t = splits
        .val
        .as_mut()
        .map(|v| {
            let emptied = v.subset(&[]);
            into_tensors(std::mem::replace(v, emptied), &spec)
        })
        .transpose()?;
    let mut trainer = match &resume {
        Some(_) => run_dir.trainer(recipe, &mut model)?,
        None => Trainer::new(recipe)?,
    };
    if let (Some(job), Some(parallel)) = (&job, parallel) {
        trainer = trainer.with_data_parallel(parallel);
        if leads {
            eprintln!(
                "distributed: {} ranks, each computing its share of every batch",
                job.ranks
            );
        }
    }
    if !leads {
        // The other ranks train in step with rank 0 and leave the files and the output to it.
        trainer.fit_with(&mut model, &train_t, val_t.as_ref(), &mut Silent)?;
        return Ok(());
    }
    if resume.is_some() {
        eprintln!(
            "resuming {} after epoch {}",
            out.display(),
            trainer.state().epoch
        );
    }
    let members = match spec.ensemble {
        1 => String::new(),
        k => format!(" in {k} ensemble members"),
    };
    // Member validation holds its rows out of the training rows, in the trainer.
    let validation = match trainer.recipe().member_validation {
        Some(f) => {
            let each = deepnet::ensemble::held_out_per_member(train_rows, spec.ensemble, f);
            match spec.ensemble {
                1 => format!("{each} of them held out for validation"),
                _ => format!("each member validating on its own {each} of them"),
            }
        }
        None => format!("{} validation", val_rows.unwrap_or(0)),
    };
    eprintln!(
        "training on {} rows ({validation}, {} test), {} inputs, {} parameters{members} -> {}",
        train_rows,
        splits.test.as_ref().map_or(0, Dataset::len),
        spec.inputs,
        model.parameter_count(),
        out.display()
    );
    let mut recipe = trainer.recipe().summary(spec.ensemble);
    if spec.train.is_none() {
        let standard = deepnet::Recipe {
            seed: trainer.recipe().seed,
            ..deepnet::Recipe::standard()
        };
        recipe.push_str(if *trainer.recipe() == standard {
            " (the defaults: the spec has no \"train\" object)"
        } else {
            " (the defaults with the flags over them: the spec has no \"train\" object)"
        });
    }
    eprintln!("recipe: {recipe}");
    let mut status = RunStatus::start(&source_name, &spec, recipe, trainer.recipe().epochs);
    status.write(&out)?;
    let mut observer = (ProgressBars::new(a.quiet), run_dir);
    let start = Instant::now();
    let history = match trainer.fit_with(&mut model, &train_t, val_t.as_ref(), &mut observer) {
        Ok(h) => h,
        Err(e) => {
            status.state = match e {
                deepnet::Error::Diverged { .. } => State::Diverged,
                _ => State::Failed,
            };
            status.message = Some(e.to_string());
            // The training error is the one to report; a failure to record it only adds a note.
            if let Err(w) = status.write(&out) {
                eprintln!("warning: {w:#}");
            }
            return Err(e.into());
        }
    };
    let seconds = start.elapsed().as_secs_f64();

    // Final files: the restored best weights (with early stopping) with the test metrics,
    // history and figures.
    let last = history.epochs.last().context("no epoch was trained")?;
    let mut final_meta = extra;
    final_meta.insert(keys::EPOCH.into(), last.epoch.to_string());
    // Regression scores in the targets' own units when the data are a table.
    let test_metrics = splits
        .test
        .as_ref()
        .map(|t| scores(&model, splits.preprocessing.as_ref(), t))
        .transpose()?;
    if let (Some(t), Some(p), Output::Linear) = (&splits.test, &splits.preprocessing, spec.output) {
        let (pred, actual) = original_units(&model, p, t)?;
        let k = t.targets_per_row();
        let first: Vec<f32> = pred.iter().step_by(k).copied().collect();
        let truth: Vec<f32> = actual.iter().step_by(k).copied().collect();
        atomic_write(
            &out.join("fit.svg"),
            fit_svg(&first, &truth, &p.targets[0]).as_bytes(),
        )?;
    }
    if let Some(m) = &test_metrics {
        final_meta.insert(keys::TEST_LOSS.into(), m.loss.to_string());
        if let Some(acc) = m.accuracy {
            final_meta.insert(keys::TEST_ACCURACY.into(), acc.to_string());
        }
        if let Some(r2) = m.r2() {
            final_meta.insert(keys::TEST_R2.into(), r2.to_string());
        }
    }
    save_model(&model, &out.join(MODEL_FILE), &final_meta)?;
    atomic_write(&out.join("history.json"), history.to_json().as_bytes())?;
    write_figures(
        &out,
        &history,
        &model,
        Some((source_name.as_str(), &splits.train)),
    )?;
    let mut lines = metric_lines(
        &history,
        splits.val.is_some() || trainer.recipe().member_validation.is_some(),
        test_metrics.as_ref(),
        &splits.train,
    );
    lines.push(("train_seconds".into(), format!("{seconds:.2}")));
    for (key, value) in &lines {
        println!("{key}: {value}");
    }
    println!("run_dir: {}", out.display());
    status.state = match (
        trainer.state().stopped,
        last.epoch < trainer.recipe().epochs,
    ) {
        (true, true) => State::StoppedEarly,
        _ => State::Finished,
    };
    status.set_metrics(&lines);
    status.write(&out)?;
    Ok(())
}

/// Loads the data source (a CSV table through its preprocessing, fitted on the training rows),
/// checks it, and holds out the test and validation rows (stratified, seeded).
fn load_splits(
    a: &TrainArgs,
    spec: &ModelSpec,
    source_name: &str,
    (seed, shared_val): (u64, bool),
    saved: Option<Preprocessing>,
    job: Option<&Job>,
) -> Result<Splits> {
    for (flag, v) in [("--val-split", a.val_split), ("--test-split", a.test_split)] {
        if let Some(f) = v {
            if !(0.0..1.0).contains(&f) {
                bail!("{flag} must be in [0, 1), got {f}");
            }
        }
    }
    let defaults = HoldOut::new(seed);
    let policy = HoldOut {
        test: a.test_split.unwrap_or(defaults.test),
        // Member validation holds out rows of the training data in the trainer instead.
        val: match shared_val {
            true => a.val_split.unwrap_or(defaults.val),
            false => 0.0,
        },
        seed,
    };
    if is_table(source_name) {
        return load_table(a, spec, source_name, saved, &policy);
    }
    if !a.target.is_empty() {
        bail!("--target names a column of a CSV file; `{source_name}` is not one");
    }
    if let Some(flag) = a.table.reading_flag() {
        bail!("{flag} is for reading a CSV file; `{source_name}` is not one");
    }
    if let Some(job) = job.filter(|_| is_idx_source(source_name)) {
        return load_idx_shard(spec, source_name, &policy, job);
    }
    let source = load_source(source_name, seed)?;
    if spec.inputs != 0 {
        check_fits(spec, &source.data, source_name, Use::Train)?;
    }
    let data = source.data;
    let parts = policy.parts(&data.name, &data.labels, data.len(), source.test.is_some())?;
    let test = match (source.test, &parts.test) {
        (Some(own), _) => Some(own),
        (None, Some(rows)) => Some(data.subset(rows)),
        (None, None) => None,
    };
    let val = parts.val.as_ref().map(|rows| data.subset(rows));
    // The training rows are rearranged in the data's own buffer, not copied.
    let train = data.into_subset(&parts.train)?;
    Ok(Splits {
        train,
        val,
        test,
        preprocessing: None,
        shard: None,
    })
}

/// Whether `source` is Fashion-MNIST or a directory of IDX files in its layout.
/// The spec of `--model`. A spec without `"layers"` takes the default network's layers and
/// output for the table ([`default_spec`]) and sets the rest itself (`"train"`, `"init"`,
/// `"name"`).
/// The flag is true when the layers are the default's.
fn partial_spec(path: &Path, a: &TrainArgs) -> Result<(ModelSpec, bool)> {
    let text = std::fs::read_to_string(path).map_err(|e| deepnet::Error::io(path, e))?;
    let given: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| deepnet::Error::Spec(format!("{}: {e}", path.display())))?;
    let Some(fields) = given.as_object().filter(|o| !o.contains_key("layers")) else {
        return Ok((ModelSpec::read_unsized(path)?, false));
    };
    let why = format!("{} has no \"layers\"", path.display());
    let mut merged = serde_json::to_value(default_spec(a, &why)?)?;
    if let Some(m) = merged.as_object_mut() {
        m.remove("name");
        for (k, v) in fields {
            m.insert(k.clone(), v.clone());
        }
    }
    let mut spec = ModelSpec::from_json_unsized(&merged.to_string()).map_err(|e| match e {
        // The position would be in the merged text, not in the user's file: left out.
        deepnet::Error::Spec(msg) => {
            let msg = msg.split(" at line ").next().unwrap_or_default();
            deepnet::Error::Spec(format!("{}: {msg}", path.display()))
        }
        other => other,
    })?;
    if spec.name.is_none() {
        spec.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    }
    Ok((spec, true))
}

/// The network of a run without `--model`: for a CSV table, the library's default for its
/// target ([`deepnet::data::table::default_spec`]: 64-32 ReLU and the output the target needs),
/// named after the file.
fn default_spec(a: &TrainArgs, why: &str) -> Result<ModelSpec> {
    let Some(source) = a.data.as_deref() else {
        bail!("--data is required");
    };
    if !is_table(source) {
        bail!("--model is required for `{source}` (a spec is optional only for a CSV table)");
    }
    let t = &a.table;
    let mut options = TableOptions::new(Task::Classification);
    options.targets = a.target.clone();
    options.dialect = dialect(
        t.delimiter.as_deref(),
        t.na_values.as_deref(),
        Default::default(),
    )?;
    let table = RawTable::read(source, &options.dialect)?;
    let name = Path::new(source)
        .file_stem()
        .map_or("default".into(), |s| s.to_string_lossy().into_owned());
    let spec = deepnet::data::table::default_spec(&table, &options, &name)?;
    eprintln!(
        "model: {why}, so the default for this table: {}",
        deepnet::data::table::describe(&spec)
    );
    Ok(spec)
}

fn is_idx_source(source: &str) -> bool {
    source == "fashion-mnist" || std::path::Path::new(source).is_dir()
}

/// The splits of one rank of a distributed run on an IDX source: every rank reads all the
/// training labels and makes the same seeded validation split as [`load_splits`], then reads
/// only the images of its own training rows and of the validation rows; rank 0 also reads the
/// test set.
fn load_idx_shard(
    spec: &ModelSpec,
    source_name: &str,
    policy: &HoldOut,
    job: &Job,
) -> Result<Splits> {
    let dir = (source_name != "fashion-mnist").then(|| std::path::Path::new(source_name));
    let mut hasher = std::hash::DefaultHasher::new();
    // (training rows of all ranks, this rank's)
    let mut layout = (0, 0);
    let (data, test) = fashion_mnist_rows(dir, job.leads(), &mut hasher, |ids| {
        let labels = Labels::Classes {
            ids: ids.to_vec(),
            names: FASHION_CLASSES.iter().map(|c| c.to_string()).collect(),
        };
        // IDX sources have their own test set: only validation rows are held out.
        let parts = policy.parts("fashion-mnist", &labels, ids.len(), true)?;
        let (rest, held) = (parts.train, parts.val.unwrap_or_default());
        let mine: Vec<usize> = rest
            .iter()
            .copied()
            .skip(job.rank)
            .step_by(job.ranks)
            .collect();
        layout = (rest.len(), mine.len());
        Ok(mine.into_iter().chain(held).collect())
    })?;
    if spec.inputs != 0 {
        check_fits(spec, &data, source_name, Use::Train)?;
    }
    let (rows, k) = layout;
    let val = (policy.val > 0.0).then(|| data.subset(&(k..data.len()).collect::<Vec<_>>()));
    let train = data.into_subset(&(0..k).collect::<Vec<_>>())?;
    Ok(Splits {
        train,
        val,
        test,
        preprocessing: None,
        shard: Some(Shard {
            rows,
            digest: std::hash::Hasher::finish(&hasher),
        }),
    })
}

/// A CSV table: rows with a target, split, then the preprocessing fitted on the training rows
/// (or the resumed run's own) and applied to every split.
fn load_table(
    a: &TrainArgs,
    spec: &ModelSpec,
    path: &str,
    saved: Option<Preprocessing>,
    policy: &HoldOut,
) -> Result<Splits> {
    let t = &a.table;
    let task = Task::of(spec.output);
    let mut options = TableOptions {
        targets: a.target.clone(),
        ignore: t.ignore.clone(),
        categorical: t.categorical.clone(),
        dialect: dialect(
            t.delimiter.as_deref(),
            t.na_values.as_deref(),
            Default::default(),
        )?,
        missing: match t.missing {
            Some(MissingArg::Error) => MissingPolicy::Error,
            _ => MissingPolicy::Impute,
        },
        max_categories: t.max_categories.unwrap_or(MAX_CATEGORIES),
        embed_min_categories: None,
        bins: t.bins.unwrap_or_default(),
        positive: t.positive.clone(),
        classes: None,
        task,
    };
    options.embedding_from(spec);
    let table = RawTable::read(path, &options.dialect)?;
    let (rows, labels) = target_rows(&table, &options)?;
    check_targets(spec, &labels, path, Use::Train)?;
    if rows.len() < table.len() {
        eprintln!(
            "note: skipped {} of {} rows whose target is missing",
            table.len() - rows.len(),
            table.len()
        );
    }
    let splits = TableSplits::new(&table, &options, &rows, &labels, policy, saved)?;
    for w in &splits.fit_warnings {
        eprintln!("warning: {w}");
    }
    if let Some((pos, rule)) = &splits.positive {
        let why = match rule {
            PositiveRule::Given => "--positive",
            PositiveRule::Conventional => "the conventional label",
            PositiveRule::Rarer => "the less frequent class; set it with --positive",
        };
        eprintln!("positive class: `{pos}` ({why})");
    }
    // Categories first seen in deepnet's own validation and test rows are not the user's to
    // fix: they are reported only for the files given to `eval` and `predict`.
    Ok(Splits {
        train: splits.train,
        val: splits.val,
        test: splits.test,
        preprocessing: Some(splits.preprocessing),
        shard: None,
    })
}
