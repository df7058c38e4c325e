//! The training set as the trainer takes it: features and targets as candle tensors.

use candle_core::Tensor;

use crate::error::{Error, Result};

/// Features `[n, d]` and targets in the loss's form (see [`crate::Loss`]).
#[derive(Clone, Debug)]
pub struct TrainData {
    /// Features `[n, d]`.
    pub x: Tensor,
    /// Targets: f32 `[n, 1]` (sigmoid), u32 `[n]` (softmax) or f32 `[n, k]` (linear).
    pub y: Tensor,
}

impl TrainData {
    /// Pairs features and targets, checking they have the same number of rows.
    pub fn new(x: Tensor, y: Tensor) -> Result<Self> {
        let n = x.dims().first().copied().unwrap_or(0);
        if n == 0 {
            return Err(Error::Empty("the training data has no rows".into()));
        }
        if y.dims().first() != Some(&n) {
            return Err(Error::Shape(format!(
                "features have {n} rows but targets have shape {:?}",
                y.dims()
            )));
        }
        Ok(TrainData { x, y })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.dims().first().copied().unwrap_or(0)
    }

    /// Always false: [`TrainData::new`] refuses empty data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
