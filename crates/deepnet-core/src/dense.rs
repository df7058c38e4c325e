//! The fully connected layer, PyTorch's `nn.Linear` layout: weight `[out, in]`, bias `[out]`.
//!
//! [`Dense`] holds the parameters as candle tensors (what checkpoints save); `forward`,
//! `backward_input` and `backward_params` below are the layer's math on row-major slices, the
//! only definition of it, which the engine runs for training, gradient checks and inference.

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::linalg::{matmul, rows_axpy, rows_dot, View};
use crate::real::Real;
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
}

/// Forward: z = x·Wᵀ + b for `rows` rows.
///
/// # Shapes
/// `x` `[rows, inputs]`, `w` `[outputs, inputs]`, `b` `[outputs]`, `z` `[rows, outputs]`.
pub(crate) fn forward<T: Real>(x: &[T], w: &[T], b: Option<&[T]>, inputs: usize, z: &mut [T]) {
    let outputs = w.len() / inputs.max(1);
    let rows = x.len() / inputs.max(1);
    if outputs == 1 {
        // A single output (logistic regression's case): a dot product per row beats gemm's
        // matrix-vector path on 455×30 (14.4 → 9.2 µs per step, measured).
        rows_dot(x, w, b.map_or(T::ZERO, |b| b[0]), z);
        return;
    }
    if let Some(b) = b {
        for row in z.chunks_exact_mut(outputs) {
            row.copy_from_slice(b);
        }
    }
    matmul(
        z,
        View::new(x, rows, inputs),
        View::new(w, outputs, inputs).t(),
        b.is_some(),
    );
}

/// Backward to the input: dX = dZ·W (chain rule through z = x·Wᵀ + b).
///
/// # Shapes
/// `dz` `[rows, outputs]`, `w` `[outputs, inputs]`, `dx` `[rows, inputs]`.
pub(crate) fn backward_input<T: Real>(dz: &[T], w: &[T], inputs: usize, dx: &mut [T]) {
    let outputs = w.len() / inputs.max(1);
    let rows = dz.len() / outputs.max(1);
    matmul(
        dx,
        View::new(dz, rows, outputs),
        View::new(w, outputs, inputs),
        false,
    );
}

/// Backward to the parameters, for the block of output units `j0..j0 + dw.len() / inputs`:
/// dW = dZᵀ·X and db = Σ_rows dZ over every row of the batch.
///
/// # Shapes
/// `x` `[rows, inputs]`, `dz` `[rows, outputs]`; `dw` `[block, inputs]`, `db` `[block]`.
pub(crate) fn backward_params<T: Real>(
    x: &[T],
    dz: &[T],
    inputs: usize,
    outputs: usize,
    j0: usize,
    dw: &mut [T],
    db: Option<&mut [T]>,
) {
    let rows = x.len() / inputs.max(1);
    let block = dw.len() / inputs.max(1);
    if outputs == 1 {
        // A single output: dW = Σ_r dz_r·x_r, a matrix-vector product.
        dw.fill(T::ZERO);
        rows_axpy(dz, x, dw);
    } else {
        let dzv = View {
            data: &dz[j0..],
            rows,
            cols: block,
            row_stride: outputs,
            col_stride: 1,
        };
        matmul(dw, dzv.t(), View::new(x, rows, inputs), false);
    }
    if let Some(db) = db {
        if outputs == 1 {
            db[0] = dz.iter().copied().sum();
            return;
        }
        db.fill(T::ZERO);
        for row in dz.chunks_exact(outputs) {
            for (g, &v) in db.iter_mut().zip(&row[j0..j0 + block]) {
                *g += v;
            }
        }
    }
}
