//! Per-epoch training history, exportable as CSV and JSON.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One epoch's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (dropout on, weights changing, as Keras reports).
    pub train_loss: f64,
    /// Training accuracy over the epoch's batches (classification only).
    pub train_accuracy: Option<f64>,
    /// Validation loss at the end of the epoch.
    pub val_loss: Option<f64>,
    /// Validation accuracy at the end of the epoch.
    pub val_accuracy: Option<f64>,
    /// Validation precision, recall and F1 of class 1 (binary classifiers only).
    #[serde(default)]
    pub val_precision: Option<f64>,
    /// See `val_precision`.
    #[serde(default)]
    pub val_recall: Option<f64>,
    /// See `val_precision`.
    #[serde(default)]
    pub val_f1: Option<f64>,
    /// Validation R², the mean over targets (regression only).
    #[serde(default)]
    pub val_r2: Option<f64>,
    /// Learning rate used during the epoch.
    pub lr: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
    /// Mean L2 norm of each dense layer's gradient over the epoch, as (layer index, norm):
    /// with sigmoid or tanh the first layers' norms are orders of magnitude below the last one's.
    pub grad_norms: Vec<(usize, f64)>,
}

/// All epochs of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Records in epoch order.
    pub epochs: Vec<EpochRecord>,
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

impl History {
    /// CSV with a header: `epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,
    /// val_precision,val_recall,val_f1,val_r2`, then `grad_norm_<layer>` per dense layer. Absent values
    /// are empty cells.
    pub fn to_csv(&self) -> String {
        let layers: Vec<usize> = self
            .epochs
            .first()
            .map(|e| e.grad_norms.iter().map(|(i, _)| *i).collect())
            .unwrap_or_default();
        let mut s =
            String::from("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,val_precision,val_recall,val_f1,val_r2");
        for i in &layers {
            let _ = write!(s, ",grad_norm_{i}");
        }
        s.push('\n');
        for e in &self.epochs {
            let _ = write!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{}",
                e.epoch,
                e.train_loss,
                opt(e.train_accuracy),
                opt(e.val_loss),
                opt(e.val_accuracy),
                e.lr,
                e.seconds,
                opt(e.val_precision),
                opt(e.val_recall),
                opt(e.val_f1),
                opt(e.val_r2)
            );
            for (_, g) in &e.grad_norms {
                let _ = write!(s, ",{g}");
            }
            s.push('\n');
        }
        s
    }

    /// The history as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The record with the lowest validation loss (training loss when there is no validation).
    pub fn best(&self) -> Option<&EpochRecord> {
        self.epochs.iter().min_by(|a, b| {
            let key = |e: &EpochRecord| e.val_loss.unwrap_or(e.train_loss);
            key(a).total_cmp(&key(b))
        })
    }
}
