//! A model's outputs and its targets in the targets' own units: a regressor trained on a table
//! learns (y − mean) / scale, and every figure a user reads is turned back into y.

use deepnet_core::{
    evaluate, regression_scores, Device, Metrics, Output, Sequential, TargetScores,
};

use crate::dataset::{Dataset, Labels};
use crate::error::Result;
use crate::table::preprocessing::Preprocessing;

/// The model's outputs for `ds` and its targets, both in the targets' own units, row-major.
pub fn original_units(
    model: &Sequential,
    pre: &Preprocessing,
    ds: &Dataset,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let x = ds.features_tensor(&Device::Cpu)?;
    let z = model
        .logits(&x)?
        .flatten_all()
        .and_then(|z| z.to_vec1::<f32>())
        .map_err(deepnet_core::Error::from)?;
    let y = match &ds.labels {
        Labels::Values { values, .. } => values.clone(),
        _ => Vec::new(),
    };
    Ok((pre.target.to_original(&z), pre.target.to_original(&y)))
}

/// RMSE, MAE and R² per target in the targets' own units.
pub fn scores_in_units(
    model: &Sequential,
    pre: &Preprocessing,
    ds: &Dataset,
) -> Result<Vec<TargetScores>> {
    let (p, y) = original_units(model, pre, ds)?;
    Ok(regression_scores(&p, &y, ds.targets_per_row()))
}

/// The model's scores on `ds`: loss and accuracy, per-class and binary figures, and for a
/// regressor RMSE, MAE and R² in the targets' own units when `ds` was encoded by `pre` (the units
/// the model learned in otherwise).
pub fn scores(model: &Sequential, pre: Option<&Preprocessing>, ds: &Dataset) -> Result<Metrics> {
    let data = ds.train_data(model.spec().output, &Device::Cpu)?;
    let mut m = evaluate(model, &data.x, &data.y)?;
    if let (Some(pre), Output::Linear) = (pre, model.spec().output) {
        m.per_target = Some(scores_in_units(model, pre, ds)?);
    }
    Ok(m)
}
