//! Evaluation metrics: loss, accuracy, and for binary tasks precision, recall, F1 and the
//! confusion matrix.

use candle_core::{DType, Tensor};
use serde::Serialize;

use crate::error::Result;
use crate::sequential::{classes_from_logits, Sequential};
use crate::spec::Output;

/// Rows evaluated per forward pass, to bound memory on large sets.
const EVAL_BATCH: usize = 4096;

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

/// True class of every row from targets in the loss's form.
pub(crate) fn target_classes(output: Output, targets: &Tensor) -> Result<Option<Vec<u32>>> {
    Ok(match output {
        Output::Sigmoid => Some(
            targets
                .flatten_all()?
                .gt(0.5)?
                .to_dtype(DType::U32)?
                .to_vec1::<u32>()?,
        ),
        Output::Softmax => Some(targets.to_dtype(DType::U32)?.to_vec1::<u32>()?),
        Output::Linear => None,
    })
}

/// Loss and metrics of `model` on (`x`, `targets`), evaluated in chunks with dropout off.
pub fn evaluate(model: &Sequential, x: &Tensor, targets: &Tensor) -> Result<Metrics> {
    let n = x.dims().first().copied().unwrap_or(0);
    if n == 0 {
        return Err(crate::Error::Empty("cannot evaluate on zero rows".into()));
    }
    let output = model.spec().output;
    let loss_fn = model.loss();
    let mut loss_sum = 0.0;
    let mut predicted = Vec::with_capacity(n);
    let mut start = 0;
    while start < n {
        let len = EVAL_BATCH.min(n - start);
        let xb = x.narrow(0, start, len)?;
        let yb = targets.narrow(0, start, len)?;
        let logits = model.logits(&xb)?;
        loss_sum += loss_fn.forward(&logits, &yb)? * len as f64;
        if output != Output::Linear {
            predicted.extend(classes_from_logits(output, &logits)?);
        }
        start += len;
    }
    let truth = target_classes(output, targets)?;
    let accuracy = truth
        .as_ref()
        .map(|t| t.iter().zip(&predicted).filter(|(a, b)| a == b).count() as f64 / n as f64);
    let binary = match (output, &truth) {
        (Output::Sigmoid, Some(t)) => Some(binary_metrics(t, &predicted)),
        _ => None,
    };
    Ok(Metrics {
        loss: loss_sum / n as f64,
        accuracy,
        binary,
    })
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
