//! Encoding rows one at a time, for files too large to hold: the columns are found by name in
//! the header once, then each record is encoded cell by cell through
//! [`crate::table::FeatureColumn::encode`], as whole tables are.

use crate::error::{DataError, Result};
use crate::table::columns::Cell;
use crate::table::preprocessing::{EncodeReport, MissingPolicy, Preprocessing};
use crate::table::raw::Dialect;

/// A preprocessing bound to a file's header.
pub struct RowEncoder<'a> {
    pre: &'a Preprocessing,
    dialect: Dialect,
    /// Header position of every feature column.
    positions: Vec<usize>,
    header: Vec<String>,
    source: String,
}

impl Preprocessing {
    /// Binds the feature columns to their positions in `header` (other columns are ignored);
    /// `source` names the file in errors.
    pub fn row_encoder(&self, header: &[String], source: &str) -> Result<RowEncoder<'_>> {
        let positions = self
            .features
            .iter()
            .map(|f| {
                header
                    .iter()
                    .position(|h| *h == f.name)
                    .ok_or_else(|| DataError::Column {
                        path: source.to_string(),
                        column: f.name.clone(),
                        what: "a feature of the model".into(),
                        available: header.join(", "),
                    })
            })
            .collect::<Result<_>>()?;
        Ok(RowEncoder {
            pre: self,
            dialect: self.dialect(),
            positions,
            header: header.to_vec(),
            source: source.to_string(),
        })
    }
}

impl RowEncoder<'_> {
    /// Appends the encoded inputs of one record (the file's line `line`) to `out`.
    pub fn encode(
        &self,
        record: &csv::StringRecord,
        line: u64,
        out: &mut Vec<f32>,
        report: &mut EncodeReport,
    ) -> Result<()> {
        if record.len() != self.header.len() {
            return Err(DataError::Ragged {
                path: self.source.clone(),
                line,
                expected: self.header.len(),
                found: record.len(),
            });
        }
        for (f, &p) in self.pre.features.iter().zip(&self.positions) {
            let text = &record[p];
            let cell = (!self.dialect.is_missing(text)).then_some(text);
            let err = |msg: String| DataError::Value {
                path: self.source.clone(),
                line,
                column: f.name.clone(),
                msg,
            };
            if cell.is_none() && self.pre.missing == MissingPolicy::Error {
                return Err(err(crate::table::preprocessing::MISSING_REFUSED.into()));
            }
            let start = out.len();
            out.resize(start + f.width(), 0.0);
            match f.encode(cell, &mut out[start..]) {
                Cell::Known => {}
                Cell::Unseen => *report.unseen.entry(f.name.clone()).or_default() += 1,
                Cell::NotANumber => {
                    return Err(err(crate::table::preprocessing::not_numeric(text)))
                }
            }
        }
        Ok(())
    }
}
