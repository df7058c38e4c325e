//! deepnet-core: multi-layer neural networks on candle tensors, with explicit backpropagation.
//!
//! Logistic regression ŷ = σ(wᵀx + b) is the one-layer network; stacking [`Dense`] layers with
//! [`Activation`]s makes it deep. A [`Loss`] measures the error from the logits, [`Sequential::backward`]
//! computes dJ/dW and dJ/db layer by layer with the chain rule, and an [`Optimizer`] updates the
//! weights. Every layer's forward and backward sit side by side; candle's autograd is only a test
//! oracle. Weights start from the framework's own seeded [`Rng`], so runs are reproducible.
#![warn(missing_docs)]

pub mod activation;
pub mod checkpoint;
pub mod dense;
pub mod dropout;
pub mod error;
mod fast;
pub mod gradcheck;
pub mod gradients;
pub mod init;
pub mod layer;
pub mod loss;
pub mod metrics;
pub mod optim;
pub mod rng;
pub mod scaling;
pub mod sequential;
pub mod spec;
pub mod train;

pub use activation::Activation;
pub use checkpoint::{load_model, read_checkpoint, save_model, Checkpoint};
pub use dense::{Dense, DenseGrads};
pub use error::{Error, Result};
pub use gradcheck::{gradcheck, GradCheck};
pub use gradients::Gradients;
pub use init::Init;
pub use layer::Layer;
pub use loss::Loss;
pub use metrics::{evaluate, BinaryMetrics, Metrics};
pub use optim::{Optimizer, OptimizerConfig, OptimizerKind, OptimizerState};
pub use rng::Rng;
pub use scaling::InputScaling;
pub use sequential::{classes_from_logits, Sequential, Trace};
pub use spec::{LayerSpec, ModelSpec, Output};
pub use train::{
    EpochRecord, History, LrScheduler, Observer, RunInfo, Schedule, Silent, StepInfo, TrainConfig,
    TrainData, TrainSpec, TrainState, Trainer,
};

pub use candle_core::{DType, Device, Module, Tensor};
