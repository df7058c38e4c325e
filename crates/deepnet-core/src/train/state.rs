//! Everything a run needs to continue exactly where it stopped.

use candle_core::Tensor;

use super::history::History;
use super::schedule::LrScheduler;
use crate::optim::OptimizerState;

/// Everything needed to continue a run exactly: saved in training checkpoints.
#[derive(Clone, Debug)]
pub struct TrainState {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimiser moments and step count.
    pub optimizer: OptimizerState,
    /// RNG state after the last completed epoch.
    pub rng: [u64; 4],
    /// Schedule state.
    pub scheduler: LrScheduler,
    /// Best monitored loss (early stopping).
    pub best_loss: f64,
    /// Epoch of the best loss.
    pub best_epoch: usize,
    /// Epochs since the best loss.
    pub wait: usize,
    /// The model's weights at the end of the last completed epoch (what a resumed run continues
    /// from, even when early stopping later restores the best ones).
    pub weights: Vec<(String, Tensor)>,
    /// Weights of the best epoch (early stopping only).
    pub best_weights: Vec<(String, Tensor)>,
    /// True once early stopping has fired.
    pub stopped: bool,
    /// Per-epoch history so far.
    pub history: History,
}
