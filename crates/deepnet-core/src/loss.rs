//! Losses computed from logits in numerically stable form, each with its gradient dJ/dz.
//!
//! The output non-linearity (sigmoid, softmax) is folded into the loss, as PyTorch's
//! `BCEWithLogitsLoss` and `CrossEntropyLoss` do, so the gradient is the simple
//! ŷ − y and large logits never produce NaN (candle's own `binary_cross_entropy_with_logit`
//! computes log σ(z) directly and does, candle issue #2561).

use candle_core::{DType, Tensor, D};

use crate::activation::sigmoid;
use crate::error::{Error, Result};
use crate::spec::Output;

/// A loss over a batch, averaged over its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Binary cross-entropy (log loss) on logits `[n, 1]` with targets 0/1 as floats `[n, 1]`.
    BinaryCrossEntropy,
    /// Softmax cross-entropy on logits `[n, k]` with class indices `u32` `[n]`.
    CrossEntropy,
    /// Mean squared error on outputs `[n, k]` with float targets `[n, k]`, averaged over all entries.
    MeanSquaredError,
}

impl Loss {
    /// The loss that goes with an output non-linearity.
    pub fn for_output(output: Output) -> Self {
        match output {
            Output::Sigmoid => Loss::BinaryCrossEntropy,
            Output::Softmax => Loss::CrossEntropy,
            Output::Linear => Loss::MeanSquaredError,
        }
    }

    /// J(z, y), a scalar.
    pub fn forward(&self, logits: &Tensor, targets: &Tensor) -> Result<f64> {
        self.check(logits, targets)?;
        let per_row = match self {
            // max(z, 0) − z·y + log(1 + e^−|z|)
            Loss::BinaryCrossEntropy => {
                let y = targets.to_dtype(logits.dtype())?;
                let softplus = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
                ((logits.relu()? - (logits * y)?)? + softplus)?
            }
            // log Σ e^z − z_y, with the max subtracted first (log-sum-exp)
            Loss::CrossEntropy => {
                let lse = log_sum_exp(logits)?;
                let picked = logits.gather(&targets.unsqueeze(1)?, 1)?;
                (lse - picked)?
            }
            Loss::MeanSquaredError => (logits - targets.to_dtype(logits.dtype())?)?.sqr()?,
        };
        Ok(per_row
            .to_dtype(DType::F64)?
            .mean_all()?
            .to_scalar::<f64>()?)
    }

    /// dJ/dz, same shape as `logits`.
    pub fn backward(&self, logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
        self.check(logits, targets)?;
        let n = logits.dims()[0] as f64;
        Ok(match self {
            // d/dz = (σ(z) − y) / n
            Loss::BinaryCrossEntropy => {
                ((sigmoid(logits)? - targets.to_dtype(logits.dtype())?)? / n)?
            }
            // d/dz = (softmax(z) − onehot(y)) / n
            Loss::CrossEntropy => {
                let k = logits.dims()[1];
                let onehot = one_hot(targets, k, logits.dtype())?;
                ((softmax(logits)? - onehot)? / n)?
            }
            // d/dz = 2(z − y) / (n·k)
            Loss::MeanSquaredError => {
                let count = logits.elem_count() as f64;
                ((logits - targets.to_dtype(logits.dtype())?)? * (2.0 / count))?
            }
        })
    }

    /// Loss and gradient together.
    pub fn forward_backward(&self, logits: &Tensor, targets: &Tensor) -> Result<(f64, Tensor)> {
        Ok((
            self.forward(logits, targets)?,
            self.backward(logits, targets)?,
        ))
    }

    fn check(&self, logits: &Tensor, targets: &Tensor) -> Result<()> {
        let (n, k) = logits.dims2().map_err(|_| {
            Error::Shape(format!(
                "logits must be [batch, outputs], got {:?}",
                logits.dims()
            ))
        })?;
        if n == 0 {
            return Err(Error::Empty("the batch has no rows".into()));
        }
        let expected: Vec<usize> = match self {
            Loss::CrossEntropy => vec![n],
            _ => vec![n, k],
        };
        if targets.dims() != expected.as_slice() {
            return Err(Error::Shape(format!(
                "{self:?} targets must be {expected:?} for logits {:?}, got {:?}",
                logits.dims(),
                targets.dims()
            )));
        }
        if *self == Loss::CrossEntropy {
            if targets.dtype() != DType::U32 {
                return Err(Error::Shape(format!(
                    "cross-entropy targets must be u32 class indices, got {:?}",
                    targets.dtype()
                )));
            }
            let max = targets.max(0)?.to_scalar::<u32>()?;
            if max as usize >= k {
                return Err(Error::Invalid(format!(
                    "class label {max} out of range for {k} outputs (labels must be 0..{})",
                    k - 1
                )));
            }
        }
        Ok(())
    }
}

/// log Σ_j e^{z_j} per row, `[n, 1]`, computed as m + log Σ e^{z − m} with m the row maximum.
pub fn log_sum_exp(z: &Tensor) -> Result<Tensor> {
    let m = z.max_keepdim(D::Minus1)?;
    let s = z.broadcast_sub(&m)?.exp()?.sum_keepdim(D::Minus1)?.log()?;
    Ok((m + s)?)
}

/// Row-wise softmax, stable for large logits.
pub fn softmax(z: &Tensor) -> Result<Tensor> {
    let m = z.max_keepdim(D::Minus1)?;
    let e = z.broadcast_sub(&m)?.exp()?;
    Ok(e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?)
}

/// `[n, k]` one-hot rows of `dtype` from `u32` class indices `[n]`.
pub fn one_hot(labels: &Tensor, k: usize, dtype: DType) -> Result<Tensor> {
    let classes = Tensor::arange(0u32, k as u32, labels.device())?.unsqueeze(0)?;
    Ok(classes
        .broadcast_eq(&labels.unsqueeze(1)?)?
        .to_dtype(dtype)?)
}
