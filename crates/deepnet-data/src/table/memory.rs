//! Tables given in memory — a DataFrame's or an array's columns — read by the same rules as a
//! CSV file: a column of texts stays numbers while every present cell is one, missing cells are
//! `None` (texts) or NaN (numbers). Errors name the column and the 1-based row.

use crate::error::{DataError, Result};
use crate::table::number::in_f32_range;
use crate::table::raw::{RawColumn, RawTable, Reading};

/// One column given in memory.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Numbers; NaN is a missing cell. Infinite values and values beyond the f32 range are
    /// refused.
    Numbers(Vec<f64>),
    /// Texts (strings, categories, booleans written as text); `None` is a missing cell. Texts
    /// that are all numbers make a numeric column, as in a CSV file.
    Text(Vec<Option<String>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Numbers(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }
}

impl RawTable {
    /// A table from named columns of equal length; `source` names it in errors (whose "line" is
    /// the 1-based row).
    pub fn from_columns(source: &str, columns: Vec<(String, Column)>) -> Result<RawTable> {
        let empty = |msg: String| DataError::Empty {
            path: source.to_string(),
            msg,
        };
        let Some(rows) = columns.first().map(|(_, c)| c.len()) else {
            return Err(empty("the table has no columns".into()));
        };
        if rows == 0 {
            return Err(empty("the table has no rows".into()));
        }
        let mut header = Vec::with_capacity(columns.len());
        let mut read = Vec::with_capacity(columns.len());
        for (name, column) in columns {
            if header.contains(&name) {
                return Err(empty(format!("column `{name}` is given twice")));
            }
            if column.len() != rows {
                return Err(empty(format!(
                    "column `{name}` has {} rows but column `{}` has {rows}",
                    column.len(),
                    header.first().map_or(&name, |h: &String| h),
                )));
            }
            read.push(match column {
                Column::Numbers(values) => {
                    if let Some(r) = values.iter().position(|v| !v.is_nan() && !in_f32_range(*v)) {
                        let v = values[r];
                        return Err(DataError::Value {
                            path: source.to_string(),
                            line: r as u64 + 1,
                            column: name,
                            msg: if v.is_finite() {
                                format!("`{v}` is beyond the range of 32-bit floats; values must be finite numbers")
                            } else {
                                format!("`{v}` is not a finite number; values must be finite numbers")
                            },
                        });
                    }
                    RawColumn::Numbers(values)
                }
                Column::Text(cells) => {
                    let mut reading = Reading::new();
                    for cell in &cells {
                        reading.push(cell.as_deref());
                    }
                    reading.finish()
                }
            });
            header.push(name);
        }
        Ok(RawTable {
            source: source.to_string(),
            header,
            columns: read,
            lines: (1..=rows as u64).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{whole_table, Dialect, TableOptions, Task};

    fn text(cells: &[Option<&str>]) -> Column {
        Column::Text(cells.iter().map(|c| c.map(String::from)).collect())
    }

    #[test]
    fn columns_in_memory_read_as_the_same_csv_does() {
        let csv = "x,colour,code,y\n1.5,red,1,yes\n,blue,2,no\n2.5,red,3,no\n0.5,,4,yes\n";
        let from_csv = RawTable::parse(csv.as_bytes(), "t", &Dialect::default()).unwrap();
        let nan = f64::NAN;
        let from_memory = RawTable::from_columns(
            "t",
            vec![
                ("x".into(), Column::Numbers(vec![1.5, nan, 2.5, 0.5])),
                (
                    "colour".into(),
                    text(&[Some("red"), Some("blue"), Some("red"), None]),
                ),
                (
                    "code".into(),
                    text(&[Some("1"), Some("2"), Some("3"), Some("4")]),
                ),
                (
                    "y".into(),
                    text(&[Some("yes"), Some("no"), Some("no"), Some("yes")]),
                ),
            ],
        )
        .unwrap();
        // Text cells that are all numbers make a numeric column, as in the file.
        assert!(matches!(from_memory.columns[2], RawColumn::Numbers(_)));
        let options = TableOptions::new(Task::Classification);
        let (a, fa) = whole_table(&from_csv, &options).unwrap();
        let (b, fb) = whole_table(&from_memory, &options).unwrap();
        assert_eq!(a.features, b.features);
        assert_eq!(a.labels, b.labels);
        assert_eq!(fa.preprocessing, fb.preprocessing);
    }

    #[test]
    fn bad_columns_are_errors_that_name_them() {
        let err = |cols: Vec<(String, Column)>| {
            RawTable::from_columns("df", cols).unwrap_err().to_string()
        };
        assert_eq!(err(vec![]), "df: the table has no columns");
        assert_eq!(
            err(vec![("a".into(), Column::Numbers(vec![]))]),
            "df: the table has no rows"
        );
        assert_eq!(
            err(vec![
                ("a".into(), Column::Numbers(vec![1.0, 2.0])),
                ("b".into(), Column::Numbers(vec![1.0])),
            ]),
            "df: column `b` has 1 rows but column `a` has 2"
        );
        assert_eq!(
            err(vec![
                ("a".into(), Column::Numbers(vec![1.0])),
                ("a".into(), Column::Numbers(vec![1.0])),
            ]),
            "df: column `a` is given twice"
        );
        assert_eq!(
            err(vec![(
                "a".into(),
                Column::Numbers(vec![1.0, f64::INFINITY])
            )]),
            "df:2: column `a`: `inf` is not a finite number; values must be finite numbers"
        );
    }
}
