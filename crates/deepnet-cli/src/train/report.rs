//! The final `key: value` lines on stdout.

use deepnet::data::Dataset;
use deepnet::{History, Metrics, TargetScores};

use crate::table::print_regression;

/// Prints the epochs, the best epoch, the losses and the held-out metrics: accuracy (with the
/// positive class's precision, recall and F1 for binary tasks) or, for regression, RMSE, MAE
/// and R² in the targets' own units.
pub fn print_metrics(
    history: &History,
    has_val: bool,
    test: Option<&Metrics>,
    test_scores: Option<&[TargetScores]>,
    train: &Dataset,
) {
    let Some(last) = history.epochs.last() else {
        return;
    };
    println!("epochs: {}", last.epoch);
    if let Some(best) = history.best() {
        println!("best_epoch: {}", best.epoch);
    }
    println!("train_loss: {:.4}", last.train_loss);
    if let (Some(b), true) = (history.best(), has_val) {
        println!("val_loss: {:.4}", b.val_loss.unwrap_or(f64::NAN));
        if let Some(acc) = b.val_accuracy {
            println!("val_accuracy: {acc:.4}");
        }
        if let Some(r2) = b.val_r2 {
            println!("val_r2: {r2:.4}");
        }
    }
    if let Some(m) = test {
        println!("test_loss: {:.4}", m.loss);
        if let Some(acc) = m.accuracy {
            println!("test_accuracy: {acc:.4}");
        }
        if let Some(b) = &m.binary {
            println!("test_precision: {:.4}", b.precision);
            println!("test_recall: {:.4}", b.recall);
            println!("test_f1: {:.4}", b.f1);
        }
        if let Some(f1) = m.macro_f1() {
            println!("test_macro_f1: {f1:.4}");
        }
        match (test_scores, &m.per_target) {
            (Some(s), _) => print_regression("test_", &train.target_names(), s),
            (None, Some(s)) => print_regression("test_", &train.target_names(), s),
            _ => {}
        }
    }
}
