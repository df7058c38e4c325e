//! CSV tables through the checkpoint's preprocessing: the dialect flags, the preprocessing a
//! checkpoint carries (or an equivalent one for checkpoints trained on numeric data), and the
//! `key: value` lines of regression scores.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::keys;
use deepnet::data::table::{
    parse_delimiter, Dialect, FeatureColumn, FeatureKind, MissingPolicy, Preprocessing,
    TargetEncoding, DEFAULT_NA_VALUES, FORMAT,
};
use deepnet::data::SOURCES;
use deepnet::{Output, Sequential, TargetScores};

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

/// The preprocessing a checkpoint carries, when it has one.
pub fn saved_preprocessing(
    meta: &BTreeMap<String, String>,
    checkpoint: &Path,
) -> Result<Option<Preprocessing>> {
    Ok(meta
        .get(keys::PREPROCESSING)
        .map(|text| Preprocessing::from_json(text, &format!("checkpoint {}", checkpoint.display())))
        .transpose()?)
}

/// For a checkpoint without preprocessing (trained on a built-in source or a numeric table),
/// the equivalent plain one: every input a numeric column named as in `deepnet.features` (or
/// the file's first columns), missing cells refused, the target the file's last column.
pub fn plain_preprocessing(
    model: &Sequential,
    meta: &BTreeMap<String, String>,
    checkpoint: &Path,
    header: &[String],
    input: &str,
) -> Result<Preprocessing> {
    let inputs = model.spec().inputs;
    let names: Vec<String> = match meta.get(keys::FEATURES) {
        Some(text) => serde_json::from_str(text).with_context(|| {
            format!(
                "checkpoint {}: `deepnet.features` is not a JSON list",
                checkpoint.display()
            )
        })?,
        None if header.len() >= inputs => header[..inputs].to_vec(),
        None => bail!(
            "{input}: the checkpoint does not name its features, so the file needs at least {inputs} columns; it has {}",
            header.len()
        ),
    };
    let target = match model.spec().output {
        Output::Linear => TargetEncoding::Values {
            mean: vec![0.0; model.spec().output_units()],
            scale: vec![1.0; model.spec().output_units()],
        },
        _ => TargetEncoding::Classes {
            names: model
                .class_names()
                .map(<[String]>::to_vec)
                .unwrap_or_else(|| {
                    let k = model.spec().output_units().max(2);
                    (0..k).map(|i| i.to_string()).collect()
                }),
            positive: None,
        },
    };
    let targets = match model.spec().output {
        Output::Linear if model.spec().output_units() > 1 => (0..model.spec().output_units())
            .map(|i| format!("prediction_{i}"))
            .collect(),
        _ => vec![header.last().cloned().unwrap_or_default()],
    };
    Ok(Preprocessing {
        format: FORMAT,
        na_values: DEFAULT_NA_VALUES.iter().map(|s| s.to_string()).collect(),
        missing: MissingPolicy::Error,
        features: names
            .into_iter()
            .map(|name| FeatureColumn {
                name,
                kind: FeatureKind::Numeric {
                    median: 0.0,
                    indicator: false,
                },
            })
            .collect(),
        ignored: Vec::new(),
        dropped: Vec::new(),
        targets,
        target,
    })
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
