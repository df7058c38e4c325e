//! Named parameter gradients, as the backward pass returns them.

use candle_core::Tensor;

use crate::real::Real;

/// dJ/dθ for every parameter tensor, named as in checkpoints (`"0.weight"`, `"0.bias"`, ...),
/// in the model's parameter order.
#[derive(Clone, Debug, Default)]
pub struct Gradients {
    entries: Vec<(String, Tensor)>,
}

impl Gradients {
    pub(crate) fn push(&mut self, name: String, grad: Tensor) {
        self.entries.push((name, grad));
    }

    /// All gradients with their parameter names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.entries.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// The gradient of the named parameter.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// Number of gradient tensors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the model has no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Σx², the squared L2 norm, with sixteen independent partial sums so the loop vectorises.
#[inline(always)]
pub(crate) fn sum_squares<T: Real>(x: &[T]) -> f64 {
    let mut acc = [T::ZERO; 16];
    let chunks = x.chunks_exact(16);
    let tail: T = chunks.remainder().iter().map(|&v| v * v).sum();
    for c in chunks {
        for k in 0..16 {
            acc[k] += c[k] * c[k];
        }
    }
    acc.iter().map(|a| a.to_f64()).sum::<f64>() + tail.to_f64()
}
