//! The training recipe: optimiser, batching, epochs, schedule, early stopping, seed and class
//! weights, with their defaults and their validation. It is the only declaration of the recipe:
//! a spec's `"train"` object deserialises into it, `deepnet train`'s flags override its fields,
//! and the [`crate::Trainer`] runs it.

use serde::{Deserialize, Serialize};

use super::{ModelSpec, Output};
use crate::error::{Error, Result};
use crate::optim::{OptimizerConfig, OptimizerKind};

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

impl Schedule {
    /// The schedules' names, as [`Schedule::named`] takes them.
    pub const NAMES: [&'static str; 4] = ["constant", "step", "cosine", "plateau"];

    /// The schedule called `name` with its default settings for a run of `epochs`: step halves
    /// α four times over the run (every ⌈epochs / 4⌉ epochs, at least 1), cosine anneals to 0,
    /// plateau halves α after 2 epochs without improvement.
    pub fn named(name: &str, epochs: usize) -> Result<Schedule> {
        Ok(match name {
            "constant" => Schedule::Constant,
            "step" => Schedule::Step {
                step_size: (epochs / 4).max(1),
                gamma: 0.5,
            },
            "cosine" => Schedule::Cosine { min_lr: 0.0 },
            "plateau" => Schedule::Plateau {
                factor: 0.5,
                patience: 2,
            },
            other => {
                return Err(Error::Invalid(format!(
                    "unknown schedule `{other}`; expected one of {}",
                    Schedule::NAMES.join(", ")
                )))
            }
        })
    }
}

/// What early stopping and the learning-rate plateau watch on the validation rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    /// The validation loss (the training loss without validation rows).
    #[default]
    Loss,
    /// The validation metric: accuracy for classes, R² for values (watched as its negative, so
    /// that lower is better; the loss without validation rows).
    Metric,
}

/// How classes are weighted in the training loss (validation losses stay unweighted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Class c weighs n / (k · n_c) (n rows, k classes, n_c rows of class c), as scikit-learn's
    /// and Keras's `"balanced"`: every class contributes equally to the loss.
    Balanced,
    /// One weight per class, in class order (`{"given": [1.0, 2.5]}`).
    Given(Vec<f64>),
}

impl ClassWeight {
    /// The weight of every class from the training rows' class counts (one count per class).
    pub fn weights(&self, counts: &[usize]) -> Result<Vec<f64>> {
        match self {
            ClassWeight::Balanced => {
                let n: usize = counts.iter().sum();
                let k = counts.len() as f64;
                Ok(counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            0.0
                        } else {
                            n as f64 / (k * c as f64)
                        }
                    })
                    .collect())
            }
            ClassWeight::Given(w) if w.len() != counts.len() => Err(Error::Recipe {
                field: "class_weight",
                problem: format!(
                    "gives {} weights but the model has {} classes",
                    w.len(),
                    counts.len()
                ),
            }),
            ClassWeight::Given(w) => Ok(w.clone()),
        }
    }
}

/// How to train. Every field has a default ([`Recipe::default`]); a spec's `"train"` object
/// sets the fields it names over those defaults. A spec without a `"train"` object is trained
/// with [`Recipe::standard`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Recipe {
    /// The update rule [default: adam].
    pub optimizer: OptimizerKind,
    /// Learning rate α [default: the optimiser's, see [`OptimizerKind::default_lr`]].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// L2 penalty λ, or AdamW's decoupled decay [default: the optimiser's, see
    /// [`OptimizerKind::default_weight_decay`]].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// Momentum μ (optimizer `momentum`) [default: 0.9].
    pub momentum: f64,
    /// Nesterov's momentum (optimizer `momentum`) [default: false].
    pub nesterov: bool,
    /// Adam's β₁ [default: 0.9].
    pub beta1: f64,
    /// Adam's β₂ [default: 0.999].
    pub beta2: f64,
    /// Adam's and RMSprop's ε [default: 1e-8].
    pub eps: f64,
    /// Rows per step; `None` (`null` in JSON) is full-batch gradient descent [default: 32].
    pub batch_size: Option<usize>,
    /// Number of epochs, the most when early stopping is on [default: 10].
    pub epochs: usize,
    /// Learning-rate schedule [default: constant].
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without improvement of the validation loss
    /// (the training loss without validation data), then restore the best epoch's weights.
    /// `None` trains every epoch and keeps the last weights [default: none].
    pub patience: Option<usize>,
    /// Smallest decrease of the monitored loss that counts as an improvement [default: 0].
    pub min_delta: f64,
    /// Seed for initialisation, splits, reshuffling and dropout [default: 0].
    pub seed: u64,
    /// Reshuffle the rows every epoch [default: true].
    pub shuffle: bool,
    /// Class weights in the training loss; `None` is unweighted [default: none].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<ClassWeight>,
    /// Label smoothing ε of a classifier's training loss, in [0, 1): the targets become
    /// (1 − ε)·onehot + ε/k (see [`crate::Loss::row_smoothed`]); validation and evaluation losses
    /// stay plain [default: 0].
    #[serde(skip_serializing_if = "is_zero")]
    pub label_smoothing: f64,
    /// What early stopping watches: `loss` or `metric` (accuracy or R²) [default: loss].
    #[serde(skip_serializing_if = "is_loss")]
    pub monitor: Monitor,
    /// Each member of an ensemble trains on its own bootstrap sample of the training rows: row
    /// r counts a Poisson(1) number of times in member m's loss, drawn from the seed
    /// ([`crate::ensemble::bootstrap_count`]) [default: false].
    #[serde(skip_serializing_if = "is_false")]
    pub bootstrap: bool,
    /// Each member of an ensemble holds out this fraction of the training rows, its own and
    /// disjoint from the others' and, for a classifier, with each class in its share
    /// ([`crate::ensemble::holdout_members`]), and trains on the rest;
    /// early stopping watches every held-out row as predicted by the member that never trained
    /// on it. No separate validation rows are then needed (a single network holds out one
    /// fraction, as a validation split would). `None`: the members share the validation data
    /// given [default: none].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_validation: Option<f64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_loss(m: &Monitor) -> bool {
    *m == Monitor::Loss
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for Recipe {
    fn default() -> Self {
        let adam = OptimizerConfig::new(OptimizerKind::Adam, OptimizerKind::Adam.default_lr());
        Recipe {
            optimizer: adam.kind,
            lr: None,
            weight_decay: None,
            momentum: adam.momentum,
            nesterov: adam.nesterov,
            beta1: adam.beta1,
            beta2: adam.beta2,
            eps: adam.eps,
            batch_size: Some(32),
            epochs: 10,
            schedule: Schedule::Constant,
            patience: None,
            min_delta: 0.0,
            seed: 0,
            shuffle: true,
            class_weight: None,
            label_smoothing: 0.0,
            monitor: Monitor::Loss,
            bootstrap: false,
            member_validation: None,
        }
    }
}

/// A recipe field out of its range.
fn bad(field: &'static str, problem: String) -> Error {
    Error::Recipe { field, problem }
}

impl Recipe {
    /// The recipe of a spec without a `"train"` object, at least as good as scikit-learn's
    /// `MLPClassifier`/`MLPRegressor` defaults (Adam 1e-3, up to 200 epochs): Adam 1e-3, batch
    /// 64, up to 200 epochs, early stopping after 10 epochs without improvement (the best
    /// epoch's weights restored).
    pub fn standard() -> Self {
        Recipe {
            batch_size: Some(64),
            epochs: 200,
            patience: Some(10),
            ..Recipe::default()
        }
    }

    /// The learning rate: the recipe's, or the optimiser's default.
    pub fn learning_rate(&self) -> f64 {
        self.lr.unwrap_or(self.optimizer.default_lr())
    }

    /// The optimiser this recipe trains with.
    pub fn optimizer_config(&self) -> OptimizerConfig {
        let kind = self.optimizer;
        OptimizerConfig {
            momentum: self.momentum,
            nesterov: self.nesterov,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            weight_decay: self.weight_decay.unwrap_or(kind.default_weight_decay()),
            ..OptimizerConfig::new(kind, self.learning_rate())
        }
    }

    /// Checks every field's range; the error ([`Error::Recipe`]) names the field.
    pub fn validate(&self) -> Result<()> {
        let at_least_one = |field, v: usize| {
            if v == 0 {
                Err(bad(field, "must be at least 1".into()))
            } else {
                Ok(())
            }
        };
        self.optimizer_config()
            .check()
            .map_err(|(field, problem)| bad(field, problem))?;
        at_least_one("batch_size", self.batch_size.unwrap_or(1))?;
        at_least_one("epochs", self.epochs)?;
        if !(self.min_delta >= 0.0 && self.min_delta.is_finite()) {
            return Err(bad(
                "min_delta",
                format!("must be non-negative and finite, got {}", self.min_delta),
            ));
        }
        match &self.schedule {
            Schedule::Step { step_size: 0, .. } => Err(bad(
                "schedule",
                "`step_size` must be at least 1".to_string(),
            )),
            Schedule::Step { gamma, .. } | Schedule::Plateau { factor: gamma, .. }
                if !(*gamma > 0.0 && *gamma <= 1.0) =>
            {
                Err(bad(
                    "schedule",
                    format!("the decay factor must be in (0, 1], got {gamma}"),
                ))
            }
            Schedule::Cosine { min_lr } if !(*min_lr >= 0.0 && min_lr.is_finite()) => Err(bad(
                "schedule",
                format!("`min_lr` must be non-negative and finite, got {min_lr}"),
            )),
            _ => Ok(()),
        }?;
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(bad(
                "label_smoothing",
                format!("must be in [0, 1), got {}", self.label_smoothing),
            ));
        }
        if let Some(f) = self.member_validation {
            if !(f > 0.0 && f < 1.0) {
                return Err(bad(
                    "member_validation",
                    format!("must be in (0, 1), got {f}"),
                ));
            }
        }
        match &self.class_weight {
            Some(ClassWeight::Given(w)) if w.iter().any(|v| !(*v >= 0.0 && v.is_finite())) => {
                Err(bad(
                    "class_weight",
                    "weights must be non-negative and finite".into(),
                ))
            }
            // Every row weighing 0 leaves nothing to learn from.
            Some(ClassWeight::Given(w)) if w.iter().all(|&v| v == 0.0) => {
                Err(bad("class_weight", "weights must not all be 0".into()))
            }
            _ => Ok(()),
        }
    }

    /// [`Recipe::validate`], and the checks against the network it trains: class weights and
    /// label smoothing need a classifier.
    pub fn validate_for(&self, spec: &ModelSpec) -> Result<()> {
        self.validate()?;
        if self.class_weight.is_some() && spec.output == Output::Linear {
            return Err(bad(
                "class_weight",
                "needs a classifier (output `sigmoid` or `softmax`)".into(),
            ));
        }
        if self.label_smoothing > 0.0 && spec.output == Output::Linear {
            return Err(bad(
                "label_smoothing",
                "needs a classifier (output `sigmoid` or `softmax`)".into(),
            ));
        }
        if self.bootstrap && spec.ensemble < 2 {
            return Err(bad(
                "bootstrap",
                "needs an ensemble of 2 or more members (`ensemble` in the spec, or --ensemble)"
                    .into(),
            ));
        }
        if let Some(f) = self.member_validation {
            let k = spec.ensemble.max(1);
            if f * k as f64 > 1.0 + 1e-9 {
                return Err(bad(
                    "member_validation",
                    format!(
                        "{f} of the rows for each of {k} members is more than all of them; at most {}",
                        1.0 / k as f64
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The recipe of a run of `members` networks in one line: optimiser, learning rate, weight
    /// decay, schedule, batch, epochs, early stopping, member validation and class weights, e.g.
    /// `adam lr 0.001, batch 64, up to 200 epochs, early stopping after 10 epochs without
    /// improvement`.
    pub fn summary(&self, members: usize) -> String {
        let mut s = format!(
            "{} lr {}, batch {}, {}{} epochs",
            self.optimizer.name(),
            self.learning_rate(),
            self.batch_size
                .map_or("full".to_string(), |b| b.to_string()),
            if self.patience.is_some() {
                "up to "
            } else {
                ""
            },
            self.epochs
        );
        let decay = self.optimizer_config().weight_decay;
        if decay > 0.0 {
            s.push_str(&format!(", weight decay {decay}"));
        }
        match &self.schedule {
            Schedule::Constant => {}
            Schedule::Step { step_size, gamma } => {
                s.push_str(&format!(", lr ×{gamma} every {step_size} epochs"))
            }
            Schedule::Cosine { min_lr } => s.push_str(&format!(", cosine schedule to {min_lr}")),
            Schedule::Plateau { factor, patience } => s.push_str(&format!(
                ", lr ×{factor} after {patience} epochs without improvement"
            )),
        }
        if let Some(p) = self.patience {
            s.push_str(&format!(
                ", early stopping after {p} epochs without improvement"
            ));
        }
        if self.label_smoothing > 0.0 {
            s.push_str(&format!(", label smoothing {}", self.label_smoothing));
        }
        if self.monitor == Monitor::Metric {
            s.push_str(", watching the validation metric");
        }
        if self.bootstrap {
            s.push_str(", bootstrap rows per member");
        }
        if let Some(f) = self.member_validation {
            // Two decimals at most: 10%, 33.33%, not 7.000000000000001%.
            let share = (f * 1e4).round() / 100.0;
            s.push_str(&match members {
                1 => format!(", validating on {share}% of the rows held out"),
                _ => format!(", each member validating on its own {share}% of the rows"),
            });
        }
        match &self.class_weight {
            Some(ClassWeight::Balanced) => s.push_str(", balanced class weights"),
            Some(ClassWeight::Given(w)) => s.push_str(&format!(", class weights {w:?}")),
            None => {}
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_train_object_sets_only_the_fields_it_names() {
        let r: Recipe = serde_json::from_str(r#"{"optimizer": "sgd", "epochs": 5}"#).unwrap();
        assert_eq!(r.optimizer, OptimizerKind::Sgd);
        assert_eq!(r.learning_rate(), 0.01);
        assert_eq!(r.epochs, 5);
        assert_eq!(r.batch_size, Some(32));
        let full: Recipe = serde_json::from_str(r#"{"batch_size": null}"#).unwrap();
        assert_eq!(full.batch_size, None);
        let back: Recipe = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn the_summary_names_decay_and_schedule() {
        assert_eq!(
            Recipe::standard().summary(1),
            "adam lr 0.001, batch 64, up to 200 epochs, early stopping after 10 epochs without improvement"
        );
        let r = Recipe {
            optimizer: OptimizerKind::Adamw,
            schedule: Schedule::named("plateau", 200).unwrap(),
            ..Recipe::standard()
        };
        assert_eq!(
            r.summary(1),
            "adamw lr 0.001, batch 64, up to 200 epochs, weight decay 0.01, lr ×0.5 after 2 epochs \
             without improvement, early stopping after 10 epochs without improvement"
        );
        let cosine = Recipe {
            schedule: Schedule::Cosine { min_lr: 0.0 },
            ..Recipe::standard()
        };
        assert!(cosine.summary(1).contains(", cosine schedule to 0,"));
        for (f, shown) in [(0.1, "10%"), (0.07, "7%"), (1.0 / 3.0, "33.33%")] {
            let r = Recipe {
                member_validation: Some(f),
                ..Recipe::standard()
            };
            assert!(
                r.summary(3).ends_with(&format!(
                    ", each member validating on its own {shown} of the rows"
                )),
                "{}",
                r.summary(3)
            );
            assert!(
                r.summary(1)
                    .ends_with(&format!(", validating on {shown} of the rows held out")),
                "{}",
                r.summary(1)
            );
        }
    }

    #[test]
    fn every_rule_names_its_field() {
        let cases = [
            (
                Recipe {
                    lr: Some(-1.0),
                    ..Recipe::default()
                },
                "recipe: `lr` must be positive and finite, got -1",
            ),
            (
                Recipe {
                    batch_size: Some(0),
                    ..Recipe::default()
                },
                "recipe: `batch_size` must be at least 1",
            ),
            (
                Recipe {
                    epochs: 0,
                    ..Recipe::default()
                },
                "recipe: `epochs` must be at least 1",
            ),
            (
                Recipe {
                    schedule: Schedule::Plateau {
                        factor: 2.0,
                        patience: 1,
                    },
                    ..Recipe::default()
                },
                "recipe: `schedule` the decay factor must be in (0, 1], got 2",
            ),
            (
                Recipe {
                    class_weight: Some(ClassWeight::Given(vec![1.0, -1.0])),
                    ..Recipe::default()
                },
                "recipe: `class_weight` weights must be non-negative and finite",
            ),
            (
                Recipe {
                    class_weight: Some(ClassWeight::Given(vec![0.0, 0.0])),
                    ..Recipe::default()
                },
                "recipe: `class_weight` weights must not all be 0",
            ),
        ];
        for (recipe, message) in cases {
            assert_eq!(recipe.validate().unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn balanced_weights_make_every_class_count_the_same() {
        let w = ClassWeight::Balanced.weights(&[30, 10, 0]).unwrap();
        assert_eq!(w, vec![40.0 / 90.0, 40.0 / 30.0, 0.0]);
        let err = ClassWeight::Given(vec![1.0]).weights(&[3, 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "recipe: `class_weight` gives 1 weights but the model has 2 classes"
        );
    }
}
