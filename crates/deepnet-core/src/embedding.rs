//! Embeddings of categorical columns: an input column that holds a category index i (0, 1, …)
//! becomes `units` learned values, row i of that column's table E:
//!
//!   y = E[i]    (and i = n, one past the column's n categories, gives zeros)
//!
//! Every other input passes through unchanged. A column with many categories then costs `units`
//! inputs of the next layer instead of one per category (one-hot), and categories that behave
//! alike can learn nearby rows. The table pipeline gives a category not seen in training the
//! index n, so it embeds as zeros, as its one-hot encoding is all zeros; any other value that is
//! not a whole number in 0..=n is refused ([`check_indices`]).
//!
//! [`Embedding`] holds the tables as one candle tensor; `forward` and `backward_params` below are
//! the layer's math on row-major slices, run by the engine for training, gradient checks and
//! inference. The index has no gradient, so the layer is the first of its network.
//!
//! # Shapes
//! input `[rows, F]`; `weight` `[N, d]`, the tables of the embedded columns one after the other
//! (N the sum of their categories); output `[rows, F + c·(d − 1)]` for c embedded columns, every
//! input in order: one value for a plain one, d for an embedded one.

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::real::Real;
use crate::rng::Rng;

/// An input column that holds category indices, in a spec's embedding layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedColumn {
    /// Position of the column among the inputs.
    pub input: usize,
    /// Its number of categories n: indices 0..n, and n for an unseen one.
    pub categories: usize,
}

/// An embedding layer's parameters: the stacked tables `[N, d]`.
#[derive(Clone, Debug)]
pub struct Embedding {
    weight: Tensor,
}

impl Embedding {
    /// A layer from an existing table; `rows` must be the columns' total categories.
    pub fn new(weight: Tensor, rows: usize) -> Result<Self> {
        match weight.dims() {
            [n, _] if *n == rows => Ok(Embedding { weight }),
            dims => Err(Error::Shape(format!(
                "embedding layer needs weight [{rows}, units], got {dims:?}"
            ))),
        }
    }

    /// A freshly initialised layer: every entry from N(0, 1), the scale of a standardised input.
    pub fn init(
        columns: &[EmbeddedColumn],
        units: usize,
        rng: &mut Rng,
        device: &Device,
        dtype: DType,
    ) -> Result<Self> {
        let rows = total_categories(columns);
        let w: Vec<f64> = (0..rows * units).map(|_| rng.normal()).collect();
        let weight = Tensor::from_vec(w, &[rows, units], device)?.to_dtype(dtype)?;
        Embedding::new(weight, rows)
    }

    /// The stacked tables `[N, d]`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// Mutable access for optimisers and loaders.
    pub(crate) fn weight_mut(&mut self) -> &mut Tensor {
        &mut self.weight
    }
}

/// The rows of all the columns' tables.
pub fn total_categories(columns: &[EmbeddedColumn]) -> usize {
    columns
        .iter()
        .fold(0usize, |n, c| n.saturating_add(c.categories))
}

/// What every function below needs: per input, `None` to pass it through or `Some((n, offset))`
/// for an embedded column of n categories whose table starts at row `offset`; and d.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub inputs: Vec<Option<(usize, usize)>>,
    pub units: usize,
}

impl Plan {
    /// The plan for `inputs` features with `columns` embedded in `units` values.
    pub fn new(inputs: usize, columns: &[EmbeddedColumn], units: usize) -> Self {
        let mut plan = vec![None; inputs];
        let mut offset = 0;
        for c in columns {
            if let Some(slot) = plan.get_mut(c.input) {
                *slot = Some((c.categories, offset));
            }
            offset += c.categories;
        }
        Plan {
            inputs: plan,
            units,
        }
    }

    /// Width of the output.
    pub fn out_width(&self) -> usize {
        self.inputs
            .iter()
            .map(|e| if e.is_some() { self.units } else { 1 })
            .sum()
    }
}

/// The table row of index value `v` for a column of `n` categories: `Some(Some(i))`, or
/// `Some(None)` for n (unseen: zeros); `None` when `v` is not a whole number in 0..=n.
#[inline]
pub(crate) fn row_of<T: Real>(v: T, n: usize) -> Option<Option<usize>> {
    let f = v.to_f64();
    if !(f >= 0.0 && f <= n as f64 && f.fract() == 0.0) {
        return None;
    }
    let i = f as usize;
    Some((i < n).then_some(i))
}

/// True when every embedded column of the row-major `x` holds a valid index.
pub(crate) fn indices_valid<T: Real>(x: &[T], plan: &Plan) -> bool {
    let f = plan.inputs.len().max(1);
    x.chunks_exact(f).all(|xr| {
        xr.iter()
            .zip(&plan.inputs)
            .all(|(&v, e)| e.is_none_or(|(n, _)| row_of(v, n).is_some()))
    })
}

/// Checks that every embedded column of the row-major `x` holds category indices; the error
/// names `what`, the row, the column and the value.
pub(crate) fn check_indices<T: Real>(x: &[T], plan: &Plan, what: &str) -> Result<()> {
    let f = plan.inputs.len().max(1);
    for (r, xr) in x.chunks_exact(f).enumerate() {
        for (j, (&v, e)) in xr.iter().zip(&plan.inputs).enumerate() {
            if let Some((n, _)) = e {
                if row_of(v, *n).is_none() {
                    return Err(Error::Invalid(format!(
                        "{what}: row {r}, input {j} holds {}, not a category index of its embedding (a whole number from 0 to {n}, {n} for an unseen category)",
                        v.to_f64()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Forward: every row of `x` (`[rows, F]`) into `y`, plain inputs copied and embedded ones
/// replaced by their table row (zeros for an unseen or invalid index).
pub(crate) fn forward<T: Real>(x: &[T], w: &[T], plan: &Plan, y: &mut [T]) {
    let (f, d) = (plan.inputs.len().max(1), plan.units);
    for (xr, yr) in x.chunks_exact(f).zip(y.chunks_exact_mut(plan.out_width())) {
        let mut at = 0;
        for (&v, e) in xr.iter().zip(&plan.inputs) {
            match e {
                None => {
                    yr[at] = v;
                    at += 1;
                }
                Some((n, offset)) => {
                    let out = &mut yr[at..at + d];
                    match row_of(v, *n).flatten() {
                        Some(i) => out.copy_from_slice(&w[(offset + i) * d..(offset + i + 1) * d]),
                        None => out.fill(T::ZERO),
                    }
                    at += d;
                }
            }
        }
    }
}

/// Backward to the table over every row: dJ/dE[i] = Σ of dJ/dy over the rows whose index is i
/// (overwritten); an unseen index has no row and no gradient.
pub(crate) fn backward_params<T: Real>(x: &[T], plan: &Plan, dy: &[T], gw: &mut [T]) {
    let (f, d) = (plan.inputs.len().max(1), plan.units);
    gw.fill(T::ZERO);
    for (xr, dyr) in x.chunks_exact(f).zip(dy.chunks_exact(plan.out_width())) {
        let mut at = 0;
        for (&v, e) in xr.iter().zip(&plan.inputs) {
            match e {
                None => at += 1,
                Some((n, offset)) => {
                    if let Some(i) = row_of(v, *n).flatten() {
                        let g = &mut gw[(offset + i) * d..(offset + i + 1) * d];
                        for (gk, &dk) in g.iter_mut().zip(&dyr[at..at + d]) {
                            *gk += dk;
                        }
                    }
                    at += d;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        // Inputs: plain, embedded (3 categories), plain, embedded (2 categories); d = 2.
        let cols = [
            EmbeddedColumn {
                input: 1,
                categories: 3,
            },
            EmbeddedColumn {
                input: 3,
                categories: 2,
            },
        ];
        Plan::new(4, &cols, 2)
    }

    #[test]
    fn forward_copies_plain_inputs_and_looks_up_indices_unseen_as_zeros() {
        let p = plan();
        assert_eq!(p.out_width(), 6);
        let w: Vec<f64> = (0..10).map(|v| v as f64).collect();
        let x = [0.5, 2.0, -1.0, 2.0, 7.0, 0.0, 8.0, 1.0];
        let mut y = vec![f64::NAN; 12];
        forward(&x, &w, &p, &mut y);
        assert_eq!(
            y,
            [
                0.5, 4.0, 5.0, -1.0, 0.0, 0.0, // column 1 row 2; column 3 unseen (index 2)
                7.0, 0.0, 1.0, 8.0, 8.0, 9.0 // column 1 row 0; column 3 row 1 = table row 4
            ]
        );
    }

    #[test]
    fn backward_sums_the_rows_gradients_per_category() {
        let p = plan();
        let x = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0];
        let dy: Vec<f64> = (1..=12).map(|v| v as f64).collect();
        let mut gw = vec![f64::NAN; 10];
        backward_params(&x, &p, &dy, &mut gw);
        // Column 1's category 1 got both rows' (2, 3) and (8, 9); column 3's category 0 (5, 6).
        assert_eq!(gw, [0.0, 0.0, 10.0, 12.0, 0.0, 0.0, 5.0, 6.0, 0.0, 0.0]);
    }

    #[test]
    fn only_whole_numbers_up_to_n_are_indices() {
        assert_eq!(row_of(2.0f32, 3), Some(Some(2)));
        assert_eq!(row_of(3.0f32, 3), Some(None));
        for bad in [4.0f32, -1.0, 0.5, f32::NAN, f32::INFINITY] {
            assert_eq!(row_of(bad, 3), None, "{bad}");
        }
        let err = check_indices(&[0.0f32, 1.5, 0.0, 0.0], &plan(), "the input").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument: the input: row 0, input 1 holds 1.5, not a category index of its embedding (a whole number from 0 to 3, 3 for an unseen category)"
        );
    }
}
