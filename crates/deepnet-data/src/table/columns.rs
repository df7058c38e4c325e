//! Feature columns: what a column is (numeric or categorical), learned from the training rows,
//! and how one of its cells becomes model inputs. [`FeatureColumn::encode`] is the only
//! definition of a cell's encoding; whole tables and streamed rows both go through it.

use serde::{Deserialize, Serialize};

use crate::table::bins;
use crate::table::number::parse_finite;
use crate::table::raw::RawColumn;

/// One source column used as features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// The column's name in the header.
    pub name: String,
    /// How it is encoded.
    #[serde(flatten)]
    pub kind: FeatureKind,
}

/// How a feature column becomes inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureKind {
    /// A number; a missing cell becomes `median`, and with `indicator` a second input is 1 for
    /// a missing cell and 0 otherwise (added when the training rows had missing cells). With
    /// `edges`, one input per quantile bin follows ([`crate::table::bins`]).
    Numeric {
        /// The training rows' median, used for missing cells.
        median: f64,
        /// Whether a 0/1 missing-indicator input follows the value.
        indicator: bool,
        /// The edges of the piecewise-linear encoding's bins (at least three, ascending), or
        /// none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        edges: Vec<f64>,
    },
    /// One input per category (one-hot, training vocabulary in sorted order); with
    /// `missing_category`, one more input for a missing cell (the training rows had some). A
    /// category not in the vocabulary encodes as all zeros. With `embedded`, one input instead:
    /// the category's index (the missing category's after them), read by the model's embedding
    /// layer; an unseen category is the index one past the last, which embeds as zeros.
    Categorical {
        /// The training rows' distinct values, sorted.
        categories: Vec<String>,
        /// Whether a missing cell has its own input, after the categories.
        missing_category: bool,
        /// Whether the column is one index input for an embedding layer instead of one-hot.
        #[serde(default, skip_serializing_if = "is_false")]
        embedded: bool,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What encoding a cell found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A value the column knows (or a missing cell it imputes).
    Known,
    /// A category not seen in training: encoded as all zeros.
    Unseen,
    /// A numeric column's cell that is not a finite number.
    NotANumber,
}

impl FeatureColumn {
    /// Number of inputs this column produces.
    pub fn width(&self) -> usize {
        match &self.kind {
            FeatureKind::Numeric {
                indicator, edges, ..
            } => 1 + usize::from(*indicator) + edges.len().saturating_sub(1),
            FeatureKind::Categorical { embedded: true, .. } => 1,
            FeatureKind::Categorical { .. } => self.category_count().unwrap_or(0),
        }
    }

    /// The number of quantile bins a numeric column is also encoded over, if any.
    pub fn bin_count(&self) -> Option<usize> {
        match &self.kind {
            FeatureKind::Numeric { edges, .. } if edges.len() > 1 => Some(edges.len() - 1),
            _ => None,
        }
    }

    /// Whether the column is one category-index input for an embedding layer.
    pub fn is_embedded(&self) -> bool {
        matches!(self.kind, FeatureKind::Categorical { embedded: true, .. })
    }

    /// The number of categories an embedding of this column tells apart (the vocabulary, and
    /// the missing category when it has one); `None` for a numeric column.
    pub fn category_count(&self) -> Option<usize> {
        match &self.kind {
            FeatureKind::Numeric { .. } => None,
            FeatureKind::Categorical {
                categories,
                missing_category,
                ..
            } => Some(categories.len() + usize::from(*missing_category)),
        }
    }

    /// Names of this column's inputs: `col`, `col.missing`, `col.bin1`, …; `col=value` per
    /// category and `col=<missing>`.
    pub fn input_names(&self) -> Vec<String> {
        let name = &self.name;
        match &self.kind {
            FeatureKind::Numeric {
                indicator, edges, ..
            } => {
                let mut v = vec![name.clone()];
                if *indicator {
                    v.push(format!("{name}.missing"));
                }
                v.extend((1..edges.len()).map(|t| format!("{name}.bin{t}")));
                v
            }
            FeatureKind::Categorical { embedded: true, .. } => vec![name.clone()],
            FeatureKind::Categorical {
                categories,
                missing_category,
                ..
            } => {
                let mut v: Vec<String> = categories.iter().map(|c| format!("{name}={c}")).collect();
                if *missing_category {
                    v.push(format!("{name}=<missing>"));
                }
                v
            }
        }
    }

    /// Writes the inputs of one cell (`None` when missing) into `out` (`width()` values).
    ///
    /// Numeric: `[x]`, or `[median]` when missing; with the indicator, `[x, 0]` / `[median, 1]`;
    /// then the bins of `x` (of the median when missing).
    /// Categorical: one-hot over the categories (then the missing input), all zeros when unseen;
    /// embedded: `[index]`, one past the last index when unseen.
    pub fn encode(&self, cell: Option<&str>, out: &mut [f32]) -> Cell {
        out.fill(0.0);
        let index = |i: usize, out: &mut [f32]| match &self.kind {
            FeatureKind::Categorical { embedded: true, .. } => out[0] = i as f32,
            _ => out[i] = 1.0,
        };
        let unseen = |out: &mut [f32]| {
            if let (FeatureKind::Categorical { embedded: true, .. }, Some(n)) =
                (&self.kind, self.category_count())
            {
                out[0] = n as f32;
            }
            Cell::Unseen
        };
        match (&self.kind, cell) {
            (FeatureKind::Numeric { .. }, None) => self.encode_number(None, out),
            (FeatureKind::Numeric { .. }, Some(text)) => match parse_finite(text) {
                Some(v) => self.encode_number(Some(v), out),
                None => Cell::NotANumber,
            },
            (
                FeatureKind::Categorical {
                    categories,
                    missing_category,
                    ..
                },
                None,
            ) => {
                if *missing_category {
                    index(categories.len(), out);
                    Cell::Known
                } else {
                    unseen(out)
                }
            }
            (FeatureKind::Categorical { categories, .. }, Some(text)) => {
                let key = category_key(text);
                match categories.binary_search_by(|c| c.as_str().cmp(&key)) {
                    Ok(i) => {
                        index(i, out);
                        Cell::Known
                    }
                    Err(_) => unseen(out),
                }
            }
        }
    }

    /// [`FeatureColumn::encode`] for a cell already read as a number (`None` when missing).
    #[inline]
    pub fn encode_number(&self, x: Option<f64>, out: &mut [f32]) -> Cell {
        match (&self.kind, x) {
            (
                FeatureKind::Numeric {
                    median,
                    indicator,
                    edges,
                },
                x,
            ) => {
                out.fill(0.0);
                let v = x.unwrap_or(*median);
                out[0] = v as f32;
                if *indicator && x.is_none() {
                    out[1] = 1.0;
                }
                bins::encode(v, edges, &mut out[1 + usize::from(*indicator)..]);
                Cell::Known
            }
            (FeatureKind::Categorical { .. }, x) => {
                self.encode(x.map(|v| v.to_string()).as_deref(), out)
            }
        }
    }
}

/// The category a cell names: numbers in their shortest form (`1.50` and `1.5` are one
/// category, as a column read as numbers writes it), other text as it is.
pub fn category_key(text: &str) -> std::borrow::Cow<'_, str> {
    match parse_finite(text) {
        Some(v) => std::borrow::Cow::Owned(v.to_string()),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// What the training rows say about one column.
pub(crate) struct ColumnFit {
    /// Non-missing cells among the training rows.
    pub present: usize,
    /// Missing cells among the training rows.
    pub missing: usize,
    /// The encoding learned, `None` when every training cell is missing.
    pub column: Option<FeatureColumn>,
    /// Distinct categories of a categorical column (for the category limit).
    pub distinct: usize,
}

/// Learns a column's encoding from its cells at `rows`: numeric when every non-missing value is
/// a finite number and `categorical` is false (with the edges of `bins` quantile bins, see
/// [`bins::quantile_edges`]), else categorical with the sorted vocabulary (of [`category_key`]s).
/// `numbers` holds each distinct text of a text column parsed (`None` when not a number); it is
/// empty for a column read as numbers.
pub(crate) fn fit_column(
    name: &str,
    col: &RawColumn,
    numbers: &[Option<f64>],
    rows: &[usize],
    categorical: bool,
    bins: usize,
) -> ColumnFit {
    let missing = col.missing_in(rows);
    let present = rows.len() - missing;
    let all_numbers = match col {
        RawColumn::Numbers(_) => true,
        RawColumn::Text { codes, .. } => rows.iter().all(|&r| match codes[r] {
            crate::table::raw::MISSING => true,
            c => numbers[c as usize].is_some(),
        }),
    };
    let kind = if present == 0 {
        None
    } else if all_numbers && !categorical {
        let mut xs: Vec<f64> = rows
            .iter()
            .filter_map(|&r| value(col, numbers, r))
            .collect();
        let edges = if bins >= 2 {
            xs.sort_unstable_by(f64::total_cmp);
            bins::quantile_edges(&xs, bins)
        } else {
            Vec::new()
        };
        Some(FeatureKind::Numeric {
            median: median(&mut xs),
            indicator: missing > 0,
            edges,
        })
    } else {
        let mut categories: Vec<String> = rows
            .iter()
            .filter_map(|&r| col.cell(r).map(|c| category_key(&c).into_owned()))
            .collect();
        categories.sort();
        categories.dedup();
        Some(FeatureKind::Categorical {
            categories,
            missing_category: missing > 0,
            embedded: false,
        })
    };
    let distinct = match &kind {
        Some(FeatureKind::Categorical { categories, .. }) => categories.len(),
        _ => 0,
    };
    ColumnFit {
        present,
        missing,
        column: kind.map(|kind| FeatureColumn {
            name: name.to_string(),
            kind,
        }),
        distinct,
    }
}

/// Row `r`'s number, from the parsed distinct texts of a text column.
fn value(col: &RawColumn, numbers: &[Option<f64>], r: usize) -> Option<f64> {
    match col {
        RawColumn::Numbers(v) => (!v[r].is_nan()).then_some(v[r]),
        RawColumn::Text { codes, .. } => match codes[r] {
            crate::table::raw::MISSING => None,
            c => numbers[c as usize],
        },
    }
}

/// The median of `xs` (the mean of the two middle values for an even count), as numpy's.
pub fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    // Selection, not a sort: the order statistics are the sorted array's.
    let n = xs.len();
    let (below, mid, _) = xs.select_nth_unstable_by(n / 2, f64::total_cmp);
    let mid = *mid;
    if n % 2 == 1 {
        mid
    } else {
        // The largest value below the middle one is the other middle value.
        let low = below.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
        (low + mid) / 2.0
    }
}
