//! One entry of a [`crate::Sequential`]: a dense layer, an activation or dropout.

use candle_core::Tensor;

use crate::activation::Activation;
use crate::dense::{Dense, DenseGrads};
use crate::dropout::{dropout_backward, dropout_forward, dropout_mask};
use crate::error::Result;
use crate::rng::Rng;
use crate::spec::LayerSpec;

/// A built layer.
#[derive(Clone, Debug)]
pub enum Layer {
    /// Fully connected layer with parameters.
    Dense(Dense),
    /// Element-wise activation.
    Activation(Activation),
    /// Inverted dropout with the given rate; identity at inference.
    Dropout(f64),
}

impl Layer {
    /// The activation a non-dense spec entry stands for.
    pub(crate) fn from_spec_activation(spec: &LayerSpec) -> Option<Layer> {
        Some(match spec {
            LayerSpec::Dense { .. } => return None,
            LayerSpec::Sigmoid {} => Layer::Activation(Activation::Sigmoid),
            LayerSpec::Tanh {} => Layer::Activation(Activation::Tanh),
            LayerSpec::Relu {} => Layer::Activation(Activation::Relu),
            LayerSpec::LeakyRelu { slope } => Layer::Activation(Activation::LeakyRelu(*slope)),
            LayerSpec::Identity {} => Layer::Activation(Activation::Identity),
            LayerSpec::Dropout { rate } => Layer::Dropout(*rate),
        })
    }

    /// Inference forward pass.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Layer::Dense(d) => d.forward(x),
            Layer::Activation(a) => a.forward(x),
            Layer::Dropout(_) => Ok(x.clone()),
        }
    }

    /// Training forward pass; returns the output and, for dropout, the mask backward needs.
    pub fn forward_train(&self, x: &Tensor, rng: &mut Rng) -> Result<(Tensor, Option<Tensor>)> {
        match self {
            Layer::Dropout(rate) if *rate > 0.0 => {
                let mask = dropout_mask(x, *rate, rng)?;
                Ok((dropout_forward(x, &mask)?, Some(mask)))
            }
            _ => Ok((self.forward(x)?, None)),
        }
    }

    /// Backward pass from the cached input `x`, output `y`, dropout mask and upstream gradient `dy`:
    /// returns dX and, for a dense layer, its parameter gradients.
    pub fn backward(
        &self,
        x: &Tensor,
        y: &Tensor,
        mask: Option<&Tensor>,
        dy: &Tensor,
    ) -> Result<(Tensor, Option<DenseGrads>)> {
        match self {
            Layer::Dense(d) => {
                let (dx, g) = d.backward(x, dy)?;
                Ok((dx, Some(g)))
            }
            Layer::Activation(a) => Ok((a.backward(x, y, dy)?, None)),
            Layer::Dropout(_) => match mask {
                Some(m) => Ok((dropout_backward(dy, m)?, None)),
                None => Ok((dy.clone(), None)),
            },
        }
    }
}
