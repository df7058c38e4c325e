//! Piecewise-linear encoding of a numeric column over quantile bins (Gorishniy et al. 2022, "On
//! Embeddings for Numerical Features in Tabular Deep Learning"): besides its value, a column
//! gives one input per bin of its training values,
//!
//! ```text
//!   e_t(x) = (x − b_{t−1}) / (b_t − b_{t−1}),  clipped to [0, 1]
//! ```
//!
//! for the edges b_0 < b_1 < … < b_T (the training values' quantiles at 0, 1/T, …, 1). A row's
//! encoding is 1 for every bin below its value, its position within its own bin, and 0 above: a
//! step-like function of the value that a network reads as easily as a tree reads a split. The
//! edges are learned from the training rows and saved with the preprocessing.
//!
//! Every bin is clipped, the edge bins too: beyond the training range the bins stay as at its
//! ends, and only the value itself (which stays an input) carries a trend further. Edge bins
//! left open (as in the paper) go on along a line whose slope is one over the edge bin's width,
//! which made a table split by education (SLID, its test rows the most educated) lose 0.20 R².
//!
//! How many bins a table gets ([`Bins`]) was measured on the fourteen tables of
//! `benches/tables.py` (see docs/tables.md).

use serde::{Deserialize, Serialize};

/// Training rows per bin of the no-spec default ([`Bins::PerRows`]).
pub const ROWS_PER_BIN: usize = 256;

/// Most bins a column gets by [`Bins::PerRows`].
pub const MAX_BINS: usize = 16;

/// Fewest bins [`Bins::PerRows`] gives: a table with fewer than `MIN_BINS · ROWS_PER_BIN`
/// training rows gets none.
pub const MIN_BINS: usize = 4;

/// How many quantile bins every numeric column is encoded with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bins {
    /// None: numeric columns are their value alone.
    #[default]
    Off,
    /// One per [`ROWS_PER_BIN`] training rows, at most [`MAX_BINS`]; none below [`MIN_BINS`].
    PerRows,
    /// This many (none when fewer than 2).
    Exactly(usize),
}

impl Bins {
    /// The number of bins for a table of `rows` training rows (0: no encoding).
    pub fn count(self, rows: usize) -> usize {
        match self {
            Bins::Off => 0,
            Bins::PerRows => match (rows / ROWS_PER_BIN).min(MAX_BINS) {
                t if t >= MIN_BINS => t,
                _ => 0,
            },
            Bins::Exactly(t) if t >= 2 => t,
            Bins::Exactly(_) => 0,
        }
    }

    /// Reads `off`, `auto` ([`Bins::PerRows`]) or a count.
    pub fn parse(text: &str) -> Result<Bins, String> {
        match text {
            "off" | "0" => Ok(Bins::Off),
            "auto" => Ok(Bins::PerRows),
            n => match n.parse::<usize>() {
                Ok(t) if (2..=1024).contains(&t) => Ok(Bins::Exactly(t)),
                _ => Err(format!(
                    "`{text}` is not a bin count; expected auto, off or a number from 2 to 1024"
                )),
            },
        }
    }
}

/// The edges of `bins` quantile bins of `sorted` (ascending, finite): the quantiles at
/// 0, 1/bins, …, 1 (interpolated linearly, as numpy's default) rounded to 32-bit floats, as the
/// inputs are, repeated edges merged. Empty for a column of one or two distinct values (the bins
/// of a binary column would be copies of it) or when fewer than two bins are left. More bins
/// than gaps between values are one per gap (the extra edges would only interpolate).
pub fn quantile_edges(sorted: &[f64], bins: usize) -> Vec<f64> {
    let distinct = sorted.windows(2).filter(|w| w[0] != w[1]).count() + 1;
    if sorted.is_empty() || bins < 2 || distinct < 3 {
        return Vec::new();
    }
    let bins = bins.min(sorted.len() - 1);
    let last = (sorted.len() - 1) as f64;
    let mut edges: Vec<f64> = (0..=bins)
        .map(|i| {
            let at = last * i as f64 / bins as f64;
            let (lo, frac) = (at.floor() as usize, at - at.floor());
            let hi = (lo + 1).min(sorted.len() - 1);
            (sorted[lo] + frac * (sorted[hi] - sorted[lo])) as f32 as f64
        })
        .collect();
    edges.dedup();
    if edges.len() < 3 {
        edges.clear();
    }
    edges
}

/// Writes the encoding of `x` over `edges` (`edges.len() − 1` values) into `out`, from `x` as a
/// 32-bit float (the model's input), so that an exported graph fed that float computes the same.
pub fn encode(x: f64, edges: &[f64], out: &mut [f32]) {
    let x = x as f32 as f64;
    let t = edges.len().saturating_sub(1);
    for (i, o) in out.iter_mut().enumerate().take(t) {
        *o = ((x - edges[i]) / (edges[i + 1] - edges[i])).clamp(0.0, 1.0) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_numpys_quantiles_merged() {
        let xs: Vec<f64> = (0..=10).map(f64::from).collect();
        assert_eq!(quantile_edges(&xs, 4), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        // A binary column gets none.
        assert!(quantile_edges(&[0.0, 0.0, 1.0, 1.0], 4).is_empty());
        // Quantiles that coincide leave one bin: none either.
        assert!(quantile_edges(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 9.0], 2).is_empty());
        // Any count, however large, gives at most one bin per gap between values.
        assert_eq!(quantile_edges(&xs, usize::MAX).len(), 11);
        // Repeated quantiles merge.
        assert_eq!(
            quantile_edges(&[1.0, 1.0, 1.0, 1.0, 2.0, 3.0], 5),
            vec![1.0, 2.0, 3.0]
        );
    }

    #[test]
    fn a_value_fills_the_bins_below_it() {
        let edges = [0.0, 1.0, 2.0, 4.0];
        let mut out = [0.0f32; 3];
        encode(1.5, &edges, &mut out);
        assert_eq!(out, [1.0, 0.5, 0.0]);
        // Beyond the range, the bins stay as at its ends.
        encode(-1.0, &edges, &mut out);
        assert_eq!(out, [0.0, 0.0, 0.0]);
        encode(6.0, &edges, &mut out);
        assert_eq!(out, [1.0, 1.0, 1.0]);
    }

    #[test]
    fn the_default_gives_one_bin_per_256_rows() {
        assert_eq!(Bins::PerRows.count(1023), 0);
        assert_eq!(Bins::PerRows.count(1024), 4);
        assert_eq!(Bins::PerRows.count(3000), 11);
        assert_eq!(Bins::PerRows.count(100_000), 16);
        assert_eq!(Bins::Exactly(1).count(100), 0);
        assert_eq!(Bins::parse("auto"), Ok(Bins::PerRows));
        assert_eq!(Bins::parse("8"), Ok(Bins::Exactly(8)));
        assert_eq!(
            Bins::parse("x").unwrap_err(),
            "`x` is not a bin count; expected auto, off or a number from 2 to 1024"
        );
    }
}
