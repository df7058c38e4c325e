//! Loading datasets for the commands and fitting them to a model.

use anyhow::{bail, Result};
use deepnet::data::{numeric_names, preview, Dataset, Labels};
use deepnet::{Device, ModelSpec, Output, TrainData};

/// What the data are for: training asks more of them (every class of the model present, at least
/// two) than scoring a file that may hold only some classes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Train,
    Score,
}

/// Checks that `ds` fits `spec`: feature count, and classes for classifiers.
pub fn check_fits(spec: &ModelSpec, ds: &Dataset, source: &str, usage: Use) -> Result<()> {
    if ds.width() != spec.inputs {
        bail!(
            "the spec's `inputs` is {} but data `{source}` has {} feature columns",
            spec.inputs,
            ds.width()
        );
    }
    check_targets(spec, &ds.labels, source, usage)
}

/// Checks that the targets `labels` fit the spec's output: classes for classifiers, as many
/// target columns as linear units.
pub fn check_targets(spec: &ModelSpec, labels: &Labels, source: &str, usage: Use) -> Result<()> {
    let units = spec.output_units();
    let per_row = match labels {
        Labels::Classes { .. } => 1,
        Labels::Values { names, .. } => names.len(),
    };
    let target_names = match labels {
        Labels::Classes { .. } => "target".to_string(),
        Labels::Values { names, .. } => names.join(", "),
    };
    match (spec.output, labels) {
        (Output::Sigmoid | Output::Softmax, Labels::Classes { names, .. })
            if usage == Use::Train && names.len() < 2 =>
        {
            bail!(
                "data `{source}` has a single class ({}); a classifier needs at least two",
                preview(names)
            )
        }
        (Output::Softmax, Labels::Classes { names, .. })
            if names.len() > units || (usage == Use::Train && names.len() != units) =>
        {
            bail!(
                "data `{source}` has {} classes but the model's softmax has {units} units; set the last dense layer's `units` to {}",
                names.len(),
                names.len()
            )
        }
        (Output::Linear, Labels::Classes { names, .. }) if numeric_names(names).is_none() => bail!(
            "data `{source}` has text labels ({}) but output `linear` needs numeric targets; use `sigmoid` or `softmax`",
            preview(names)
        ),
        (Output::Linear, _) if units != per_row => {
            let t = per_row;
            bail!(
                "the model's linear output has {units} unit{} but data `{source}` has {t} target column{} ({target_names}); set the last dense layer's `units` to {t}",
                if units == 1 { "" } else { "s" },
                if t == 1 { "" } else { "s" },
            )
        }
        (Output::Sigmoid, Labels::Classes { names, .. }) if names.len() > 2 => bail!(
            "data `{source}` has {} classes but output `sigmoid` is binary; use `softmax` with {} units",
            names.len(),
            names.len()
        ),
        (Output::Sigmoid | Output::Softmax, Labels::Values { .. }) => bail!(
            "data `{source}` has a real-valued target; a classifier needs class labels (use output `linear`)"
        ),
        _ => Ok(()),
    }
}

/// Re-indexes `ds`'s class labels by the model's class names, so a file holding only some
/// classes (or listing them in another order) is scored correctly.
pub fn align_classes(
    ds: &Dataset,
    model_classes: Option<&[String]>,
    source: &str,
) -> Result<Dataset> {
    let (
        Some(names),
        Labels::Classes {
            ids,
            names: data_names,
        },
    ) = (model_classes, &ds.labels)
    else {
        return Ok(ds.clone());
    };
    let mut map = Vec::with_capacity(data_names.len());
    for n in data_names {
        match names.iter().position(|m| m == n) {
            Some(i) => map.push(i as u32),
            None => bail!(
                "data `{source}` has class label `{n}`, which is not one of the model's classes ({})",
                names.join(", ")
            ),
        }
    }
    let mut out = ds.clone();
    out.labels = Labels::Classes {
        ids: ids.iter().map(|&i| map[i as usize]).collect(),
        names: names.to_vec(),
    };
    Ok(out)
}

/// The rows of `ds` as the trainer's tensors for `spec`'s output.
pub fn tensors(ds: &Dataset, spec: &ModelSpec) -> Result<TrainData> {
    Ok(ds.train_data(spec.output, &Device::Cpu)?)
}

/// [`tensors`] that moves the features into the tensor instead of copying them.
pub fn into_tensors(ds: Dataset, spec: &ModelSpec) -> Result<TrainData> {
    Ok(ds.into_train_data(spec.output, &Device::Cpu)?)
}
