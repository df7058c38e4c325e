//! Seeded train/test (or train/validation) splits, stratified by class when asked.

use deepnet_core::Rng;

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};

/// Splits `ds` into (rest, held-out) with about `fraction` of the rows held out. With `stratify`
/// and class labels, every class is split in the same proportion. Rows are shuffled with `seed`.
pub fn split(ds: &Dataset, fraction: f64, seed: u64, stratify: bool) -> Result<(Dataset, Dataset)> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(DataError::Invalid(format!(
            "split fraction must be in (0, 1), got {fraction}"
        )));
    }
    let mut rng = Rng::new(seed);
    let mut held = Vec::new();
    let mut rest = Vec::new();
    let groups: Vec<Vec<usize>> = match (&ds.labels, stratify) {
        (Labels::Classes { ids, names }, true) => {
            let mut g = vec![Vec::new(); names.len()];
            for (i, &c) in ids.iter().enumerate() {
                g[c as usize].push(i);
            }
            g
        }
        _ => vec![(0..ds.len()).collect()],
    };
    for mut g in groups {
        rng.shuffle(&mut g);
        let k = (g.len() as f64 * fraction).round() as usize;
        held.extend_from_slice(&g[..k]);
        rest.extend_from_slice(&g[k..]);
    }
    if held.is_empty() || rest.is_empty() {
        return Err(DataError::Invalid(format!(
            "{}: splitting {} rows with fraction {fraction} leaves one side empty",
            ds.name,
            ds.len()
        )));
    }
    rng.shuffle(&mut held);
    rng.shuffle(&mut rest);
    Ok((ds.subset(&rest), ds.subset(&held)))
}
