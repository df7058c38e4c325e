//! The training configuration: the spec's `"train"` recipe with the command-line flags over it.

use anyhow::{bail, Result};
use deepnet::{ModelSpec, OptimizerConfig, Schedule, TrainConfig};

use crate::args::{ScheduleArg, TrainArgs};

/// The spec's recipe with the explicit flags over it.
pub fn train_config(spec: &ModelSpec, a: &TrainArgs) -> Result<TrainConfig> {
    let mut c = TrainConfig::from_spec(spec.train.as_ref());
    if let Some(kind) = a.optimizer {
        let wd = spec.train.as_ref().and_then(|t| t.weight_decay);
        c.optimizer = OptimizerConfig::new(kind, c.optimizer.lr);
        if let Some(wd) = wd {
            c.optimizer.weight_decay = wd;
        }
    }
    if let Some(lr) = a.lr {
        if !(lr > 0.0 && lr.is_finite()) {
            bail!("--lr must be positive and finite, got {lr}");
        }
        c.optimizer.lr = lr;
    }
    if let Some(e) = a.epochs {
        if e == 0 {
            bail!("--epochs must be at least 1");
        }
        c.epochs = e;
    }
    if let Some(b) = a.batch_size {
        if b == 0 {
            bail!("--batch-size must be at least 1");
        }
        c.batch_size = Some(b);
    }
    if let Some(s) = a.schedule {
        c.schedule = match s {
            ScheduleArg::Constant => Schedule::Constant,
            ScheduleArg::Step => Schedule::Step {
                step_size: (c.epochs / 4).max(1),
                gamma: 0.5,
            },
            ScheduleArg::Cosine => Schedule::Cosine { min_lr: 0.0 },
            ScheduleArg::Plateau => Schedule::Plateau {
                factor: 0.5,
                patience: 2,
            },
        };
    }
    if a.patience.is_some() {
        c.patience = a.patience;
    }
    if let Some(s) = a.seed {
        c.seed = s;
    }
    Ok(c)
}
