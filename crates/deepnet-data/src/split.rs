//! Seeded train/test (or train/validation) splits, stratified by class when asked.

use deepnet_core::Rng;

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};

/// Splits `ds` into (rest, held-out) with about `fraction` of the rows held out. With `stratify`
/// and class labels, every class is split in the same proportion. Rows are shuffled with `seed`.
pub fn split(ds: &Dataset, fraction: f64, seed: u64, stratify: bool) -> Result<(Dataset, Dataset)> {
    let (rest, held) = split_rows(&ds.name, &ds.labels, ds.len(), fraction, seed, stratify)?;
    Ok((ds.subset(&rest), ds.subset(&held)))
}

/// [`split`] of an owned dataset: the held-out rows are copied out, the rest are rearranged in
/// `ds`'s own buffer ([`Dataset::into_subset`]), so a large dataset is not held twice.
pub fn split_off(
    ds: Dataset,
    fraction: f64,
    seed: u64,
    stratify: bool,
) -> Result<(Dataset, Dataset)> {
    let (rest, held) = split_rows(&ds.name, &ds.labels, ds.len(), fraction, seed, stratify)?;
    let held = ds.subset(&held);
    Ok((ds.into_subset(&rest)?, held))
}

/// [`split_indices`] of the data named `name`, with an error that names them.
pub fn split_rows(
    name: &str,
    labels: &Labels,
    n: usize,
    fraction: f64,
    seed: u64,
    stratify: bool,
) -> Result<(Vec<usize>, Vec<usize>)> {
    split_indices(labels, n, fraction, seed, stratify)
        .map_err(|msg| DataError::Invalid(format!("{name}: {msg}")))
}

/// The row indices of [`split`]: (rest, held-out) for `n` rows labelled `labels`. The error says
/// why the split is impossible (a bad fraction, or a side left empty).
pub fn split_indices(
    labels: &Labels,
    n: usize,
    fraction: f64,
    seed: u64,
    stratify: bool,
) -> std::result::Result<(Vec<usize>, Vec<usize>), String> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(format!("split fraction must be in (0, 1), got {fraction}"));
    }
    let mut rng = Rng::new(seed);
    let mut held = Vec::new();
    let mut rest = Vec::new();
    let groups: Vec<Vec<usize>> = match (labels, stratify) {
        (Labels::Classes { ids, names }, true) => {
            let mut g = vec![Vec::new(); names.len()];
            for (i, &c) in ids.iter().enumerate().take(n) {
                g[c as usize].push(i);
            }
            g
        }
        _ => vec![(0..n).collect()],
    };
    for mut g in groups {
        rng.shuffle(&mut g);
        let k = (g.len() as f64 * fraction).round() as usize;
        held.extend_from_slice(&g[..k]);
        rest.extend_from_slice(&g[k..]);
    }
    if held.is_empty() || rest.is_empty() {
        return Err(format!(
            "splitting {n} rows with fraction {fraction} leaves one side empty"
        ));
    }
    rng.shuffle(&mut held);
    rng.shuffle(&mut rest);
    Ok((rest, held))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedded::digits;

    #[test]
    fn split_off_holds_out_the_same_rows_as_split() {
        let ds = digits().unwrap();
        for (fraction, stratify) in [(0.2, true), (0.1, false), (0.5, true)] {
            assert_eq!(
                split_off(ds.clone(), fraction, 11, stratify).unwrap(),
                split(&ds, fraction, 11, stratify).unwrap()
            );
        }
    }
}
