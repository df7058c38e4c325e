//! A table made ready for training, as `deepnet train` and the library's users make it: the rows
//! that have a target, split by the [`HoldOut`] policy, and every part encoded by the
//! preprocessing fitted on the training rows alone (or a saved one, when a run is resumed).

use crate::dataset::{Dataset, Labels};
use crate::error::Result;
use crate::split::HoldOut;
use crate::table::preprocessing::{Preprocessing, TableOptions};
use crate::table::raw::RawTable;
use crate::table::targets::{PositiveRule, TargetEncoding};

/// The training, validation and test rows of a table, encoded, with what was learned.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSplits {
    /// The training rows.
    pub train: Dataset,
    /// The validation rows, when the policy holds some out.
    pub val: Option<Dataset>,
    /// The test rows, when the policy holds some out.
    pub test: Option<Dataset>,
    /// The preprocessing, fitted on the training rows (or the one given).
    pub preprocessing: Preprocessing,
    /// Warnings from fitting the preprocessing (dropped columns).
    pub fit_warnings: Vec<String>,
    /// The positive class of a binary target and how it was chosen, when it was fitted here.
    pub positive: Option<(String, PositiveRule)>,
    /// Warnings from encoding the parts (categories not seen in training).
    pub encode_warnings: Vec<String>,
}

impl TableSplits {
    /// Splits the rows `rows` of `table` (those with a target, labelled `labels`; see
    /// [`crate::table::target_rows`]) by `policy`, fits the preprocessing on the training rows
    /// (unless `saved` is given) and encodes every part.
    pub fn new(
        table: &RawTable,
        options: &TableOptions,
        rows: &[usize],
        labels: &Labels,
        policy: &HoldOut,
        saved: Option<Preprocessing>,
    ) -> Result<TableSplits> {
        let parts = policy.parts(&table.source, labels, rows.len(), false)?;
        // The parts are positions in `rows`; the table's own row indices are these.
        let positions = |idx: &[usize]| -> Vec<usize> { idx.iter().map(|&i| rows[i]).collect() };
        let (preprocessing, fit_warnings, positive) = match saved {
            Some(p) => (p, Vec::new(), None),
            None => {
                let fitted = Preprocessing::fit(table, options, &positions(&parts.train))?;
                let positive = match (&fitted.preprocessing.target, fitted.positive_rule) {
                    (
                        TargetEncoding::Classes {
                            positive: Some(p), ..
                        },
                        Some(rule),
                    ) => Some((p.clone(), rule)),
                    _ => None,
                };
                (fitted.preprocessing, fitted.warnings, positive)
            }
        };
        let mut encode_warnings = Vec::new();
        let mut encode = |idx: &[usize]| -> Result<Dataset> {
            let (ds, report) = preprocessing.dataset(table, Some(&positions(idx)))?;
            encode_warnings.extend(report.warnings());
            Ok(ds)
        };
        let train = encode(&parts.train)?;
        let val = parts.val.as_deref().map(&mut encode).transpose()?;
        let test = parts.test.as_deref().map(&mut encode).transpose()?;
        Ok(TableSplits {
            train,
            val,
            test,
            preprocessing,
            fit_warnings,
            positive,
            encode_warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{target_rows, Task};

    #[test]
    fn every_part_is_encoded_by_the_training_rows_preprocessing() {
        let mut csv = String::from("x,colour,y\n");
        for i in 0..60 {
            let colour = ["red", "green", "blue"][i % 3];
            let x = if i % 7 == 0 {
                String::new()
            } else {
                format!("{}", i as f64 * 0.5)
            };
            csv.push_str(&format!("{x},{colour},{}\n", i % 2));
        }
        let table = RawTable::parse(csv.as_bytes(), "t.csv", &Default::default()).unwrap();
        let options = TableOptions::new(Task::Classification);
        let (rows, labels) = target_rows(&table, &options).unwrap();
        let policy = HoldOut::new(3);
        let s = TableSplits::new(&table, &options, &rows, &labels, &policy, None).unwrap();
        let parts = policy.parts("t.csv", &labels, rows.len(), false).unwrap();
        let train_rows: Vec<usize> = parts.train.iter().map(|&i| rows[i]).collect();
        let fitted = Preprocessing::fit(&table, &options, &train_rows).unwrap();
        assert_eq!(s.preprocessing, fitted.preprocessing);
        let test_rows: Vec<usize> = parts.test.unwrap().iter().map(|&i| rows[i]).collect();
        let (test, _) = fitted
            .preprocessing
            .dataset(&table, Some(&test_rows))
            .unwrap();
        assert_eq!(s.test.unwrap(), test);
        assert_eq!(s.train.len() + s.val.unwrap().len(), 48);
        assert_eq!(s.positive.map(|p| p.1), Some(PositiveRule::Conventional));
    }
}
