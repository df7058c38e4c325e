//! Evaluation metrics: loss, accuracy, and for binary tasks precision, recall, F1 and the
//! confusion matrix.

use candle_core::{DType, Tensor};
use serde::Serialize;

use crate::engine::Engine;
use crate::error::Result;
use crate::loss::Loss;
use crate::model::Sequential;
use crate::real::Real;
use crate::targets::{target_values, with_features};

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
    let (loss, predicted, ys) =
        with_features(model.spec(), x, "the evaluation data", |xs: &[T]| {
            let ys = target_values::<T>(model.spec(), targets, xs.len() / model.spec().inputs)?;
            let (loss, predicted) = engine.evaluate(xs, &ys);
            Ok((loss, predicted, ys))
        })?;
    Ok(metrics_from(model.loss(), loss, &ys, &predicted))
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
    }
}

/// Precision, recall, F1 and confusion matrix from true and predicted 0/1 classes.
pub fn binary_metrics(truth: &[u32], predicted: &[u32]) -> BinaryMetrics {
    let mut c = [[0u64; 2]; 2];
    for (&t, &p) in truth.iter().zip(predicted) {
        c[(t as usize).min(1)][(p as usize).min(1)] += 1;
    }
    let (tp, fp, fneg) = (c[1][1] as f64, c[0][1] as f64, c[1][0] as f64);
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
    BinaryMetrics {
        precision,
        recall,
        f1,
        confusion: c,
    }
}
