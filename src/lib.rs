//! deepnet: multi-layer neural networks on candle tensors, with backpropagation written out.
//!
//! Logistic regression ŷ = σ(wᵀx + b) is the one-layer network; stacking [`Dense`] layers with
//! [`Activation`]s makes it deep. A [`Loss`] measures the error, [`Sequential::gradients`]
//! computes dJ/dW and dJ/db by the chain rule, an [`Optimizer`] updates the weights, and the
//! [`Trainer`] runs a [`Recipe`] over mini-batches with validation and early stopping.
//!
//! This crate re-exports `deepnet-core`, with [`data`] (datasets and the table reader) and
//! [`onnx`] (export). The book is in the repository's `docs/`; `docs/api.md` is the tour.
//!
//! ```
//! use deepnet::data::{breast_cancer, split};
//! use deepnet::{evaluate, Device, InputScaling, Mlp, Recipe, Trainer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (train, test) = split(&breast_cancer()?, 0.2, 0, true)?;
//! let mut model = Mlp::new(30).dense(16).relu().dense(1).sigmoid().build(0)?;
//! model.set_input_scaling(Some(InputScaling::fit(&train.features, train.width())?))?;
//! let train = train.train_data(model.spec().output, &Device::Cpu)?;
//! let test = test.train_data(model.spec().output, &Device::Cpu)?;
//!
//! let recipe = Recipe { epochs: 20, ..Recipe::default() };
//! Trainer::new(recipe)?.fit(&mut model, &train, None)?;
//! let metrics = evaluate(&model, &test.x, &test.y)?;
//! assert!(metrics.accuracy.unwrap() > 0.9);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use deepnet_core::*;
pub use deepnet_data as data;
pub use deepnet_onnx as onnx;

/// The Rust code of `docs/api.md`, compiled and run as doctests so the tour stays true.
#[cfg(doctest)]
#[doc = include_str!("../docs/api.md")]
pub struct ApiTour;
