//! How to train: the trainer's configuration, and how a spec's `"train"` recipe fills it.

use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::spec::{Schedule, TrainSpec};

/// How to train: optimiser, batching, epochs, schedule, early stopping and seed.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Optimiser and its hyper-parameters.
    pub optimizer: OptimizerConfig,
    /// Rows per step; `None` is full-batch gradient descent.
    pub batch_size: Option<usize>,
    /// Number of epochs.
    pub epochs: usize,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without improvement, then restore the best
    /// epoch's weights. `None` trains every epoch and keeps the last weights.
    pub patience: Option<usize>,
    /// Smallest decrease of the monitored loss that counts as an improvement.
    pub min_delta: f64,
    /// Seed for reshuffling and dropout.
    pub seed: u64,
    /// Reshuffle the rows every epoch.
    pub shuffle: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: OptimizerConfig::adam(1e-3),
            batch_size: Some(32),
            epochs: 10,
            schedule: Schedule::Constant,
            patience: None,
            min_delta: 0.0,
            seed: 0,
            shuffle: true,
        }
    }
}

impl TrainConfig {
    /// The recipe of a spec's `"train"` object over the defaults (Adam, lr 1e-3 — 0.01 for plain
    /// SGD and momentum — batch 32, 10 epochs, constant schedule, no early stopping, seed 0).
    pub fn from_spec(train: Option<&TrainSpec>) -> Self {
        let mut c = TrainConfig::default();
        let Some(t) = train else { return c };
        let kind = t.optimizer.unwrap_or(OptimizerKind::Adam);
        c.optimizer = OptimizerConfig::new(kind, t.lr.unwrap_or(kind.default_lr()));
        if let Some(wd) = t.weight_decay {
            c.optimizer.weight_decay = wd;
        }
        if t.batch_size.is_some() {
            c.batch_size = t.batch_size;
        }
        c.epochs = t.epochs.unwrap_or(c.epochs);
        c.schedule = t.schedule.clone().unwrap_or_default();
        c.patience = t.patience;
        c.seed = t.seed.unwrap_or(0);
        c
    }
}
