//! Inverted dropout: in training each unit is kept with probability 1 − rate and scaled by
//! 1 / (1 − rate), so inference is the identity. Forward and backward are the same product with
//! the mask: a = x ⊙ mask, dX = dA ⊙ mask.

use crate::real::Real;
use crate::rng::Rng;

/// Fills `mask` with 1/(1 − rate) (kept, probability 1 − rate) or 0 (dropped), drawing one number
/// per entry from the seeded [`Rng`] in order. A rate of 0 keeps everything and draws nothing.
pub fn draw_mask<T: Real>(rate: f64, rng: &mut Rng, mask: &mut [T]) {
    let keep = 1.0 - rate;
    let scale = T::from_f64(1.0 / keep);
    for m in mask.iter_mut() {
        *m = if rate == 0.0 || rng.next_f64() < keep {
            scale
        } else {
            T::ZERO
        };
    }
}

/// y = x ⊙ mask (forward), and equally dX = dA ⊙ mask (backward).
pub fn apply_mask<T: Real>(x: &[T], mask: &[T], y: &mut [T]) {
    for ((o, &v), &m) in y.iter_mut().zip(x).zip(mask) {
        *o = v * m;
    }
}
