//! Learning-rate schedules, evaluated at the start of every epoch.

use serde::{Deserialize, Serialize};

use crate::spec::Schedule;

/// The schedule plus its state (the reduce-on-plateau counters), saved in training checkpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrScheduler {
    schedule: Schedule,
    base_lr: f64,
    total_epochs: usize,
    /// Current learning rate.
    pub lr: f64,
    /// Best monitored loss seen (plateau).
    pub best: f64,
    /// Epochs since it improved (plateau).
    pub wait: usize,
}

impl LrScheduler {
    /// A scheduler starting at `base_lr` for a run of `total_epochs`.
    pub fn new(schedule: Schedule, base_lr: f64, total_epochs: usize) -> Self {
        LrScheduler {
            schedule,
            base_lr,
            total_epochs: total_epochs.max(1),
            lr: base_lr,
            best: f64::INFINITY,
            wait: 0,
        }
    }

    /// The learning rate for 1-based `epoch`.
    ///
    /// - step: α·γ^⌊(epoch − 1) / step_size⌋
    /// - cosine: min + (α − min)(1 + cos(π (epoch − 1) / epochs)) / 2
    /// - constant and plateau: the current rate
    pub fn lr_for_epoch(&mut self, epoch: usize) -> f64 {
        let e = epoch.saturating_sub(1);
        self.lr = match self.schedule {
            Schedule::Constant | Schedule::Plateau { .. } => self.lr,
            Schedule::Step { step_size, gamma } => {
                self.base_lr * gamma.powi((e / step_size.max(1)) as i32)
            }
            Schedule::Cosine { min_lr } => {
                let t = e as f64 / self.total_epochs as f64;
                min_lr + (self.base_lr - min_lr) * (1.0 + (std::f64::consts::PI * t).cos()) / 2.0
            }
        };
        self.lr
    }

    /// Records the epoch's monitored loss; reduce-on-plateau multiplies the rate by its factor
    /// after `patience` epochs without an improvement of more than `min_delta`.
    pub fn observe(&mut self, loss: f64, min_delta: f64) {
        if let Schedule::Plateau { factor, patience } = self.schedule {
            if loss < self.best - min_delta {
                self.best = loss;
                self.wait = 0;
            } else {
                self.wait += 1;
                if self.wait > patience {
                    self.lr *= factor;
                    self.wait = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_and_cosine_follow_their_formulas() {
        let mut s = LrScheduler::new(
            Schedule::Step {
                step_size: 2,
                gamma: 0.5,
            },
            0.1,
            10,
        );
        let lrs: Vec<f64> = (1..=5).map(|e| s.lr_for_epoch(e)).collect();
        assert_eq!(lrs, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
        let mut c = LrScheduler::new(Schedule::Cosine { min_lr: 0.0 }, 1.0, 4);
        let lrs: Vec<f64> = (1..=4).map(|e| c.lr_for_epoch(e)).collect();
        assert!(
            (lrs[0] - 1.0).abs() < 1e-12 && (lrs[2] - 0.5).abs() < 1e-12,
            "{lrs:?}"
        );
        assert!(lrs.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn plateau_reduces_after_patience() {
        let mut s = LrScheduler::new(
            Schedule::Plateau {
                factor: 0.1,
                patience: 1,
            },
            1.0,
            10,
        );
        for loss in [1.0, 0.5, 0.6] {
            s.observe(loss, 0.0);
        }
        assert_eq!(s.lr_for_epoch(4), 1.0);
        s.observe(0.7, 0.0);
        assert!((s.lr_for_epoch(5) - 0.1).abs() < 1e-12);
    }
}
