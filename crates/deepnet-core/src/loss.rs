//! Losses computed from logits in numerically stable form, each with its gradient dJ/dz beside
//! it, one row at a time.
//!
//! The output non-linearity (sigmoid, softmax) is folded into the loss, as PyTorch's
//! `BCEWithLogitsLoss` and `CrossEntropyLoss` do, so the gradient is the simple ŷ − y and large
//! logits never produce NaN (candle's own `binary_cross_entropy_with_logit` computes log σ(z)
//! directly and does, candle issue #2561). These row functions are the only definition of the
//! losses: the engine calls them for training, evaluation and gradient checks.

use crate::activation::{sigmoid_and_exp, Activation};
use crate::real::Real;
use crate::spec::Output;

/// A loss over a batch, averaged over its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Binary cross-entropy (log loss) on one logit per row, target 0 or 1.
    BinaryCrossEntropy,
    /// Softmax cross-entropy on k logits per row, target a class index in 0..k.
    CrossEntropy,
    /// Mean squared error on k outputs per row with k real targets, averaged over all entries.
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

    /// Target values per row: 1 (the 0/1 label or the class index) or `k` (regression).
    pub fn targets_per_row(self, k: usize) -> usize {
        match self {
            Loss::MeanSquaredError => k,
            _ => 1,
        }
    }

    /// The loss of one row with logits `z` and target(s) `y`; writes dJ/dz into `g` scaled by
    /// `inv_n` (1 / rows in the batch, so that the batch's gradient is the mean's).
    #[inline]
    pub fn row<T: Real>(self, z: &[T], y: &[T], g: &mut [T], inv_n: T) -> f64 {
        self.row_smoothed(z, y, g, inv_n, T::ZERO)
    }

    /// [`Loss::row`] with label smoothing ε (Szegedy et al. 2016): the cross-entropies are taken
    /// against the target distribution y′ = (1 − ε)·onehot(y) + ε/k over the k classes (a
    /// sigmoid's two), so the gradient is p − y′ and a confident logit is no longer pushed to
    /// infinity. ε = 0 is the plain loss; mean squared error ignores ε.
    #[inline]
    pub fn row_smoothed<T: Real>(self, z: &[T], y: &[T], g: &mut [T], inv_n: T, eps: T) -> f64 {
        match self {
            // J = max(z, 0) − z·y′ + log(1 + e^−|z|);  dJ/dz = (σ(z) − y′) / n,  y′ = (1 − ε)·y + ε/2
            Loss::BinaryCrossEntropy => {
                let (z, y) = (z[0], y[0]);
                let y = (T::ONE - eps) * y + eps * T::from_f64(0.5);
                let (p, e) = sigmoid_and_exp(z);
                let softplus = (T::ONE + e).ln();
                g[0] = (p - y) * inv_n;
                (z.max_of(T::ZERO) - z * y + softplus).to_f64()
            }
            // J = log Σ e^z − Σ_j y′_j z_j = log Σ e^z − (1 − ε)·z_y − (ε/k)·Σ_j z_j (the max
            // subtracted first);  dJ/dz = (softmax(z) − y′) / n
            Loss::CrossEntropy => {
                let label = y[0].to_f64() as usize;
                let lse = softmax(z, g);
                g.iter_mut().for_each(|p| *p *= inv_n);
                g[label] -= inv_n;
                if eps == T::ZERO {
                    return (lse - z[label]).to_f64();
                }
                let share = eps / T::from_f64(z.len() as f64);
                let mut sum = T::ZERO;
                for (gj, &zj) in g.iter_mut().zip(z) {
                    *gj -= share * inv_n;
                    sum += zj;
                }
                g[label] += eps * inv_n;
                (lse - (T::ONE - eps) * z[label] - share * sum).to_f64()
            }
            // J = Σ_j (z_j − y_j)² / k;  dJ/dz = 2(z − y) / (n·k)
            Loss::MeanSquaredError => {
                let k = T::from_f64(z.len() as f64);
                let scale = (T::ONE + T::ONE) * inv_n / k;
                let mut sum = T::ZERO;
                for ((gv, &zv), &yv) in g.iter_mut().zip(z).zip(y) {
                    sum += (zv - yv) * (zv - yv);
                    *gv = (zv - yv) * scale;
                }
                (sum / k).to_f64()
            }
        }
    }

    /// What the model outputs for one row of logits: σ(z) (sigmoid), softmax(z), or z itself.
    pub fn probabilities<T: Real>(self, z: &[T], p: &mut [T]) {
        match self {
            Loss::BinaryCrossEntropy => Activation::Sigmoid.forward(z, p),
            Loss::CrossEntropy => {
                softmax(z, p);
            }
            Loss::MeanSquaredError => p.copy_from_slice(z),
        }
    }

    /// The predicted class of one row of logits: σ(z) > 0.5 (that is z > 0), or the arg-max
    /// (the first on ties); `None` for regression.
    #[inline]
    pub fn predicted_class<T: Real>(self, z: &[T]) -> Option<u32> {
        match self {
            Loss::BinaryCrossEntropy => Some(u32::from(z[0] > T::ZERO)),
            Loss::CrossEntropy => {
                let mut best = 0;
                for (j, &v) in z.iter().enumerate() {
                    if v > z[best] {
                        best = j;
                    }
                }
                Some(best as u32)
            }
            Loss::MeanSquaredError => None,
        }
    }

    /// The true class of a row's target: y > 0.5 for 0/1 labels, the index itself for softmax.
    #[inline]
    pub fn target_class<T: Real>(self, y: &[T]) -> Option<u32> {
        match self {
            Loss::BinaryCrossEntropy => Some(u32::from(y[0] > T::from_f64(0.5))),
            Loss::CrossEntropy => Some(y[0].to_f64() as u32),
            Loss::MeanSquaredError => None,
        }
    }
}

/// Row-wise softmax of `z` into `p`, stable for large logits: e^{z − m} / Σ e^{z − m} with m the
/// row maximum. Returns log Σ e^z (the log-sum-exp).
pub fn softmax<T: Real>(z: &[T], p: &mut [T]) -> T {
    let m = z.iter().copied().fold(z[0], T::max_of);
    let mut sum = T::ZERO;
    for (pj, &v) in p.iter_mut().zip(z) {
        *pj = (v - m).exp();
        sum += *pj;
    }
    let inv = T::ONE / sum;
    p.iter_mut().for_each(|pj| *pj *= inv);
    m + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_cross_entropy_is_finite_for_huge_logits() {
        let mut g = [0f32];
        let j = Loss::BinaryCrossEntropy.row(&[1000.0f32], &[0.0], &mut g, 1.0);
        assert!(
            (j - 1000.0).abs() < 1e-3 && (g[0] - 1.0).abs() < 1e-6,
            "{j} {g:?}"
        );
        let j = Loss::BinaryCrossEntropy.row(&[-1000.0f32], &[0.0], &mut g, 1.0);
        assert!(j.abs() < 1e-6 && g[0].abs() < 1e-6, "{j} {g:?}");
    }

    #[test]
    fn label_smoothing_is_the_cross_entropy_against_the_smoothed_targets_with_its_gradient() {
        let eps = 0.1;
        for (loss, z, y) in [
            (Loss::CrossEntropy, vec![1.0f64, -2.0, 0.5, 3.0], vec![2.0]),
            (Loss::BinaryCrossEntropy, vec![1.7f64], vec![1.0]),
            (Loss::BinaryCrossEntropy, vec![-0.4f64], vec![0.0]),
        ] {
            let mut g = vec![0.0; z.len()];
            let j = loss.row_smoothed(&z, &y, &mut g, 1.0, eps);
            // −Σ y′ log p, with p and y′ written out independently.
            let want = match loss {
                Loss::CrossEntropy => {
                    let k = z.len() as f64;
                    let lse = z.iter().map(|v| v.exp()).sum::<f64>().ln();
                    (0..z.len())
                        .map(|c| {
                            let t = if c == 2 { 1.0 - eps + eps / k } else { eps / k };
                            -t * (z[c] - lse)
                        })
                        .sum::<f64>()
                }
                _ => {
                    let p = 1.0 / (1.0 + (-z[0]).exp());
                    let t = (1.0 - eps) * y[0] + eps / 2.0;
                    -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                }
            };
            assert!((j - want).abs() < 1e-12, "{loss:?}: {j} vs {want}");
            for c in 0..z.len() {
                let h = 1e-6;
                let at = |d: f64| {
                    let mut zz = z.clone();
                    zz[c] += d;
                    loss.row_smoothed(&zz, &y, &mut vec![0.0; z.len()], 1.0, eps)
                };
                let numeric = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (numeric - g[c]).abs() < 1e-8,
                    "{loss:?} dz{c}: {numeric} vs {}",
                    g[c]
                );
            }
        }
    }

    #[test]
    fn cross_entropy_matches_a_hand_computed_value() {
        // z = [1, 2, 3], y = 2: J = log(e + e² + e³) − 3
        let z = [1.0f64, 2.0, 3.0];
        let mut g = [0.0; 3];
        let j = Loss::CrossEntropy.row(&z, &[2.0], &mut g, 1.0);
        let want = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
        assert!((j - want).abs() < 1e-12);
        assert!(g.iter().sum::<f64>().abs() < 1e-12 && g[2] < 0.0);
    }
}
