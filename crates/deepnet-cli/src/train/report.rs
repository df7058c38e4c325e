//! The final `key: value` lines on stdout.

use deepnet::data::Dataset;
use deepnet::{History, Metrics};

use crate::table::regression_lines;

/// The epochs, the best epoch, the losses and the held-out metrics: accuracy (with the
/// positive class's precision, recall and F1 for binary tasks) or, for regression, RMSE, MAE
/// and R² (in the targets' own units when `test` was scored so), as (key, value) in print order.
pub fn metric_lines(
    history: &History,
    has_val: bool,
    test: Option<&Metrics>,
    train: &Dataset,
) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut line = |k: &str, v: String| lines.push((k.to_string(), v));
    let Some(last) = history.epochs.last() else {
        return lines;
    };
    line("epochs", last.epoch.to_string());
    if let Some(best) = history.best() {
        line("best_epoch", best.epoch.to_string());
    }
    line("train_loss", format!("{:.4}", last.train_loss));
    if let (Some(b), true) = (history.best(), has_val) {
        line("val_loss", format!("{:.4}", b.val_loss.unwrap_or(f64::NAN)));
        if let Some(acc) = b.val_accuracy {
            line("val_accuracy", format!("{acc:.4}"));
        }
        if let Some(r2) = b.val_r2 {
            line("val_r2", format!("{r2:.4}"));
        }
    }
    if let Some(m) = test {
        line("test_loss", format!("{:.4}", m.loss));
        if let Some(acc) = m.accuracy {
            line("test_accuracy", format!("{acc:.4}"));
        }
        if let Some(b) = &m.binary {
            line("test_precision", format!("{:.4}", b.precision));
            line("test_recall", format!("{:.4}", b.recall));
            line("test_f1", format!("{:.4}", b.f1));
        }
        if let Some(f1) = m.macro_f1() {
            line("test_macro_f1", format!("{f1:.4}"));
        }
        if let Some(s) = m.per_target.as_deref() {
            lines.extend(regression_lines("test_", &train.target_names(), s));
        }
    }
    lines
}
