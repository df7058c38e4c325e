//! CSV tables in the commands: the dialect flags, the checkpoint's preprocessing (the library's
//! `saved_preprocessing`, `plain_preprocessing`), and the `key: value` lines of regression
//! scores.

use std::path::Path;

use anyhow::Result;
use deepnet::data::table::{parse_delimiter, Dialect};
pub use deepnet::data::table::{plain_preprocessing, saved_preprocessing};
use deepnet::data::SOURCES;
use deepnet::TargetScores;

/// Whether `--data` names a CSV file rather than a built-in source or an IDX directory.
pub fn is_table(source: &str) -> bool {
    !SOURCES.contains(&source) && Path::new(source).is_file()
}

/// The dialect from `--delimiter` and `--na-values` over `base`.
pub fn dialect(delimiter: Option<&str>, na_values: Option<&str>, base: Dialect) -> Result<Dialect> {
    let mut d = base;
    if let Some(text) = delimiter {
        d.delimiter = Some(parse_delimiter(text).map_err(|e| anyhow::anyhow!("--delimiter: {e}"))?);
    }
    if let Some(list) = na_values {
        d.na_values = list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    Ok(d)
}

/// The `rmse`, `mae` and `r2` lines (one target) or per-target figures and their mean `r2`
/// (several), with `prefix` (`test_` or nothing), as (key, value).
pub fn regression_lines(
    prefix: &str,
    names: &[String],
    scores: &[TargetScores],
) -> Vec<(String, String)> {
    if let [s] = scores {
        return vec![
            (format!("{prefix}rmse"), fmt(s.rmse)),
            (format!("{prefix}mae"), fmt(s.mae)),
            (format!("{prefix}r2"), format!("{:.4}", s.r2)),
        ];
    }
    let mut lines = Vec::new();
    for (name, s) in names.iter().zip(scores) {
        lines.push((format!("{prefix}r2_{name}"), format!("{:.4}", s.r2)));
        lines.push((format!("{prefix}rmse_{name}"), fmt(s.rmse)));
        lines.push((format!("{prefix}mae_{name}"), fmt(s.mae)));
    }
    let mean = scores.iter().map(|s| s.r2).sum::<f64>() / scores.len().max(1) as f64;
    lines.push((format!("{prefix}r2"), format!("{mean:.4}")));
    lines
}

fn fmt(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}
