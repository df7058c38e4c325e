//! Target columns: class labels (with the positive class of a binary task first decided) or
//! real values (standardised for training, returned in their own units).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::table::number::parse_finite;

/// How the target column(s) map to what the model learns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetEncoding {
    /// One column of class labels; class `i` is `names[i]`. For two classes the order is
    /// `[negative, positive]`, so the sigmoid's 1 is the positive class.
    Classes {
        /// Class names in index order.
        names: Vec<String>,
        /// The positive class of a binary task.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        positive: Option<String>,
    },
    /// Real values, one per target column, learned as (y − mean) / scale.
    Values {
        /// Mean of every target on the training rows.
        mean: Vec<f64>,
        /// Scale (population standard deviation, 1 when constant) of every target.
        scale: Vec<f64>,
        /// The interval every target's prediction is kept in, `[low, high]` per target: the
        /// training rows' range widened by [`BOUNDS_MARGIN`] of it on each side, so that a row
        /// far outside the training data cannot send a prediction far outside the targets seen.
        /// Absent in checkpoints written before it existed (no bounds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bounds: Option<Vec<[f64; 2]>>,
    },
}

/// How far beyond the training targets' range a regression prediction may go, as a share of
/// that range on each side (measured on four tables split so that the test rows lie beyond the
/// training rows: R² +0.029 on diamonds, −0.001, 0 and +0.006 on the others).
pub const BOUNDS_MARGIN: f64 = 0.1;

/// The [`TargetEncoding::Values`] bounds of targets whose training values are `values`
/// (row-major, `targets` per row).
pub fn target_bounds(values: &[f32], targets: usize) -> Vec<[f64; 2]> {
    (0..targets)
        .map(|j| {
            let (lo, hi) = values
                .iter()
                .skip(j)
                .step_by(targets.max(1))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v as f64), hi.max(v as f64))
                });
            let margin = BOUNDS_MARGIN * (hi - lo);
            [lo - margin, hi + margin]
        })
        .collect()
}

/// How the positive class of a binary task was chosen, for the header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositiveRule {
    /// Given with `--positive`.
    Given,
    /// The label `1`, `true` or `yes`.
    Conventional,
    /// The less frequent class.
    Rarer,
}

/// The positive class of a binary task and how it was chosen.
pub type Positive = (String, PositiveRule);

/// The class name of a target cell: whole numbers written as floats (`3.0`, as pandas writes an
/// integer column that had missing values) name the class `3`; other cells are their own text.
pub fn class_name(cell: &str) -> String {
    match whole_number(cell) {
        Some(i) => i.to_string(),
        None => cell.to_string(),
    }
}

/// The value of a cell holding a whole number: `3`, or `3.0`.
pub fn whole_number(v: &str) -> Option<i64> {
    if let Ok(i) = v.parse::<i64>() {
        return Some(i);
    }
    let f = v.parse::<f64>().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// Class names from their row counts: sorted (numerically when every name is an integer), and
/// for two classes ordered `[negative, positive]`. The positive class is `positive` when given
/// (it must be one of the labels), else `1`, `true` or `yes` (any case) when one of the two is,
/// else the less frequent class (the later-sorted one on a tie).
pub fn class_order(
    counts: &BTreeMap<String, usize>,
    positive: Option<&str>,
) -> std::result::Result<(Vec<String>, Option<Positive>), String> {
    let mut names: Vec<String> = counts.keys().cloned().collect();
    let ints: Option<Vec<i64>> = names.iter().map(|n| n.parse::<i64>().ok()).collect();
    if let Some(ints) = ints {
        let mut pairs: Vec<(i64, String)> = ints.into_iter().zip(names).collect();
        pairs.sort();
        names = pairs.into_iter().map(|(_, n)| n).collect();
    }
    if let Some(p) = positive {
        if !names.iter().any(|n| n == p) {
            return Err(format!(
                "--positive `{p}` is not one of the target's labels ({})",
                names.join(", ")
            ));
        }
        if names.len() != 2 {
            return Err(format!(
                "--positive needs a binary target, but it has {} classes",
                names.len()
            ));
        }
    }
    if names.len() != 2 {
        return Ok((names, None));
    }
    let conventional = |n: &str| matches!(n.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
    let (pos, rule) = if let Some(p) = positive {
        (p.to_string(), PositiveRule::Given)
    } else if let Some(n) = names.iter().find(|n| conventional(n)) {
        (n.clone(), PositiveRule::Conventional)
    } else {
        let rarer = if counts[&names[0]] < counts[&names[1]] {
            &names[0]
        } else {
            &names[1]
        };
        (rarer.clone(), PositiveRule::Rarer)
    };
    let neg = names
        .iter()
        .find(|n| **n != pos)
        .cloned()
        .unwrap_or_default();
    Ok((vec![neg, pos.clone()], Some((pos, rule))))
}

impl TargetEncoding {
    /// Number of values per row the model learns: 1 for classes, the target count for values.
    pub fn per_row(&self) -> usize {
        match self {
            TargetEncoding::Classes { .. } => 1,
            TargetEncoding::Values { mean, .. } => mean.len(),
        }
    }

    /// The class index of a target cell, `None` when the label is not one of the classes.
    pub fn class_of(&self, cell: &str) -> Option<u32> {
        match self {
            TargetEncoding::Classes { names, .. } => {
                let name = class_name(cell);
                names.iter().position(|n| *n == name).map(|i| i as u32)
            }
            TargetEncoding::Values { .. } => None,
        }
    }

    /// Target `j`'s cell as the standardised value the model learns, `None` when not a number.
    pub fn standardise(&self, j: usize, cell: &str) -> Option<f32> {
        match self {
            TargetEncoding::Values { mean, scale, .. } => {
                parse_finite(cell).map(|v| ((v - mean[j]) / scale[j]) as f32)
            }
            TargetEncoding::Classes { .. } => None,
        }
    }

    /// Model outputs (row-major, `per_row()` per row) back in the targets' own units:
    /// y = z · scale + mean, kept within the bounds when there are some. Class outputs are
    /// returned unchanged.
    pub fn to_original(&self, outputs: &[f32]) -> Vec<f32> {
        match self {
            TargetEncoding::Values {
                mean,
                scale,
                bounds,
            } => outputs
                .iter()
                .enumerate()
                .map(|(i, &z)| {
                    let j = i % mean.len();
                    let y = z as f64 * scale[j] + mean[j];
                    let y = match bounds {
                        Some(b) => y.max(b[j][0]).min(b[j][1]),
                        None => y,
                    };
                    y as f32
                })
                .collect(),
            TargetEncoding::Classes { .. } => outputs.to_vec(),
        }
    }
}
