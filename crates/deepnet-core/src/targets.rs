//! Validation of training and evaluation data against a model, done once before the engine
//! runs: shapes, dtypes, finite values and label ranges. Every error names what is wrong and where.

use candle_core::Tensor;

use crate::embedding::check_indices;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::real::{with_values, Real};
use crate::spec::ModelSpec;

/// Runs `f` on the features `x` as flat values after checking they are `[n, inputs]` with
/// `n > 0`, finite and, for an embedding layer's inputs, category indices (borrowed when possible, see [`with_values`]). `what` names them in errors
/// ("the input", "the training data").
pub(crate) fn with_features<T: Real, R>(
    spec: &ModelSpec,
    x: &Tensor,
    what: &str,
    f: impl FnOnce(&[T]) -> Result<R>,
) -> Result<R> {
    check_feature_shape(spec, x.dims(), what)?;
    with_values(x, |values: &[T]| {
        check_values(values, spec, what)?;
        f(values)
    })
}

/// Like [`with_features`], but the finiteness of the values is tested by the engine as it gathers
/// each batch of rows (while they are in cache) instead of in a pass of its own over the whole
/// input: `f` returns `Ok(None)` when the engine met a non-finite value or an invalid category index, and the error then names
/// the first one.
pub(crate) fn with_features_gathered<T: Real, R>(
    spec: &ModelSpec,
    x: &Tensor,
    what: &str,
    f: impl FnOnce(&[T]) -> Result<Option<R>>,
) -> Result<R> {
    check_feature_shape(spec, x.dims(), what)?;
    with_values(x, |values: &[T]| match f(values)? {
        Some(r) => Ok(r),
        None => {
            check_values(values, spec, what)?;
            Err(Error::Invalid(format!(
                "{what} holds values too large for the model's input scaling (infinite once standardised)"
            )))
        }
    })
}

/// Checks that every value is finite and every input of an embedding layer a category index.
fn check_values<T: Real>(values: &[T], spec: &ModelSpec, what: &str) -> Result<()> {
    check_finite(values, spec.inputs, what)?;
    match spec.embedding_plan() {
        Some(plan) => check_indices(values, &plan, what),
        None => Ok(()),
    }
}

/// Checks that features of shape `dims` are `[n, inputs]` with `n > 0`.
fn check_feature_shape(spec: &ModelSpec, dims: &[usize], what: &str) -> Result<()> {
    let &[n, d] = dims else {
        return Err(Error::Shape(format!(
            "{what} must be [rows, {}], got {dims:?}",
            spec.inputs
        )));
    };
    if d != spec.inputs {
        return Err(Error::Shape(format!(
            "{what} has {d} features but the model expects {}",
            spec.inputs
        )));
    }
    if n == 0 {
        return Err(Error::Empty(format!("{what} has no rows")));
    }
    Ok(())
}

/// Checks that every value of row-major features with `width` columns is finite.
fn check_finite<T: Real>(values: &[T], width: usize, what: &str) -> Result<()> {
    // Whole chunks are tested without an early exit, so the test vectorises (a per-element
    // `position` took 11% of inference time on a 784-64×5-10 MLP); the position is looked for
    // only in a chunk that fails.
    const CHUNK: usize = 1024;
    let bad_chunk = values
        .chunks(CHUNK)
        .position(|c| !c.iter().fold(true, |ok, v| ok & v.is_finite()));
    let first_bad = bad_chunk.and_then(|k| {
        let start = k * CHUNK;
        values[start..]
            .iter()
            .position(|v| !v.is_finite())
            .map(|i| start + i)
    });
    match first_bad {
        Some(i) => Err(Error::Invalid(format!(
            "{what} holds a non-finite value ({:?}) at row {}, column {}",
            values[i],
            i / width.max(1),
            i % width.max(1)
        ))),
        None => Ok(()),
    }
}

/// The targets `y` for `n` rows as flat values in the loss's form (one per row for
/// classification, `k` per row for regression), after checking shape, dtype and range.
pub(crate) fn target_values<T: Real>(spec: &ModelSpec, y: &Tensor, n: usize) -> Result<Vec<T>> {
    let loss = Loss::for_output(spec.output);
    let k = spec.output_units();
    let per_row = loss.targets_per_row(k);
    let ok_shape = match y.dims() {
        [r] => *r == n && per_row == 1,
        [r, c] => *r == n && *c == per_row,
        _ => false,
    };
    if !ok_shape {
        let expected = match loss {
            Loss::CrossEntropy => format!("[{n}] class indices"),
            Loss::BinaryCrossEntropy => format!("[{n}, 1] 0/1 labels"),
            Loss::MeanSquaredError => format!("[{n}, {k}] (one column per output unit)"),
        };
        return Err(Error::Shape(format!(
            "output `{}` with {k} unit{} needs targets {expected}, got {:?}",
            spec.output.name(),
            if k == 1 { "" } else { "s" },
            y.dims()
        )));
    }
    let values = T::values(y)?;
    for (i, &v) in values.iter().enumerate() {
        let row = i / per_row;
        let f = v.to_f64();
        match loss {
            Loss::MeanSquaredError if !f.is_finite() => {
                return Err(Error::Invalid(format!(
                    "target at row {row}, column {} is {f}; regression targets must be finite",
                    i % per_row
                )))
            }
            Loss::BinaryCrossEntropy if !(0.0..=1.0).contains(&f) => {
                return Err(Error::Invalid(format!(
                    "target at row {row} is {f}; output `sigmoid` needs labels 0 or 1 (probabilities in [0, 1])"
                )))
            }
            Loss::CrossEntropy if !(f >= 0.0 && f.fract() == 0.0 && f < k as f64) => {
                return Err(Error::Invalid(format!(
                    "class label {f} at row {row} is out of range for {k} outputs (labels must be 0..{})",
                    k - 1
                )))
            }
            _ => {}
        }
    }
    Ok(values)
}

/// Checks that classification targets hold at least two classes (training only).
pub(crate) fn check_two_classes<T: Real>(spec: &ModelSpec, targets: &[T]) -> Result<()> {
    let loss = Loss::for_output(spec.output);
    if loss == Loss::MeanSquaredError || targets.is_empty() {
        return Ok(());
    }
    let first = loss.target_class(&targets[..1]);
    if targets
        .chunks_exact(1)
        .all(|y| loss.target_class(y) == first)
    {
        return Err(Error::Invalid(format!(
            "every training row has class {}; a classifier needs at least two classes",
            first.unwrap_or(0)
        )));
    }
    Ok(())
}
