//! The preprocessing of a checkpoint: the one it carries (a model trained on a table), or for a
//! model trained on numeric data the equivalent plain one, so that every checkpoint predicts
//! from named columns the same way.

use std::collections::BTreeMap;
use std::path::Path;

use deepnet_core::checkpoint::keys;
use deepnet_core::{Output, Sequential};

use crate::error::{DataError, Result};
use crate::table::preprocessing::{MissingPolicy, Preprocessing, FORMAT};
use crate::table::raw::DEFAULT_NA_VALUES;
use crate::table::{FeatureColumn, FeatureKind, TargetEncoding};

/// The preprocessing a checkpoint carries (its metadata `meta`), when it has one.
pub fn saved_preprocessing(
    meta: &BTreeMap<String, String>,
    checkpoint: &Path,
) -> Result<Option<Preprocessing>> {
    meta.get(keys::PREPROCESSING)
        .map(|text| Preprocessing::from_json(text, &format!("checkpoint {}", checkpoint.display())))
        .transpose()
}

/// For a checkpoint without preprocessing (trained on a built-in source or a numeric table),
/// the equivalent plain one: every input a numeric column named as in `deepnet.features` (or
/// `header`'s first columns), missing cells refused, the target `header`'s last column. `input`
/// names what `header` comes from, for the error when it is too short.
pub fn plain_preprocessing(
    model: &Sequential,
    meta: &BTreeMap<String, String>,
    checkpoint: &Path,
    header: &[String],
    input: &str,
) -> Result<Preprocessing> {
    let inputs = model.spec().inputs;
    let names: Vec<String> = match meta.get(keys::FEATURES) {
        Some(text) => serde_json::from_str(text).map_err(|_| {
            DataError::Invalid(format!(
                "checkpoint {}: `{}` is not a JSON list",
                checkpoint.display(),
                keys::FEATURES
            ))
        })?,
        None if header.len() >= inputs => header[..inputs].to_vec(),
        None => {
            return Err(DataError::Invalid(format!(
                "{input}: the checkpoint does not name its features, so the file needs at least {inputs} columns; it has {}",
                header.len()
            )))
        }
    };
    let spec = model.spec();
    let target = match spec.output {
        Output::Linear => TargetEncoding::Values {
            mean: vec![0.0; spec.output_units()],
            scale: vec![1.0; spec.output_units()],
            bounds: None,
        },
        _ => TargetEncoding::Classes {
            names: model
                .class_names()
                .map(<[String]>::to_vec)
                .unwrap_or_else(|| {
                    let k = spec.output_units().max(2);
                    (0..k).map(|i| i.to_string()).collect()
                }),
            positive: None,
        },
    };
    let targets = match spec.output {
        Output::Linear if spec.output_units() > 1 => (0..spec.output_units())
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
                    edges: Vec::new(),
                },
            })
            .collect(),
        ignored: Vec::new(),
        dropped: Vec::new(),
        targets,
        target,
    })
}
