//! The progress hook: the trainer reports through this trait instead of printing.

use super::history::{EpochRecord, History};
use super::state::TrainState;
use crate::error::Result;
use crate::model::Sequential;

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
    /// After each step. An error stops training there: the trainer returns it with the
    /// weights of that step in the model (see [`crate::Error::Stopped`]).
    fn on_step(&mut self, _step: &StepInfo) -> Result<()> {
        Ok(())
    }
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
    /// After training ends (also after early stopping), with the final weights in `model`. An
    /// error is returned by the trainer.
    fn on_train_end(&mut self, _history: &History, _model: &Sequential) -> Result<()> {
        Ok(())
    }
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// Two observers, called in order (for example progress bars and per-epoch checkpoints).
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn on_train_begin(&mut self, info: &RunInfo) {
        self.0.on_train_begin(info);
        self.1.on_train_begin(info);
    }
    fn on_epoch_begin(&mut self, epoch: usize, lr: f64) {
        self.0.on_epoch_begin(epoch, lr);
        self.1.on_epoch_begin(epoch, lr);
    }
    fn on_step(&mut self, step: &StepInfo) -> Result<()> {
        self.0.on_step(step)?;
        self.1.on_step(step)
    }
    fn on_epoch_end(
        &mut self,
        record: &EpochRecord,
        model: &Sequential,
        state: &TrainState,
    ) -> Result<()> {
        self.0.on_epoch_end(record, model, state)?;
        self.1.on_epoch_end(record, model, state)
    }
    fn on_train_end(&mut self, history: &History, model: &Sequential) -> Result<()> {
        self.0.on_train_end(history, model)?;
        self.1.on_train_end(history, model)
    }
}
