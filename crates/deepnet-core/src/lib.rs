//! deepnet-core: multi-layer neural networks on candle tensors, with explicit backpropagation.
//!
//! Logistic regression ŷ = σ(wᵀx + b) is the one-layer network; stacking [`Dense`] layers with
//! [`Activation`]s makes it deep ([`Mlp`] builds one in code). A [`Loss`] measures the error from
//! the logits, backpropagation computes dJ/dW and dJ/db layer by layer with the chain rule
//! ([`Sequential::gradients`]), and an [`Optimizer`] updates the weights; the [`Trainer`] repeats
//! that over mini-batches. Each formula is written once, in its concept's file — the dense layer,
//! each activation with its derivative, dropout, each loss with its gradient, each optimiser
//! update — and one engine runs them for training, gradient checks and inference. Candle's
//! autograd is only a test oracle. Weights start from the framework's own seeded [`Rng`], so runs
//! are reproducible.
#![warn(missing_docs)]

pub mod activation;
pub mod checkpoint;
pub mod dense;
pub mod dropout;
pub mod embedding;
mod engine;
pub mod ensemble;
pub mod error;
mod fastmath;
pub mod gradcheck;
pub mod gradients;
mod inference;
pub mod init;
pub mod layer;
mod linalg;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod periodic;
pub mod real;
pub mod reduce;
pub mod rng;
pub mod scaling;
pub mod spec;
mod targets;
pub mod train;

pub use activation::Activation;
pub use checkpoint::{load_model, read_checkpoint, save_model, Checkpoint, RunDir};
pub use dense::Dense;
pub use error::{Error, Result};
pub use gradcheck::{gradcheck, GradCheck};
pub use gradients::Gradients;
pub use init::Init;
pub use layer::Layer;
pub use loss::Loss;
pub use metrics::{
    class_scores, evaluate, regression_scores, BinaryMetrics, ClassScores, Metrics, TargetScores,
};
pub use model::{Mlp, Sequential};
pub use optim::{Optimizer, OptimizerConfig, OptimizerKind, OptimizerState};
pub use real::Real;
pub use reduce::Reducer;
pub use rng::Rng;
pub use scaling::InputScaling;
pub use spec::{
    ClassWeight, EmbeddedColumn, LayerSpec, ModelSpec, Monitor, Output, Recipe, Schedule,
};
pub use train::{
    DataParallel, EpochRecord, History, HistoryCsv, LrScheduler, Observer, RunInfo, Silent,
    StepInfo, TrainData, TrainState, Trainer,
};

pub use candle_core::{DType, Device, Module, Tensor};
