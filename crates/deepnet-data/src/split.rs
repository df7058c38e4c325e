//! Seeded train/test (or train/validation) splits, stratified by class when asked.

use deepnet_core::Rng;

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};

/// How `deepnet train` (and the library's table training) holds rows out — the one definition of
/// the policy: a stratified test split of `test` of the rows, seeded with `seed`, unless the source
/// has a test set of its own; then a stratified validation split of `val` of the rows left, seeded
/// with `seed + 1`. A fraction of 0 holds nothing out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HoldOut {
    /// Fraction of the rows held out for the final test.
    pub test: f64,
    /// Fraction of the remaining rows held out for validation (early stopping).
    pub val: f64,
    /// The run's seed.
    pub seed: u64,
}

/// The row positions of the parts [`HoldOut::parts`] makes.
#[derive(Clone, Debug, PartialEq)]
pub struct Parts {
    /// The training rows.
    pub train: Vec<usize>,
    /// The validation rows, when any are held out.
    pub val: Option<Vec<usize>>,
    /// The test rows, when any are held out.
    pub test: Option<Vec<usize>>,
}

impl HoldOut {
    /// `deepnet train`'s defaults: a test split of 0.2 and a validation split of 0.1.
    pub fn new(seed: u64) -> Self {
        HoldOut {
            test: 0.2,
            val: 0.1,
            seed,
        }
    }

    /// The parts of `n` rows labelled `labels` (of the data called `name`, for errors); no test
    /// rows when the data come with a test set of their own (`own_test`).
    pub fn parts(&self, name: &str, labels: &Labels, n: usize, own_test: bool) -> Result<Parts> {
        let all: Vec<usize> = (0..n).collect();
        let (rest, test) = if self.test > 0.0 && !own_test {
            let (rest, test) = split_rows(name, labels, n, self.test, self.seed, true)?;
            (rest, Some(test))
        } else {
            (all, None)
        };
        if self.val <= 0.0 {
            return Ok(Parts {
                train: rest,
                val: None,
                test,
            });
        }
        let seed = self.seed.wrapping_add(1);
        let (train, val) = split_rows(name, &labels.at(&rest), rest.len(), self.val, seed, true)?;
        Ok(Parts {
            train: train.iter().map(|&i| rest[i]).collect(),
            val: Some(val.iter().map(|&i| rest[i]).collect()),
            test,
        })
    }
}

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

    #[test]
    fn hold_out_is_a_test_split_then_a_validation_split_of_the_rest() {
        let ds = digits().unwrap();
        let policy = HoldOut::new(5);
        let parts = policy.parts("digits", &ds.labels, ds.len(), false).unwrap();
        // The same as splitting twice by hand: test with the seed, validation with seed + 1.
        let (rest, test) = split(&ds, 0.2, 5, true).unwrap();
        let (train, val) = split(&rest, 0.1, 6, true).unwrap();
        assert_eq!(ds.subset(parts.test.as_ref().unwrap()), test);
        assert_eq!(ds.subset(parts.val.as_ref().unwrap()), val);
        assert_eq!(ds.subset(&parts.train), train);
        // Every row in exactly one part.
        let mut all: Vec<usize> = parts.train.clone();
        all.extend(parts.val.unwrap());
        all.extend(parts.test.unwrap());
        all.sort();
        assert_eq!(all, (0..ds.len()).collect::<Vec<_>>());
        // A source with its own test set gets no test rows; a fraction of 0 holds nothing out.
        let own = policy.parts("digits", &ds.labels, ds.len(), true).unwrap();
        assert!(own.test.is_none());
        assert_eq!(own.train.len() + own.val.unwrap().len(), ds.len());
        let none = HoldOut {
            test: 0.0,
            val: 0.0,
            seed: 5,
        };
        let p = none.parts("digits", &ds.labels, ds.len(), false).unwrap();
        assert_eq!((p.train.len(), p.val, p.test), (ds.len(), None, None));
    }
}
