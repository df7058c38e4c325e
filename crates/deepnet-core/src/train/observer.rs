//! The progress hook: the trainer reports through this trait instead of printing.

use super::history::{EpochRecord, History};
use super::trainer::TrainState;
use crate::error::Result;
use crate::sequential::Sequential;

/// Facts about a run, given when it starts.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// First epoch this call will run (1 unless resuming).
    pub first_epoch: usize,
    /// Last epoch.
    pub epochs: usize,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
    /// Training rows.
    pub samples: usize,
}

/// Progress within an epoch, after each step.
#[derive(Clone, Debug)]
pub struct StepInfo {
    /// 1-based epoch.
    pub epoch: usize,
    /// 1-based step within the epoch.
    pub step: usize,
    /// Steps in the epoch.
    pub steps: usize,
    /// Rows seen so far this epoch.
    pub samples: usize,
    /// Running mean loss this epoch.
    pub loss: f64,
    /// Running accuracy this epoch (classification only).
    pub accuracy: Option<f64>,
}

/// Receives training progress. Every method has a no-op default.
pub trait Observer {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _info: &RunInfo) {}
    /// Before each epoch.
    fn on_epoch_begin(&mut self, _epoch: usize, _lr: f64) {}
    /// After each step.
    fn on_step(&mut self, _step: &StepInfo) {}
    /// After each epoch, with the model and the full trainer state (to save checkpoints). An
    /// error stops training.
    fn on_epoch_end(
        &mut self,
        _record: &EpochRecord,
        _model: &Sequential,
        _state: &TrainState,
    ) -> Result<()> {
        Ok(())
    }
    /// After training ends (also after early stopping), with the weights already final.
    fn on_train_end(&mut self, _history: &History) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}
