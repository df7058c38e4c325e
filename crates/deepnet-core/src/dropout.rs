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

/// Fills the mask of one row: `row` (its index in the training data) of dropout op `op`, in the
/// step whose key is `key`. Each row's mask depends only on (key, op, row), never on which other
/// rows share the batch or on which worker or process computes it, so a batch split across
/// threads or data-parallel ranks drops the same units as the whole batch on one.
pub fn draw_row_mask<T: Real>(rate: f64, key: u64, op: usize, row: u32, mask: &mut [T]) {
    let id = ((op as u64) << 40) ^ row as u64;
    let mut rng = Rng::new(key ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    draw_mask(rate, &mut rng, mask);
}

/// y = x ⊙ mask (forward), and equally dX = dA ⊙ mask (backward).
pub fn apply_mask<T: Real>(x: &[T], mask: &[T], y: &mut [T]) {
    for ((o, &v), &m) in y.iter_mut().zip(x).zip(mask) {
        *o = v * m;
    }
}
