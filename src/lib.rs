//! deepnet: multi-layer neural networks on candle tensors.
//!
//! This crate re-exports [`deepnet_core`] (layers, losses, backprop, optimisers, training,
//! checkpoints) and [`deepnet_data`] (datasets) for the examples and tests.
#![warn(missing_docs)]

pub use deepnet_core::*;
pub use deepnet_data as data;
