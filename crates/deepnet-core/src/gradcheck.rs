//! Gradient checking: analytic gradients against two-sided finite differences, in f64.

use candle_core::{DType, Tensor};

use crate::error::Result;
use crate::rng::Rng;
use crate::sequential::Sequential;

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
/// ĝᵢ = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε for every parameter entry. The model is converted to f64
/// first; dropout masks are drawn from the same seed for every evaluation, so they are fixed.
/// Cost: two forward passes per parameter entry — use small models and batches.
pub fn gradcheck(
    model: &Sequential,
    x: &Tensor,
    targets: &Tensor,
    eps: f64,
) -> Result<Vec<GradCheck>> {
    let mut model = model.to_dtype(DType::F64)?;
    let x = x.to_dtype(DType::F64)?;
    let targets = if targets.dtype() == DType::U32 {
        targets.clone()
    } else {
        targets.to_dtype(DType::F64)?
    };
    let loss = model.loss();
    let eval = |m: &Sequential| -> Result<f64> {
        let trace = m.forward_train(&x, &mut Rng::new(0))?;
        loss.forward(trace.logits(), &targets)
    };
    let (_, grads, _) = model.loss_and_gradients(&x, &targets, &mut Rng::new(0))?;
    let mut out = Vec::new();
    for (name, param) in model.parameters() {
        let shape = param.shape().clone();
        let mut theta = param.flatten_all()?.to_vec1::<f64>()?;
        let analytic = grads
            .get(&name)
            .map(|g| g.flatten_all()?.to_vec1::<f64>())
            .transpose()?
            .unwrap_or_default();
        let mut numeric = Vec::with_capacity(theta.len());
        for i in 0..theta.len() {
            let orig = theta[i];
            theta[i] = orig + eps;
            model.set_parameter(&name, &Tensor::from_slice(&theta, &shape, x.device())?)?;
            let plus = eval(&model)?;
            theta[i] = orig - eps;
            model.set_parameter(&name, &Tensor::from_slice(&theta, &shape, x.device())?)?;
            let minus = eval(&model)?;
            theta[i] = orig;
            numeric.push((plus - minus) / (2.0 * eps));
        }
        model.set_parameter(&name, &param)?;
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
