//! Inverted dropout: in training each unit is kept with probability 1 − rate and scaled by
//! 1 / (1 − rate), so inference is the identity.

use candle_core::Tensor;

use crate::error::Result;
use crate::rng::Rng;

/// Draws the dropout mask for `shape`: each entry 1/(1 − rate) with probability 1 − rate, else 0.
/// The mask comes from the seeded [`Rng`], so training is reproducible.
pub fn dropout_mask(x: &Tensor, rate: f64, rng: &mut Rng) -> Result<Tensor> {
    let keep = 1.0 - rate;
    let scale = (1.0 / keep) as f32;
    let mask: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.next_f64() < keep { scale } else { 0.0 })
        .collect();
    Ok(Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?)
}

/// a = x ⊙ mask.
pub fn dropout_forward(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    Ok((x * mask)?)
}

/// dX = dA ⊙ mask.
pub fn dropout_backward(da: &Tensor, mask: &Tensor) -> Result<Tensor> {
    Ok((da * mask)?)
}
