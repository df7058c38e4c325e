//! The fully connected layer, PyTorch's `nn.Linear` layout: weight `[out, in]`, bias `[out]`.

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::rng::Rng;

/// y = x·Wᵀ + b.
///
/// # Shapes
/// - input `x`: `[batch, in]`
/// - weight `W`: `[out, in]`, bias `b`: `[out]`
/// - output `y`: `[batch, out]`
#[derive(Clone, Debug)]
pub struct Dense {
    weight: Tensor,
    bias: Option<Tensor>,
}

/// Gradients of a dense layer's parameters.
#[derive(Clone, Debug)]
pub struct DenseGrads {
    /// dJ/dW, `[out, in]`.
    pub weight: Tensor,
    /// dJ/db, `[out]`; `None` for a layer without bias.
    pub bias: Option<Tensor>,
}

impl Dense {
    /// A layer from existing tensors; checks that the shapes fit.
    pub fn new(weight: Tensor, bias: Option<Tensor>) -> Result<Self> {
        let (out, _) = weight.dims2().map_err(|_| {
            Error::Shape(format!(
                "dense weight must be [out, in], got {:?}",
                weight.dims()
            ))
        })?;
        if let Some(b) = &bias {
            if b.dims() != [out] {
                return Err(Error::Shape(format!(
                    "dense bias must be [{out}] to match weight {:?}, got {:?}",
                    weight.dims(),
                    b.dims()
                )));
            }
        }
        Ok(Dense { weight, bias })
    }

    /// A freshly initialised `[out, in]` layer: weights then bias drawn from `rng`.
    pub fn init(
        fan_in: usize,
        fan_out: usize,
        bias: bool,
        init: Init,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Result<Self> {
        let w = init.weights(fan_out, fan_in, rng);
        let weight = Tensor::from_vec(w, (fan_out, fan_in), device)?.to_dtype(dtype)?;
        let bias = if bias {
            let b = init.biases(fan_out, fan_in, rng);
            Some(Tensor::from_vec(b, fan_out, device)?.to_dtype(dtype)?)
        } else {
            None
        };
        Ok(Dense { weight, bias })
    }

    /// The weight `[out, in]`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// The bias `[out]`, if any.
    pub fn bias(&self) -> Option<&Tensor> {
        self.bias.as_ref()
    }

    /// Mutable access for optimisers and loaders.
    pub(crate) fn params_mut(&mut self) -> (&mut Tensor, Option<&mut Tensor>) {
        (&mut self.weight, self.bias.as_mut())
    }

    /// Input width.
    pub fn in_features(&self) -> usize {
        self.weight.dims()[1]
    }

    /// Output width.
    pub fn out_features(&self) -> usize {
        self.weight.dims()[0]
    }

    /// z = x·Wᵀ + b.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let z = x.matmul(&self.weight.t()?)?;
        Ok(match &self.bias {
            Some(b) => z.broadcast_add(b)?,
            None => z,
        })
    }

    /// From the cached input `x` and upstream dZ `[batch, out]`:
    /// dW = dZᵀ·x, db = Σ_batch dZ, dX = dZ·W (chain rule through z = x·Wᵀ + b).
    pub fn backward(&self, x: &Tensor, dz: &Tensor) -> Result<(Tensor, DenseGrads)> {
        let weight = dz.t()?.matmul(x)?;
        let bias = match self.bias {
            Some(_) => Some(dz.sum(0)?),
            None => None,
        };
        let dx = dz.matmul(&self.weight)?;
        Ok((dx, DenseGrads { weight, bias }))
    }
}
