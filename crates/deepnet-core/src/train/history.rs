//! Per-epoch training history, exportable as CSV and JSON.

use std::fmt::Write as _;

use crate::spec::Monitor;
use serde::{Deserialize, Serialize};

/// One epoch's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (dropout on, weights changing, as Keras reports);
    /// with member validation, over the rows each member trains on.
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
    /// Validation root-mean-square error, the mean over targets, in the units the model is
    /// trained on (standardised targets for a CSV table; regression only).
    #[serde(default)]
    pub val_rmse: Option<f64>,
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
    /// What the run's early stopping watched, which [`History::best`] follows.
    #[serde(default, skip_serializing_if = "is_loss")]
    pub monitor: Monitor,
}

fn is_loss(m: &Monitor) -> bool {
    *m == Monitor::Loss
}

impl EpochRecord {
    /// The epoch's line as `deepnet train` and Python's `verbose=True` print it, for a run of
    /// `epochs` epochs over `samples` training rows: `epoch 3/200  loss 0.4321  acc 0.8800
    /// val_loss ...  lr 1.000e-3  0.12s  50000 samples/s`.
    pub fn line(&self, epochs: usize, samples: usize) -> String {
        let r = self;
        let mut s = format!("epoch {}/{epochs}  loss {:.4}", r.epoch, r.train_loss);
        if let Some(a) = r.train_accuracy {
            s.push_str(&format!("  acc {a:.4}"));
        }
        if let Some(v) = r.val_loss {
            s.push_str(&format!("  val_loss {v:.4}"));
        }
        if let Some(a) = r.val_accuracy {
            s.push_str(&format!("  val_acc {a:.4}"));
        }
        if let Some(f) = r.val_f1 {
            s.push_str(&format!("  val_f1 {f:.4}"));
        }
        if let Some(r2) = r.val_r2 {
            s.push_str(&format!("  val_r2 {r2:.4}"));
        }
        let rate = samples as f64 / r.seconds.max(1e-9);
        s.push_str(&format!(
            "  lr {:.3e}  {:.2}s  {rate:.0} samples/s",
            r.lr, r.seconds
        ));
        s
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

impl History {
    /// CSV with a header: `epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,
    /// val_precision,val_recall,val_f1,val_r2,val_rmse`, then `grad_norm_<layer>` per dense layer.
    /// Absent values are empty cells. [`History::from_csv`] reads it back.
    pub fn to_csv(&self) -> String {
        let layers: Vec<usize> = self
            .epochs
            .first()
            .map(|e| e.grad_norms.iter().map(|(i, _)| *i).collect())
            .unwrap_or_default();
        let mut s =
            String::from("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,val_precision,val_recall,val_f1,val_r2,val_rmse");
        for i in &layers {
            let _ = write!(s, ",grad_norm_{i}");
        }
        s.push('\n');
        for e in &self.epochs {
            let _ = write!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
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
                opt(e.val_r2),
                opt(e.val_rmse)
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

    /// The best record, the first on ties: the lowest validation loss (training loss when there
    /// is no validation), or with [`Monitor::Metric`] the highest validation accuracy or R².
    pub fn best(&self) -> Option<&EpochRecord> {
        let key = |e: &EpochRecord| match (self.monitor, e.val_accuracy.or(e.val_r2)) {
            (Monitor::Metric, Some(m)) => -m,
            _ => e.val_loss.unwrap_or(e.train_loss),
        };
        self.epochs.iter().min_by(|a, b| key(a).total_cmp(&key(b)))
    }
}

/// A history read back from CSV by [`History::from_csv`]: the epochs up to the first line that is
/// incomplete or invalid, and why the reading stopped there, if it did.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryCsv {
    /// The complete, valid epochs.
    pub history: History,
    /// What ended the reading early: `line N: ...` (1-based line of the file).
    pub problem: Option<String>,
}

impl History {
    /// Reads the CSV written by [`History::to_csv`] (columns found by name, so files of earlier
    /// versions with fewer columns read too; unknown columns are ignored). Tolerant by design, for
    /// a file that a running training may be writing: a last line without its newline is
    /// incomplete and left out, and reading stops at the first invalid line, keeping the epochs
    /// before it. Only a missing or foreign header gives no epochs at all.
    pub fn from_csv(text: &str) -> HistoryCsv {
        let mut out = HistoryCsv {
            history: History::default(),
            problem: None,
        };
        let mut lines = text.split_inclusive('\n');
        let Some(header_line) = lines.next().filter(|l| l.ends_with('\n')) else {
            out.problem = Some("line 1: no complete header line".into());
            return out;
        };
        let header: Vec<&str> = header_line.trim_end().split(',').collect();
        if header.get(..2) != Some(&["epoch", "train_loss"][..]) {
            out.problem = Some(
                "line 1: not a deepnet history (the header must start `epoch,train_loss`)".into(),
            );
            return out;
        }
        let column = |name: &str| header.iter().position(|h| *h == name);
        let grad_columns: Vec<(usize, usize)> = header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| Some((i, h.strip_prefix("grad_norm_")?.parse().ok()?)))
            .collect();
        for (k, line) in lines.enumerate() {
            let number = k + 2;
            if !line.ends_with('\n') {
                out.problem = Some(format!(
                    "line {number}: incomplete (no line end; the file may be being written)"
                ));
                break;
            }
            let fields: Vec<&str> = line.trim_end().split(',').collect();
            match record(&fields, &header, &column, &grad_columns) {
                Ok(r) => out.history.epochs.push(r),
                Err(e) => {
                    out.problem = Some(format!("line {number}: {e}"));
                    break;
                }
            }
        }
        out
    }
}

/// One CSV row as an epoch record, or what is wrong with it.
fn record(
    f: &[&str],
    header: &[&str],
    column: &dyn Fn(&str) -> Option<usize>,
    grads: &[(usize, usize)],
) -> std::result::Result<EpochRecord, String> {
    if f.len() != header.len() {
        return Err(format!(
            "{} fields where the header has {}",
            f.len(),
            header.len()
        ));
    }
    let cell = |i: usize| -> std::result::Result<Option<f64>, String> {
        match f[i] {
            "" => Ok(None),
            v => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("column `{}`: `{v}` is not a number", header[i])),
        }
    };
    let named = |name: &str| -> std::result::Result<Option<f64>, String> {
        column(name).map_or(Ok(None), cell)
    };
    let epoch = f[0]
        .parse::<usize>()
        .map_err(|_| format!("column `epoch`: `{}` is not an epoch number", f[0]))?;
    let grad_norms = grads
        .iter()
        .map(|&(i, layer)| Ok((layer, cell(i)?.unwrap_or(f64::NAN))))
        .collect::<std::result::Result<Vec<_>, String>>()?;
    Ok(EpochRecord {
        epoch,
        train_loss: cell(1)?.unwrap_or(f64::NAN),
        train_accuracy: named("train_accuracy")?,
        val_loss: named("val_loss")?,
        val_accuracy: named("val_accuracy")?,
        val_precision: named("val_precision")?,
        val_recall: named("val_recall")?,
        val_f1: named("val_f1")?,
        val_r2: named("val_r2")?,
        val_rmse: named("val_rmse")?,
        lr: named("lr")?.unwrap_or(f64::NAN),
        seconds: named("seconds")?.unwrap_or(0.0),
        grad_norms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let e = |epoch: usize, loss: f64| EpochRecord {
            epoch,
            train_loss: loss,
            train_accuracy: Some(0.5 + epoch as f64 / 10.0),
            val_loss: Some(loss * 1.5),
            val_accuracy: None,
            val_precision: Some(0.25),
            val_recall: None,
            val_f1: None,
            val_r2: None,
            val_rmse: Some(0.125),
            lr: 1e-3,
            seconds: 0.5,
            grad_norms: vec![(0, 1e-7), (2, 0.03125)],
        };
        History {
            epochs: vec![e(1, 0.75), e(2, 0.5), e(3, 0.1 + 0.2)],
            ..History::default()
        }
    }

    #[test]
    fn csv_round_trips_every_field() {
        let h = sample();
        let back = History::from_csv(&h.to_csv());
        assert_eq!(back.problem, None);
        assert_eq!(back.history, h);
    }

    #[test]
    fn a_half_written_last_line_is_left_out() {
        let text = sample().to_csv();
        let cut = &text[..text.len() - 9];
        let back = History::from_csv(cut);
        assert_eq!(back.history.epochs.len(), 2);
        assert_eq!(
            back.problem.as_deref(),
            Some("line 4: incomplete (no line end; the file may be being written)")
        );
        let header_only = &text[..text.find('\n').unwrap() + 1];
        let back = History::from_csv(header_only);
        assert_eq!((back.history.epochs.len(), back.problem), (0, None));
        let back = History::from_csv(&text[..10]);
        assert_eq!(
            back.problem.as_deref(),
            Some("line 1: no complete header line")
        );
    }

    #[test]
    fn reading_stops_at_the_first_bad_line() {
        let text = sample().to_csv().replacen("\n2,0.5,", "\n2,zero,", 1);
        let back = History::from_csv(&text);
        assert_eq!(back.history.epochs.len(), 1);
        assert_eq!(
            back.problem.as_deref(),
            Some("line 3: column `train_loss`: `zero` is not a number")
        );
        let back = History::from_csv("epoch,train_loss\n1,0.5\n2,0.4,9\n");
        assert_eq!(back.history.epochs.len(), 1);
        assert_eq!(
            back.problem.as_deref(),
            Some("line 3: 3 fields where the header has 2")
        );
        let back = History::from_csv("a,b\n1,2\n");
        assert!(back.history.epochs.is_empty());
        assert_eq!(
            back.problem.as_deref(),
            Some("line 1: not a deepnet history (the header must start `epoch,train_loss`)")
        );
    }

    #[test]
    fn an_older_history_without_the_newer_columns_reads() {
        let back = History::from_csv(
            "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,grad_norm_0\n1,0.5,,0.25,,0.01,0.1,0.002\n",
        );
        assert_eq!(back.problem, None);
        let e = &back.history.epochs[0];
        assert_eq!((e.epoch, e.train_loss, e.val_loss), (1, 0.5, Some(0.25)));
        assert_eq!((e.val_rmse, e.lr), (None, 0.01));
        assert_eq!(e.grad_norms, vec![(0, 0.002)]);
    }
}
