//! The final `key: value` lines on stdout.

use deepnet::{History, Metrics};

/// Prints the epochs, the best epoch, the losses and the held-out metrics.
pub fn print_metrics(history: &History, has_val: bool, test: Option<&Metrics>) {
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
    }
}
