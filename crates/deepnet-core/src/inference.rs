//! Inference and gradients of a [`Sequential`] on candle tensors, through the engine that trains.
//! Inputs may live on any device and in any float dtype; results come back on the input's device.

use candle_core::{DType, Module, Tensor};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::gradients::Gradients;
use crate::model::Sequential;
use crate::real::Real;
use crate::rng::Rng;
use crate::spec::Output;
use crate::targets::{target_values, with_features, with_features_gathered};

impl Sequential {
    /// Inference: the logits `[batch, outputs]` (dropout off).
    pub fn logits(&self, x: &Tensor) -> Result<Tensor> {
        self.outputs(x, false)
    }

    /// Output probabilities: σ(z) `[n, 1]` for sigmoid, softmax(z) `[n, k]` for softmax; the raw
    /// outputs for a linear (regression) model.
    pub fn predict_proba(&self, x: &Tensor) -> Result<Tensor> {
        self.outputs(x, true)
    }

    /// Predicted class per row (σ(z) > 0.5, or the arg-max of the logits). Errors for a regression model.
    pub fn predict_classes(&self, x: &Tensor) -> Result<Vec<u32>> {
        if self.spec().output == Output::Linear {
            return Err(Error::Invalid(
                "a regression model (output `linear`) has no classes".into(),
            ));
        }
        let z = self.logits(x)?;
        let k = z.dims()[1];
        let zs = f64::values(&z)?;
        Ok(zs
            .chunks_exact(k)
            .filter_map(|zr| self.loss().predicted_class(zr))
            .collect())
    }

    /// The logits, or with `probabilities` what the output non-linearity makes of them, computed
    /// in the model's dtype and returned on the input's device.
    fn outputs(&self, x: &Tensor, probabilities: bool) -> Result<Tensor> {
        match self.dtype() {
            DType::F64 => self.outputs_in::<f64>(x, probabilities),
            _ => self.outputs_in::<f32>(x, probabilities),
        }
    }

    fn outputs_in<T: Real>(&self, x: &Tensor, probabilities: bool) -> Result<Tensor> {
        let mut engine = Engine::<T>::new(self, None)?;
        let k = engine.outputs();
        let mut z =
            with_features_gathered(
                self.spec(),
                x,
                "the input",
                |xs: &[T]| Ok(engine.logits(xs)),
            )?;
        if probabilities {
            let loss = self.loss();
            let mut p = vec![T::ZERO; k];
            for row in z.chunks_exact_mut(k) {
                loss.probabilities(row, &mut p);
                row.copy_from_slice(&p);
            }
        }
        let n = x.dims()[0];
        Ok(Tensor::from_vec(z, (n, k), x.device())?.to_dtype(self.dtype())?)
    }

    /// The mean loss on (`x`, `targets`) and its gradient dJ/dθ for every parameter, computed by
    /// the engine that trains (in the model's dtype, f32 or f64); dropout masks come from `rng`.
    /// `targets` are in the loss's form: 0/1 `[n, 1]` (sigmoid), class indices `[n]` (softmax)
    /// or values `[n, k]` (linear).
    pub fn gradients(
        &self,
        x: &Tensor,
        targets: &Tensor,
        rng: &mut Rng,
    ) -> Result<(f64, Gradients)> {
        match self.dtype() {
            DType::F64 => self.gradients_in::<f64>(x, targets, rng),
            _ => self.gradients_in::<f32>(x, targets, rng),
        }
    }

    fn gradients_in<T: Real>(
        &self,
        x: &Tensor,
        targets: &Tensor,
        rng: &mut Rng,
    ) -> Result<(f64, Gradients)> {
        let mut engine = Engine::<T>::new(self, Some(1))?;
        let (loss, grads) = with_features(self.spec(), x, "the input", |xs: &[T]| {
            let ys = target_values::<T>(self.spec(), targets, xs.len() / self.spec().inputs)?;
            Ok(engine.gradients(xs, &ys, rng))
        })?;
        let shapes: Vec<(String, Tensor)> = self.parameters();
        let mut out = Gradients::default();
        for ((name, g), (_, p)) in grads.into_iter().zip(shapes) {
            let t = Tensor::from_vec(g, p.dims(), p.device())?.to_dtype(self.dtype())?;
            out.push(name, t);
        }
        Ok((loss, out))
    }
}

impl Module for Sequential {
    /// The logits, as [`Sequential::logits`].
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        self.logits(xs).map_err(|e| match e {
            Error::Candle(e) => e,
            other => candle_core::Error::Msg(other.to_string()),
        })
    }
}
