//! Gradient checking: the engine's backprop gradients against two-sided finite differences of
//! the engine's own loss, in f64 — the path `deepnet train` runs, instantiated for f64.

use candle_core::{DType, Tensor};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::model::Sequential;
use crate::rng::Rng;
use crate::targets::{target_values, with_features};

/// The check of one parameter tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// Parameter name (`"0.weight"`).
    pub name: String,
    /// ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖), 0 when both are 0.
    pub relative_difference: f64,
    /// ‖g‖ of the analytic (backprop) gradient.
    pub analytic_norm: f64,
    /// ‖ĝ‖ of the finite-difference gradient.
    pub numeric_norm: f64,
}

/// Compares backprop's gradients of the loss on (`x`, `targets`) with
/// ĝᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε for every parameter entry, both computed by the engine
/// that trains, run in f64. Dropout masks are drawn from the same seed for every evaluation, so
/// they are fixed. Cost: two forward passes per parameter entry — use small models and batches.
pub fn gradcheck(
    model: &Sequential,
    x: &Tensor,
    targets: &Tensor,
    eps: f64,
) -> Result<Vec<GradCheck>> {
    if !(eps > 0.0 && eps.is_finite()) {
        return Err(Error::Invalid(format!(
            "gradcheck step must be positive and finite, got {eps}"
        )));
    }
    let model = model.to_dtype(DType::F64)?;
    let xs = with_features(model.spec(), x, "the input", |v: &[f64]| Ok(v.to_vec()))?;
    let ys = target_values::<f64>(model.spec(), targets, xs.len() / model.spec().inputs)?;
    let mut engine = Engine::<f64>::new(&model, Some(1))?;
    let (_, grads) = engine.gradients(&xs, &ys, &mut Rng::new(0));
    let mut out = Vec::new();
    for (name, analytic) in grads {
        let mut numeric = Vec::with_capacity(analytic.len());
        for i in 0..analytic.len() {
            let mut at = |delta: f64| -> Result<f64> {
                let theta = engine
                    .parameter_mut(&name)
                    .ok_or_else(|| Error::Shape(format!("no parameter `{name}`")))?;
                let orig = theta[i];
                theta[i] = orig + delta;
                let _ = theta;
                let loss = engine.loss(&xs, &ys, &mut Rng::new(0));
                if let Some(theta) = engine.parameter_mut(&name) {
                    theta[i] = orig;
                }
                Ok(loss)
            };
            let (plus, minus) = (at(eps)?, at(-eps)?);
            numeric.push((plus - minus) / (2.0 * eps));
        }
        let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
        let diff: Vec<f64> = analytic.iter().zip(&numeric).map(|(a, b)| a - b).collect();
        let (na, nn) = (norm(&analytic), norm(&numeric));
        let relative_difference = if na + nn == 0.0 {
            0.0
        } else {
            norm(&diff) / (na + nn)
        };
        out.push(GradCheck {
            name,
            relative_difference,
            analytic_norm: na,
            numeric_norm: nn,
        });
    }
    Ok(out)
}
