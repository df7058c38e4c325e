//! Input standardisation x' = (x − mean) / scale, fitted on training data and carried by the model
//! so that predictions on raw inputs match training.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::real::Real;

/// Per-feature mean and scale (population standard deviation; 1 for a constant feature, as
/// scikit-learn's `StandardScaler`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputScaling {
    /// Mean of each feature on the training data.
    pub mean: Vec<f32>,
    /// Scale of each feature on the training data.
    pub scale: Vec<f32>,
}

impl InputScaling {
    /// Fits mean and scale to row-major `features` with `width` columns.
    pub fn fit(features: &[f32], width: usize) -> Result<Self> {
        Self::fit_parts(features, width, &mut |_| Ok(()))
    }

    /// [`InputScaling::fit`] when the rows are split across processes and `features` are this
    /// process's part: `sum` replaces each value of a buffer by its sum over all parts (an
    /// all-reduce), so every process gets the scaling of all the rows. With a `sum` that leaves
    /// the buffer as it is, this is [`InputScaling::fit`] itself.
    pub fn fit_parts(
        features: &[f32],
        width: usize,
        sum: &mut dyn FnMut(&mut [f64]) -> Result<()>,
    ) -> Result<Self> {
        if width == 0 || !features.len().is_multiple_of(width) {
            return Err(Error::Empty(format!(
                "cannot fit standardisation to {} values in rows of {width}",
                features.len()
            )));
        }
        // The sums of every feature, then the number of rows.
        let mut mean = vec![0f64; width + 1];
        for row in features.chunks_exact(width) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        mean[width] = (features.len() / width) as f64;
        sum(&mut mean)?;
        let n = mean.pop().unwrap_or(0.0);
        if n == 0.0 {
            return Err(Error::Empty(format!(
                "cannot fit standardisation to {} values in rows of {width}",
                features.len()
            )));
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0f64; width];
        for row in features.chunks_exact(width) {
            for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v as f64 - m).powi(2);
            }
        }
        sum(&mut var)?;
        let scale = var
            .iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 1e-12 && sd.is_finite() {
                    sd as f32
                } else {
                    1.0
                }
            })
            .collect();
        Ok(InputScaling {
            mean: mean.iter().map(|&m| m as f32).collect(),
            scale,
        })
    }

    /// Number of features.
    pub fn width(&self) -> usize {
        self.mean.len()
    }

    /// Checks that mean and scale fit a model with `inputs` features and are usable.
    pub fn validate(&self, inputs: usize) -> Result<()> {
        if self.mean.len() != inputs || self.scale.len() != inputs {
            return Err(Error::Shape(format!(
                "input scaling has {} means and {} scales but the model has {inputs} inputs",
                self.mean.len(),
                self.scale.len()
            )));
        }
        if self.mean.iter().any(|m| !m.is_finite())
            || self.scale.iter().any(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(Error::Invalid(
                "input scaling needs finite means and positive finite scales".into(),
            ));
        }
        Ok(())
    }

    /// The mean and 1/scale in the engine's float type.
    pub(crate) fn factors<T: Real>(&self) -> (Vec<T>, Vec<T>) {
        (
            self.mean.iter().map(|&m| T::from_f64(m as f64)).collect(),
            self.scale
                .iter()
                .map(|&s| T::from_f64(1.0 / s as f64))
                .collect(),
        )
    }
}

/// x' = (x − mean) · (1 / scale) for one row, with the factors of [`InputScaling::factors`].
#[inline]
pub(crate) fn standardise<T: Real>(x: &[T], mean: &[T], inv_scale: &[T], out: &mut [T]) {
    for (((o, &v), &m), &k) in out.iter_mut().zip(x).zip(mean).zip(inv_scale) {
        *o = (v - m) * k;
    }
}
