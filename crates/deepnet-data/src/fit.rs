//! Data and a model made to fit: the feature count, targets that the output can learn (classes
//! for a classifier, as many target columns as a linear output has units), the spec's `inputs`
//! taken from the data, and a fresh model carrying the data's input scaling and class names.
//! `deepnet train`, `eval`, `predict` and `gradcheck` check their data here, before anything
//! runs.

use deepnet_core::{
    DType, Device, EmbeddedColumn, InputScaling, LayerSpec, ModelSpec, Output, Sequential,
};

use crate::dataset::{numeric_names, preview, Dataset, Labels};
use crate::error::{DataError, Result};
use crate::table::Preprocessing;

/// Returns the error `DataError::Invalid` with a formatted message.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(DataError::Invalid(format!($($arg)*)))
    };
}

/// What the data are for: training asks more of them (every class of the model present, at least
/// two) than scoring a file that may hold only some classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Training: every class of the model present, at least two.
    Train,
    /// Scoring or predicting: a file may hold only some of the classes.
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

/// Sets the spec's `inputs` to `width`, the data's number of features, when the spec leaves it
/// out; when it is given and differs, the error says both numbers and, for a table, which
/// columns widened (`preprocessing`). A first embedding layer whose `columns` are left to the
/// table gets the table's embedded columns, and is removed when there are none.
pub fn fit_inputs(
    spec: &mut ModelSpec,
    width: usize,
    preprocessing: Option<&Preprocessing>,
    source: &str,
) -> Result<()> {
    if let Some(p) = preprocessing {
        embed_columns(spec, p);
    }
    if spec.inputs == 0 {
        spec.inputs = width;
        return Ok(());
    }
    if let (Some(p), true) = (preprocessing, spec.inputs != width) {
        let parts: Vec<String> = p
            .features
            .iter()
            .filter(|f| f.width() != 1)
            .map(|f| format!("`{}` → {}", f.name, f.width()))
            .collect();
        bail!(
            "the spec's `inputs` is {} but data `{source}` encodes to {width} inputs ({} feature columns{}{}); leave `inputs` out of the spec to use the encoded width",
            spec.inputs,
            p.features.len(),
            if parts.is_empty() { "" } else { "; one-hot, missing indicators and quantile bins: " },
            parts.join(", ")
        );
    }
    Ok(())
}

/// Fills a first embedding layer's empty `columns` with the inputs that `p` encodes as category
/// indices, or removes the layer when it encodes none.
fn embed_columns(spec: &mut ModelSpec, p: &Preprocessing) {
    let Some(LayerSpec::Embedding { columns, .. }) = spec.layers.first_mut() else {
        return;
    };
    if !columns.is_empty() {
        return;
    }
    let mut input = 0;
    for f in &p.features {
        if let (true, Some(categories)) = (f.is_embedded(), f.category_count()) {
            columns.push(EmbeddedColumn { input, categories });
        }
        input += f.width();
    }
    if columns.is_empty() {
        spec.layers.remove(0);
    }
}

/// A fresh model for `spec`, initialised from `seed`, with the input scaling of the training
/// rows `train` (`sum` adds partial sums over the ranks when `train` is one rank's share of a
/// data-parallel run; otherwise it does nothing) and the class names of the data.
pub fn new_model(
    spec: &ModelSpec,
    train: &Dataset,
    seed: u64,
    sum: &mut dyn FnMut(&mut [f64]) -> deepnet_core::Result<()>,
) -> Result<Sequential> {
    let mut m = Sequential::new(spec, seed, &Device::Cpu, DType::F32)?;
    let scaling = InputScaling::fit_parts(&train.features, train.width(), sum)?;
    m.set_input_scaling(Some(scaling))?;
    if train.num_classes() > 0 && spec.output != Output::Linear {
        m.set_class_names(Some(train.class_names().to_vec()))?;
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepnet_core::Mlp;

    #[test]
    fn the_errors_name_the_data_and_say_what_to_change() {
        let spec = Mlp::new(2)
            .dense(4)
            .relu()
            .dense(2)
            .softmax()
            .spec()
            .unwrap();
        let three = crate::synthetic("spirals", 30, 0).unwrap();
        assert_eq!(
            check_fits(&spec, &three, "spirals", Use::Train).unwrap_err().to_string(),
            "data `spirals` has 3 classes but the model's softmax has 2 units; set the last dense layer's `units` to 3"
        );
        let wide = Mlp::new(5).dense(2).softmax().spec().unwrap();
        assert_eq!(
            check_fits(&wide, &three, "spirals", Use::Score)
                .unwrap_err()
                .to_string(),
            "the spec's `inputs` is 5 but data `spirals` has 2 feature columns"
        );
        // Scoring a file with only some of the model's classes is fine; they are re-indexed.
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut ds = three.subset(&[0]);
        ds.labels = Labels::Classes {
            ids: vec![0],
            names: vec!["c".into()],
        };
        let aligned = align_classes(&ds, Some(&names), "f.csv").unwrap();
        assert_eq!(
            aligned.labels,
            Labels::Classes {
                ids: vec![2],
                names: names.clone()
            }
        );
        ds.labels = Labels::Classes {
            ids: vec![0],
            names: vec!["z".into()],
        };
        assert_eq!(
            align_classes(&ds, Some(&names), "f.csv")
                .unwrap_err()
                .to_string(),
            "data `f.csv` has class label `z`, which is not one of the model's classes (a, b, c)"
        );
    }
}
