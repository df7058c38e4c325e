//! The optional `"train"` object of a model spec: a full training recipe as data.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::optim::OptimizerKind;

/// A learning-rate schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// α stays the same.
    #[default]
    Constant,
    /// α is multiplied by `gamma` every `step_size` epochs.
    Step {
        /// Epochs between decays.
        step_size: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine annealing from α to `min_lr` over the run's epochs.
    Cosine {
        /// Final learning rate.
        #[serde(default)]
        min_lr: f64,
    },
    /// α is multiplied by `factor` when the validation loss has not improved for `patience` epochs.
    Plateau {
        /// Decay factor.
        factor: f64,
        /// Epochs without improvement before decaying.
        patience: usize,
    },
}

/// How classes are weighted in the training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Class c weighs n / (k · n_c) (n rows, k classes, n_c rows of class c), as scikit-learn's
    /// and Keras's `"balanced"`: every class contributes equally to the loss.
    Balanced,
}

impl ClassWeight {
    /// The weight of every class from the training rows' class counts.
    pub fn weights(self, counts: &[usize]) -> Vec<f64> {
        let n: usize = counts.iter().sum();
        let k = counts.len() as f64;
        counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    n as f64 / (k * c as f64)
                }
            })
            .collect()
    }
}

/// A training recipe; every field is optional and explicit arguments override it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    /// Update rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<OptimizerKind>,
    /// Learning rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Mini-batch size; absent means full batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Number of epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// Learning-rate schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// Early-stopping patience in epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// L2 penalty / AdamW decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// Seed for initialisation, shuffling and dropout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Class weights in the training loss (`"balanced"`); absent is unweighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<ClassWeight>,
}

impl TrainSpec {
    /// Checks ranges; errors name the `train.*` key.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, what: &str| Err(Error::Spec(format!("train.{key}: {what}")));
        if let Some(lr) = self.lr {
            if !(lr > 0.0 && lr.is_finite()) {
                return bad("lr", "must be positive and finite");
            }
        }
        if self.batch_size == Some(0) {
            return bad("batch_size", "must be at least 1");
        }
        if self.epochs == Some(0) {
            return bad("epochs", "must be at least 1");
        }
        if let Some(wd) = self.weight_decay {
            if !(wd >= 0.0 && wd.is_finite()) {
                return bad("weight_decay", "must be non-negative");
            }
        }
        match &self.schedule {
            Some(Schedule::Step { step_size: 0, .. }) => {
                bad("schedule.step_size", "must be at least 1")
            }
            Some(Schedule::Step { gamma, .. }) | Some(Schedule::Plateau { factor: gamma, .. })
                if !(*gamma > 0.0 && *gamma <= 1.0) =>
            {
                bad("schedule", "the decay factor must be in (0, 1]")
            }
            _ => Ok(()),
        }
    }
}
