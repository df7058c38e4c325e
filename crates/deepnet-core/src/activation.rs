//! Element-wise activations a = g(z), each with its backward dZ = dA ⊙ g'(z) beside it.

use candle_core::Tensor;

use crate::error::Result;

/// An element-wise non-linearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^−z); σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4, near 0 when |z| is large.
    Sigmoid,
    /// tanh(z); tanh'(z) = 1 − tanh²(z), near 0 when |z| is large.
    Tanh,
    /// max(z, 0); derivative 1 for z > 0, else 0.
    Relu,
    /// z for z > 0, slope·z otherwise.
    LeakyRelu(f64),
    /// z.
    Identity,
}

impl Activation {
    /// a = g(z).
    pub fn forward(&self, z: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Activation::Sigmoid => sigmoid(z)?,
            Activation::Tanh => z.tanh()?,
            Activation::Relu => z.relu()?,
            Activation::LeakyRelu(slope) => z.gt(0.0)?.where_cond(z, &(z * *slope)?)?,
            Activation::Identity => z.clone(),
        })
    }

    /// dZ = dA ⊙ g'(z), from the cached input `z` and output `a` of [`Activation::forward`].
    pub fn backward(&self, z: &Tensor, a: &Tensor, da: &Tensor) -> Result<Tensor> {
        Ok(match self {
            // σ' = a(1 − a)
            Activation::Sigmoid => (da * (a * (1.0 - a)?)?)?,
            // tanh' = 1 − a²
            Activation::Tanh => (da * (1.0 - a.sqr()?)?)?,
            // relu' = [z > 0]
            Activation::Relu => (da * z.gt(0.0)?.to_dtype(da.dtype())?)?,
            Activation::LeakyRelu(slope) => z.gt(0.0)?.where_cond(da, &(da * *slope)?)?,
            Activation::Identity => da.clone(),
        })
    }
}

/// σ(z) = 1 / (1 + e^−z). For very negative z, e^−z overflows to +∞ and the result is exactly 0,
/// never NaN.
pub fn sigmoid(z: &Tensor) -> Result<Tensor> {
    Ok((z.neg()?.exp()? + 1.0)?.recip()?)
}
