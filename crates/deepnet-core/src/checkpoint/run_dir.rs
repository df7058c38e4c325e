//! A run directory written crash-safely after every epoch — `model.safetensors`,
//! `train_state.safetensors` and `history.csv` — and resumed from: the checkpointing that
//! `deepnet train` uses, available to every library user as an [`Observer`].
//!
//! ```no_run
//! use deepnet_core::checkpoint::RunDir;
//! use deepnet_core::{Mlp, Recipe, TrainData, Trainer};
//! # fn data() -> TrainData { unimplemented!() }
//! let mut model = Mlp::new(4).dense(8).relu().dense(1).sigmoid().build(0)?;
//! let mut run = RunDir::new("runs/example", Default::default())?;
//! let config = Recipe::default();
//! // A fresh run, or the continuation of one that was interrupted:
//! let mut trainer = run.trainer(config, &mut model)?;
//! trainer.fit_with(&mut model, &data(), None, &mut run)?;
//! # Ok::<(), deepnet_core::Error>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::atomic::atomic_write;
use super::keys;
use super::model_file::save_model;
use super::train_state::{load_train_state, save_train_state};
use crate::error::{Error, Result};
use crate::model::Sequential;
use crate::spec::Recipe;
use crate::train::{EpochRecord, History, Observer, TrainState, Trainer};

/// The model file of a run directory.
pub const MODEL_FILE: &str = "model.safetensors";
/// The training-state file of a run directory.
pub const TRAIN_STATE_FILE: &str = "train_state.safetensors";
/// The per-epoch history of a run directory.
pub const HISTORY_FILE: &str = "history.csv";

/// Saves a run's files after every epoch (each write atomic: a crash leaves the previous epoch's
/// complete file) and after training (the final, possibly restored-best, weights).
#[derive(Clone, Debug)]
pub struct RunDir {
    dir: PathBuf,
    metadata: BTreeMap<String, String>,
}

impl RunDir {
    /// A run directory at `dir` (created if needed); `metadata` adds `deepnet.*` facts to every
    /// saved model file.
    pub fn new(dir: impl Into<PathBuf>, metadata: BTreeMap<String, String>) -> Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(RunDir { dir, metadata })
    }

    /// The run directory at `dir` for reading only (to resume from), neither created nor
    /// written unless used as an observer: the other ranks of a data-parallel run.
    pub fn reader(dir: impl Into<PathBuf>) -> Self {
        RunDir {
            dir: dir.into(),
            metadata: BTreeMap::new(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// True when the directory holds a training state to resume from.
    pub fn can_resume(&self) -> bool {
        self.dir.join(TRAIN_STATE_FILE).is_file()
    }

    /// A trainer that continues the run saved here (the model gets the last completed epoch's
    /// weights), or a fresh one when there is nothing to resume.
    pub fn trainer(&self, config: Recipe, model: &mut Sequential) -> Result<Trainer> {
        if !self.can_resume() {
            return Trainer::new(config);
        }
        let state = load_train_state(&self.dir.join(TRAIN_STATE_FILE), &config, model)?;
        Trainer::resume(config, state, model)
    }

    fn save(&self, model: &Sequential, extra: &[(&str, String)]) -> Result<()> {
        let mut meta = self.metadata.clone();
        for (k, v) in extra {
            meta.insert(k.to_string(), v.clone());
        }
        save_model(model, &self.dir.join(MODEL_FILE), &meta)
    }
}

impl Observer for RunDir {
    fn on_epoch_end(
        &mut self,
        r: &EpochRecord,
        model: &Sequential,
        state: &TrainState,
    ) -> Result<()> {
        let mut extra = vec![
            (keys::EPOCH, r.epoch.to_string()),
            (keys::TRAIN_LOSS, r.train_loss.to_string()),
        ];
        if let Some(v) = r.val_loss {
            extra.push((keys::VAL_LOSS, v.to_string()));
        }
        self.save(model, &extra)?;
        save_train_state(&self.dir.join(TRAIN_STATE_FILE), state)?;
        atomic_write(
            &self.dir.join(HISTORY_FILE),
            state.history.to_csv().as_bytes(),
        )
    }

    fn on_train_end(&mut self, history: &History, model: &Sequential) -> Result<()> {
        let epoch = history.epochs.last().map_or(0, |e| e.epoch);
        self.save(model, &[(keys::EPOCH, epoch.to_string())])
    }
}
