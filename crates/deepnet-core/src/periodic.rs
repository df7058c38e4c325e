//! Periodic embeddings of numeric features (Gorishniy, Rubachev, Babenko 2022, "On Embeddings
//! for Numerical Features in Tabular Deep Learning", the PLR form with one linear map shared by
//! the features): every input feature x_j becomes d values
//!
//!   y_j = ReLU(W·v_j + b),   v_j = [sin(2π c_j x_j), cos(2π c_j x_j)]
//!
//! with k learned frequencies c_j per feature (drawn from N(0, σ²)), W `[d, 2k]` and b `[d]`. A
//! scalar becomes a vector that can bend sharply where the data need it, which a first dense
//! layer on the raw value cannot.
//!
//! [`Periodic`] holds the parameters as candle tensors; `forward`, `backward_input` and
//! `backward_params` below are the layer's math on row-major slices, written once and run by the
//! engine for training, gradient checks and inference.
//!
//! # Shapes
//! input `[rows, F]`; `frequency` `[F, k]`, `weight` `[d, 2k]` (the sines' columns, then the
//! cosines'), `bias` `[d]`; output `[rows, F·d]` (feature j's values at `j·d..(j + 1)·d`).

use std::f64::consts::TAU;

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::real::Real;
use crate::rng::Rng;

/// A periodic embedding layer's parameters.
#[derive(Clone, Debug)]
pub struct Periodic {
    frequency: Tensor,
    weight: Tensor,
    bias: Tensor,
}

impl Periodic {
    /// A layer from existing tensors; checks that the shapes fit.
    pub fn new(frequency: Tensor, weight: Tensor, bias: Tensor) -> Result<Self> {
        let fits = match (frequency.dims(), weight.dims(), bias.dims()) {
            ([_, k], [d, two_k], [bd]) => *two_k == 2 * k && bd == d,
            _ => false,
        };
        if !fits {
            return Err(Error::Shape(format!(
                "periodic layer needs frequency [features, k], weight [units, 2k] and bias [units], got {:?}, {:?} and {:?}",
                frequency.dims(),
                weight.dims(),
                bias.dims()
            )));
        }
        Ok(Periodic {
            frequency,
            weight,
            bias,
        })
    }

    /// A freshly initialised layer for `features` inputs: frequencies from N(0, σ²), then the
    /// linear map's weight and bias as `init` draws them for fan-in 2k.
    #[allow(clippy::too_many_arguments)]
    pub fn init(
        features: usize,
        frequencies: usize,
        units: usize,
        sigma: f64,
        init: Init,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Result<Self> {
        let c: Vec<f64> = (0..features * frequencies)
            .map(|_| sigma * rng.normal())
            .collect();
        let w = init.weights(units, 2 * frequencies, rng);
        let b = init.biases(units, 2 * frequencies, rng);
        let tensor = |v: Vec<f64>, dims: &[usize]| -> Result<Tensor> {
            Ok(Tensor::from_vec(v, dims, device)?.to_dtype(dtype)?)
        };
        Periodic::new(
            tensor(c, &[features, frequencies])?,
            tensor(w, &[units, 2 * frequencies])?,
            tensor(b, &[units])?,
        )
    }

    /// The frequencies `[F, k]`.
    pub fn frequency(&self) -> &Tensor {
        &self.frequency
    }

    /// The shared linear map's weight `[d, 2k]`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// Its bias `[d]`.
    pub fn bias(&self) -> &Tensor {
        &self.bias
    }

    /// Mutable access for optimisers and loaders, in the order frequency, weight, bias.
    pub(crate) fn params_mut(&mut self) -> [&mut Tensor; 3] {
        [&mut self.frequency, &mut self.weight, &mut self.bias]
    }
}

/// The sizes every function below needs: k frequencies, d units.
#[derive(Clone, Copy)]
pub(crate) struct Dims {
    pub k: usize,
    pub d: usize,
}

/// v = [sin 2πc·x, cos 2πc·x] (2k values) for one feature's value `x` and frequencies `c`.
#[inline]
fn periodic<T: Real>(x: T, c: &[T], v: &mut [T]) {
    let k = c.len();
    let tau = T::from_f64(TAU);
    for l in 0..k {
        let u = tau * c[l] * x;
        v[l] = u.sin();
        v[k + l] = u.cos();
    }
}

/// z = W·v + b (d values).
#[inline]
fn linear<T: Real>(v: &[T], w: &[T], b: &[T], z: &mut [T]) {
    for (m, zm) in z.iter_mut().enumerate() {
        let row = &w[m * v.len()..(m + 1) * v.len()];
        *zm = row
            .iter()
            .zip(v)
            .fold(b[m], |acc, (&wi, &vi)| wi.mul_add(vi, acc));
    }
}

/// Forward: y_j = ReLU(W·v_j + b) for every feature of every row of `x` (`[rows, F]`).
pub(crate) fn forward<T: Real>(x: &[T], c: &[T], w: &[T], b: &[T], n: Dims, y: &mut [T]) {
    let features = c.len() / n.k.max(1);
    let mut v = vec![T::ZERO; 2 * n.k];
    for (xr, yr) in x
        .chunks_exact(features)
        .zip(y.chunks_exact_mut(features * n.d))
    {
        for (j, (&xj, yj)) in xr.iter().zip(yr.chunks_exact_mut(n.d)).enumerate() {
            periodic(xj, &c[j * n.k..(j + 1) * n.k], &mut v);
            linear(&v, w, b, yj);
            yj.iter_mut().for_each(|z| *z = z.max_of(T::ZERO));
        }
    }
}

/// The chain rule back through one feature of one row, given dJ/dy `dy` (d values): the masked
/// dJ/dz into `dz`, and dJ/du for the k angles u = 2πc·x into `du`; returns nothing else, the
/// callers turn `du` into dJ/dx or dJ/dc.
#[inline]
#[allow(clippy::too_many_arguments)]
fn back<T: Real>(
    x: T,
    c: &[T],
    w: &[T],
    b: &[T],
    dy: &[T],
    v: &mut [T],
    dz: &mut [T],
    du: &mut [T],
) {
    let k = c.len();
    periodic(x, c, v);
    linear(v, w, b, dz);
    // ReLU: dJ/dz = dJ/dy where z > 0.
    for (z, &g) in dz.iter_mut().zip(dy) {
        *z = if *z > T::ZERO { g } else { T::ZERO };
    }
    // dJ/dv = Wᵀ·dz; sin′ = cos and cos′ = −sin: dJ/du_l = dv_l·cos u_l − dv_{k+l}·sin u_l.
    for l in 0..k {
        let (mut ds, mut dc) = (T::ZERO, T::ZERO);
        for (m, &g) in dz.iter().enumerate() {
            ds += w[m * 2 * k + l] * g;
            dc += w[m * 2 * k + k + l] * g;
        }
        du[l] = ds * v[k + l] - dc * v[l];
    }
}

/// Backward to the input: dJ/dx_j = Σ_l dJ/du_l · 2πc_jl.
pub(crate) fn backward_input<T: Real>(
    x: &[T],
    c: &[T],
    w: &[T],
    b: &[T],
    n: Dims,
    dy: &[T],
    dx: &mut [T],
) {
    let features = c.len() / n.k.max(1);
    let tau = T::from_f64(TAU);
    let (mut v, mut dz, mut du) = (
        vec![T::ZERO; 2 * n.k],
        vec![T::ZERO; n.d],
        vec![T::ZERO; n.k],
    );
    for ((xr, dyr), dxr) in x
        .chunks_exact(features)
        .zip(dy.chunks_exact(features * n.d))
        .zip(dx.chunks_exact_mut(features))
    {
        for j in 0..features {
            let cj = &c[j * n.k..(j + 1) * n.k];
            let dyj = &dyr[j * n.d..(j + 1) * n.d];
            back(xr[j], cj, w, b, dyj, &mut v, &mut dz, &mut du);
            dxr[j] = du
                .iter()
                .zip(cj)
                .fold(T::ZERO, |acc, (&g, &cl)| acc + g * tau * cl);
        }
    }
}

/// Backward to the parameters over every row: dJ/dW = Σ dz·vᵀ, dJ/db = Σ dz, dJ/dc_jl =
/// Σ dJ/du_l · 2πx_j (each overwritten).
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_params<T: Real>(
    x: &[T],
    c: &[T],
    w: &[T],
    b: &[T],
    n: Dims,
    dy: &[T],
    gc: &mut [T],
    gw: &mut [T],
    gb: &mut [T],
) {
    let features = c.len() / n.k.max(1);
    let tau = T::from_f64(TAU);
    gc.fill(T::ZERO);
    gw.fill(T::ZERO);
    gb.fill(T::ZERO);
    let (mut v, mut dz, mut du) = (
        vec![T::ZERO; 2 * n.k],
        vec![T::ZERO; n.d],
        vec![T::ZERO; n.k],
    );
    for (xr, dyr) in x
        .chunks_exact(features)
        .zip(dy.chunks_exact(features * n.d))
    {
        for j in 0..features {
            let cj = &c[j * n.k..(j + 1) * n.k];
            back(
                xr[j],
                cj,
                w,
                b,
                &dyr[j * n.d..(j + 1) * n.d],
                &mut v,
                &mut dz,
                &mut du,
            );
            for (m, &g) in dz.iter().enumerate() {
                gb[m] += g;
                for (gwi, &vi) in gw[m * 2 * n.k..(m + 1) * 2 * n.k].iter_mut().zip(&v) {
                    *gwi += g * vi;
                }
            }
            for (gcl, &g) in gc[j * n.k..(j + 1) * n.k].iter_mut().zip(&du) {
                *gcl += g * tau * xr[j];
            }
        }
    }
}
