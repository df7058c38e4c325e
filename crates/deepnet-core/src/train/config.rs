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
    /// Weight of every class in the training loss (`None`: unweighted); see
    /// [`crate::ClassWeight`]. Validation losses stay unweighted.
    pub class_weights: Option<Vec<f64>>,
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
            class_weights: None,
        }
    }
}

impl TrainConfig {
    /// The recipe of a spec without a `"train"` object, at least as good as scikit-learn's
    /// `MLPClassifier`/`MLPRegressor` defaults (Adam 1e-3, up to 200 epochs): Adam 1e-3, batch
    /// 64, up to 200 epochs, early stopping on the validation loss after 10 epochs without
    /// improvement (the best epoch's weights restored).
    pub fn without_recipe() -> Self {
        TrainConfig {
            batch_size: Some(64),
            epochs: 200,
            patience: Some(10),
            ..TrainConfig::default()
        }
    }

    /// The recipe of a spec's `"train"` object over the defaults (Adam, lr 1e-3 — 0.01 for plain
    /// SGD and momentum — batch 32, 10 epochs, constant schedule, no early stopping, seed 0).
    /// A spec with no `"train"` object gets [`TrainConfig::without_recipe`].
    pub fn from_spec(train: Option<&TrainSpec>) -> Self {
        let mut c = TrainConfig::default();
        let Some(t) = train else {
            return Self::without_recipe();
        };
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
