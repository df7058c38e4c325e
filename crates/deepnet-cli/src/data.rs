//! Datasets as the trainer's tensors.

use anyhow::Result;
use deepnet::data::Dataset;
use deepnet::{Device, ModelSpec, TrainData};

/// The rows of `ds` as the trainer's tensors for `spec`'s output.
pub fn tensors(ds: &Dataset, spec: &ModelSpec) -> Result<TrainData> {
    Ok(ds.train_data(spec.output, &Device::Cpu)?)
}

/// [`tensors`] that moves the features into the tensor instead of copying them.
pub fn into_tensors(ds: Dataset, spec: &ModelSpec) -> Result<TrainData> {
    Ok(ds.into_train_data(spec.output, &Device::Cpu)?)
}
