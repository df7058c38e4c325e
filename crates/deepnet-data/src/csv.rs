//! Numeric CSV tables with a header: numeric feature columns and one target column, read
//! strictly (every cell a finite number). Tables with string categories, missing cells or several
//! targets go through [`crate::table`].
//!
//! The delimiter is detected from the header line: comma, semicolon, tab or pipe. Targets that
//! are all whole numbers (`3`, or `3.0` as pandas writes integer columns that had missing values)
//! or all strings become classes (sorted unique values mapped to indices 0..k, the names kept);
//! other numeric targets become regression values.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};
use crate::table::{whole_number, Dialect, RawTable};

/// Loads a CSV file; `target` names the label column (default: the last).
pub fn load_csv(path: impl AsRef<Path>, target: Option<&str>) -> Result<Dataset> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|cause| DataError::Io {
        path: path.to_path_buf(),
        cause,
    })?;
    let mut ds = parse_csv(file, &path.display().to_string(), target)?;
    ds.name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| ds.name.clone());
    Ok(ds)
}

/// Parses CSV text from `reader`; `source` names it in errors. The text is read by
/// [`RawTable::parse`] with no NA tokens, so an empty cell is the only missing one, and refused.
pub fn parse_csv(reader: impl Read, source: &str, target: Option<&str>) -> Result<Dataset> {
    let strict = Dialect {
        delimiter: None,
        na_values: Vec::new(),
    };
    let table = RawTable::parse(reader, source, &strict)?;
    let header = &table.header;
    if header.len() < 2 {
        return Err(DataError::Empty {
            path: source.to_string(),
            msg: format!(
                "the header has 1 column (`{}`); expected feature columns and a target column",
                header[0]
            ),
        });
    }
    let target_col = match target {
        None => header.len() - 1,
        Some(t) => header
            .iter()
            .position(|h| h == t)
            .ok_or_else(|| DataError::MissingTarget {
                path: source.to_string(),
                target: t.to_string(),
                available: header.join(", "),
            })?,
    };
    let columns: Vec<usize> = (0..header.len()).filter(|&c| c != target_col).collect();
    let mut features = Vec::with_capacity(table.len() * columns.len());
    for (r, &line) in table.lines.iter().enumerate() {
        for &c in &columns {
            let cell = table.columns[c].cell(r).unwrap_or_default();
            features.push(parse_number(&cell).map_err(|msg| DataError::Value {
                path: source.to_string(),
                line,
                column: header[c].clone(),
                msg,
            })?);
        }
    }
    let raw_targets: Vec<(u64, String)> = table
        .lines
        .iter()
        .enumerate()
        .map(|(r, &line)| {
            let cell = table.columns[target_col].cell(r).unwrap_or_default();
            (line, cell.to_string())
        })
        .collect();
    let labels = parse_targets(&raw_targets, source, &header[target_col])?;
    let names = columns.iter().map(|&c| header[c].clone()).collect();
    Dataset::new(source, features, names, labels)
}

/// Parses one numeric cell; NaN and infinities are refused.
pub fn parse_number(field: &str) -> std::result::Result<f32, String> {
    match field.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(format!("`{field}` is {v}; values must be finite numbers")),
        Err(_) if field.is_empty() => Err("empty cell; expected a number".into()),
        Err(_) => Err(format!("cannot parse `{field}` as a number")),
    }
}

fn parse_targets(raw: &[(u64, String)], source: &str, column: &str) -> Result<Labels> {
    if let Some((line, _)) = raw.iter().find(|(_, v)| v.is_empty()) {
        return Err(DataError::Value {
            path: source.to_string(),
            line: *line,
            column: column.to_string(),
            msg: "empty target cell".into(),
        });
    }
    let ints: Option<Vec<i64>> = raw.iter().map(|(_, v)| whole_number(v)).collect();
    if let Some(ints) = ints {
        let unique: BTreeMap<i64, u32> = ints.iter().map(|&v| (v, 0)).collect();
        let index: BTreeMap<i64, u32> = unique
            .keys()
            .enumerate()
            .map(|(i, &v)| (v, i as u32))
            .collect();
        return Ok(Labels::Classes {
            ids: ints.iter().map(|v| index[v]).collect(),
            names: index.keys().map(|v| v.to_string()).collect(),
        });
    }
    let floats: Option<Vec<f32>> = raw.iter().map(|(_, v)| v.parse::<f32>().ok()).collect();
    if let Some(values) = floats {
        if let Some(((line, v), _)) = raw.iter().zip(&values).find(|(_, x)| !x.is_finite()) {
            return Err(DataError::Value {
                path: source.to_string(),
                line: *line,
                column: column.to_string(),
                msg: format!("`{v}` is not a finite number"),
            });
        }
        return Ok(Labels::Values {
            values,
            names: vec![column.to_string()],
        });
    }
    let index: BTreeMap<&str, u32> = raw.iter().map(|(_, v)| (v.as_str(), 0)).collect();
    let index: BTreeMap<&str, u32> = index
        .keys()
        .enumerate()
        .map(|(i, &v)| (v, i as u32))
        .collect();
    Ok(Labels::Classes {
        ids: raw.iter().map(|(_, v)| index[v.as_str()]).collect(),
        names: index.keys().map(|v| v.to_string()).collect(),
    })
}
