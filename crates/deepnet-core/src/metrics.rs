//! Evaluation metrics: loss; accuracy, per-class precision, recall and F1 for classifiers (with
//! the confusion matrix of a binary one); RMSE, MAE and R² per target for regression.

use candle_core::{DType, Tensor};
use serde::Serialize;

use crate::engine::{Engine, Evaluation};
use crate::error::Result;
use crate::loss::Loss;
use crate::model::Sequential;
use crate::real::Real;
use crate::targets::{target_values, with_features_gathered};

/// Binary-classification metrics, with class 1 as positive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BinaryMetrics {
    /// tp / (tp + fp), 0 when nothing was predicted positive.
    pub precision: f64,
    /// tp / (tp + fn), 0 when there are no positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// `[[tn, fp], [fn, tp]]`: rows are the true class, columns the predicted one.
    pub confusion: [[u64; 2]; 2],
}

/// Metrics of a model on a labelled set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Mean loss.
    pub loss: f64,
    /// Fraction of rows classified correctly (`None` for regression).
    pub accuracy: Option<f64>,
    /// Precision, recall, F1 and confusion matrix for sigmoid outputs.
    pub binary: Option<BinaryMetrics>,
    /// Precision, recall and F1 of every class (softmax outputs).
    pub per_class: Option<Vec<ClassScores>>,
    /// RMSE, MAE and R² of every target (linear outputs), in the units of the targets given.
    pub per_target: Option<Vec<TargetScores>>,
}

impl Metrics {
    /// The mean R² over the targets (regression).
    pub fn r2(&self) -> Option<f64> {
        self.per_target
            .as_ref()
            .map(|t| t.iter().map(|s| s.r2).sum::<f64>() / t.len().max(1) as f64)
    }

    /// The mean RMSE over the targets (regression), in the units of the targets given.
    pub fn rmse(&self) -> Option<f64> {
        self.per_target
            .as_ref()
            .map(|t| t.iter().map(|s| s.rmse).sum::<f64>() / t.len().max(1) as f64)
    }

    /// The unweighted mean F1 over the classes (softmax outputs).
    pub fn macro_f1(&self) -> Option<f64> {
        self.per_class
            .as_ref()
            .map(|c| c.iter().map(|s| s.f1).sum::<f64>() / c.len().max(1) as f64)
    }
}

/// One class's scores, treating it as the positive class against the rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassScores {
    /// tp / (tp + fp), 0 when the class was never predicted.
    pub precision: f64,
    /// tp / (tp + fn), 0 when the class has no rows.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows of this class.
    pub support: u64,
}

/// One regression target's scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetScores {
    /// √(Σ(ŷ − y)² / n).
    pub rmse: f64,
    /// Σ|ŷ − y| / n.
    pub mae: f64,
    /// 1 − Σ(ŷ − y)² / Σ(y − ȳ)²; for a constant target 1 when every prediction is exact, else 0
    /// (as scikit-learn's `r2_score`).
    pub r2: f64,
}

/// RMSE, MAE and R² of every target from row-major predictions and truths with `t` targets per
/// row.
pub fn regression_scores<T: Real>(predicted: &[T], truth: &[T], t: usize) -> Vec<TargetScores> {
    let n = (truth.len() / t.max(1)).max(1) as f64;
    (0..t)
        .map(|j| {
            let col =
                |v: &[T]| -> Vec<f64> { v.iter().skip(j).step_by(t).map(|x| x.to_f64()).collect() };
            let (p, y) = (col(predicted), col(truth));
            let mean = y.iter().sum::<f64>() / n;
            let sse: f64 = p.iter().zip(&y).map(|(a, b)| (a - b) * (a - b)).sum();
            let sst: f64 = y.iter().map(|b| (b - mean) * (b - mean)).sum();
            let mae = p.iter().zip(&y).map(|(a, b)| (a - b).abs()).sum::<f64>() / n;
            let r2 = if sst > 0.0 {
                1.0 - sse / sst
            } else if sse == 0.0 {
                1.0
            } else {
                0.0
            };
            TargetScores {
                rmse: (sse / n).sqrt(),
                mae,
                r2,
            }
        })
        .collect()
}

/// Precision, recall, F1 and support of each of `k` classes from true and predicted classes.
pub fn class_scores(truth: &[u32], predicted: &[u32], k: usize) -> Vec<ClassScores> {
    let (mut tp, mut fp, mut fneg) = (vec![0u64; k], vec![0u64; k], vec![0u64; k]);
    for (&t, &p) in truth.iter().zip(predicted) {
        let (t, p) = ((t as usize).min(k - 1), (p as usize).min(k - 1));
        if t == p {
            tp[t] += 1;
        } else {
            fp[p] += 1;
            fneg[t] += 1;
        }
    }
    (0..k)
        .map(|c| {
            let (precision, recall, f1) = precision_recall_f1(tp[c], fp[c], fneg[c]);
            ClassScores {
                precision,
                recall,
                f1,
                support: tp[c] + fneg[c],
            }
        })
        .collect()
}

/// Precision, recall and F1 from the counts of true positives, false positives and false
/// negatives; a ratio with a zero denominator is 0 (as scikit-learn's `zero_division=0`).
fn precision_recall_f1(tp: u64, fp: u64, fneg: u64) -> (f64, f64, f64) {
    let (tp, fp, fneg) = (tp as f64, fp as f64, fneg as f64);
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fneg > 0.0 {
        tp / (tp + fneg)
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// Loss and metrics of `model` on (`x`, `targets`), through the engine with dropout off.
/// `targets` are in the loss's form (see [`crate::Loss`]).
pub fn evaluate(model: &Sequential, x: &Tensor, targets: &Tensor) -> Result<Metrics> {
    match model.dtype() {
        DType::F64 => evaluate_in::<f64>(model, x, targets),
        _ => evaluate_in::<f32>(model, x, targets),
    }
}

fn evaluate_in<T: Real>(model: &Sequential, x: &Tensor, targets: &Tensor) -> Result<Metrics> {
    let mut engine = Engine::<T>::new(model, None)?;
    let (e, ys) = with_features_gathered(model.spec(), x, "the evaluation data", |xs: &[T]| {
        let ys = target_values::<T>(model.spec(), targets, xs.len() / model.spec().inputs)?;
        Ok(engine.evaluate(xs, &ys).map(|e| (e, ys)))
    })?;
    Ok(scored(model.loss(), model.spec().output_units(), &e, &ys))
}

/// The metrics of an engine's evaluation `e` of rows whose targets (in the loss's form) are
/// `ys`, for a network of `k` outputs trained with `loss`.
pub(crate) fn scored<T: Real>(loss: Loss, k: usize, e: &Evaluation<T>, ys: &[T]) -> Metrics {
    let mut m = metrics_from(loss, e.loss, ys, &e.predicted);
    match loss {
        Loss::MeanSquaredError => m.per_target = Some(regression_scores(&e.values, ys, k)),
        Loss::CrossEntropy => {
            let truth: Vec<u32> = ys.iter().map(|y| y.to_f64() as u32).collect();
            m.per_class = Some(class_scores(&truth, &e.predicted, k));
        }
        Loss::BinaryCrossEntropy => {}
    }
    m
}

/// Metrics from the mean `loss`, the targets in the loss's form and the predicted classes.
fn metrics_from<T: Real>(loss_fn: Loss, loss: f64, targets: &[T], predicted: &[u32]) -> Metrics {
    let truth: Vec<u32> = match loss_fn {
        Loss::MeanSquaredError => Vec::new(),
        _ => targets
            .chunks_exact(1)
            .filter_map(|y| loss_fn.target_class(y))
            .collect(),
    };
    let n = truth.len().max(1);
    let accuracy = (loss_fn != Loss::MeanSquaredError)
        .then(|| truth.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / n as f64);
    let binary = (loss_fn == Loss::BinaryCrossEntropy).then(|| binary_metrics(&truth, predicted));
    Metrics {
        loss,
        accuracy,
        binary,
        per_class: None,
        per_target: None,
    }
}

/// Precision, recall, F1 and confusion matrix from true and predicted 0/1 classes.
pub fn binary_metrics(truth: &[u32], predicted: &[u32]) -> BinaryMetrics {
    let mut c = [[0u64; 2]; 2];
    for (&t, &p) in truth.iter().zip(predicted) {
        c[(t as usize).min(1)][(p as usize).min(1)] += 1;
    }
    let (precision, recall, f1) = precision_recall_f1(c[1][1], c[0][1], c[1][0]);
    BinaryMetrics {
        precision,
        recall,
        f1,
        confusion: c,
    }
}
