//! The model file: weights named as PyTorch's `nn.Sequential` names them, plus metadata that lets
//! deepnet, numpy or PyTorch rebuild the model from the file alone.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};

use super::atomic::atomic_write;
use super::format::{parse, serialize, view_to_tensor, RawTensor, StoredFile};
use super::keys;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::model::Sequential;
use crate::scaling::InputScaling;
use crate::spec::{LayerSpec, ModelSpec};

/// Version of the checkpoint layout this deepnet writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A checkpoint as read from disk: every metadata key and every tensor.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// String metadata, sorted by key.
    pub metadata: BTreeMap<String, String>,
    /// Tensors with their names, sorted by name.
    pub tensors: Vec<(String, Tensor)>,
}

/// Writes `model` to `path` atomically. `extra` adds `deepnet.*` facts (epoch, seed, metrics).
pub fn save_model(model: &Sequential, path: &Path, extra: &BTreeMap<String, String>) -> Result<()> {
    atomic_write(path, &model_bytes(model, extra)?)
}

/// The bytes [`save_model`] writes.
pub fn model_bytes(model: &Sequential, extra: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let mut metadata = extra.clone();
    metadata.insert(keys::FORMAT.into(), "pt".into());
    metadata.insert(
        keys::SPEC.into(),
        serde_json::to_string(model.spec()).map_err(|e| Error::Spec(e.to_string()))?,
    );
    metadata.insert(keys::FORMAT_VERSION.into(), FORMAT_VERSION.to_string());
    metadata.insert(keys::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    if let Some(s) = model.input_scaling() {
        metadata.insert(
            keys::INPUT_SCALING.into(),
            serde_json::to_string(s).map_err(|e| Error::Invalid(e.to_string()))?,
        );
    }
    if let Some(c) = model.class_names() {
        metadata.insert(
            keys::CLASSES.into(),
            serde_json::to_string(c).map_err(|e| Error::Invalid(e.to_string()))?,
        );
    }
    let mut tensors = BTreeMap::new();
    for (name, t) in model.parameters() {
        tensors.insert(name, RawTensor::from_tensor(&t)?);
    }
    Ok(serialize(&tensors, &metadata))
}

/// Reads a checkpoint's metadata and F32/F64 tensors without building a model.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint> {
    let file = StoredFile::read(path)?;
    let (st, metadata) = file.parse(path)?;
    let mut names: Vec<String> = st.names().into_iter().map(String::from).collect();
    names.sort();
    let mut tensors = Vec::with_capacity(names.len());
    for name in names {
        let view = st
            .tensor(&name)
            .map_err(|e| Error::checkpoint(path, e.to_string()))?;
        let dtype = if view.dtype() == safetensors::Dtype::F64 {
            DType::F64
        } else {
            DType::F32
        };
        tensors.push((
            name.clone(),
            view_to_tensor(path, &name, &view, dtype, &Device::Cpu)?,
        ));
    }
    Ok(Checkpoint { metadata, tensors })
}

/// The spec stored in a checkpoint's metadata, after checking the format version.
pub fn spec_from_metadata(path: &Path, metadata: &BTreeMap<String, String>) -> Result<ModelSpec> {
    let err = |msg: String| Error::checkpoint(path, msg);
    let version = metadata.get(keys::FORMAT_VERSION).ok_or_else(|| {
        err(format!(
            "metadata has no `{}`; was this file written by deepnet?",
            keys::FORMAT_VERSION
        ))
    })?;
    let version: u32 = version.parse().map_err(|_| {
        err(format!(
            "`{}` is `{version}`; expected an integer",
            keys::FORMAT_VERSION
        ))
    })?;
    if version > FORMAT_VERSION {
        return Err(err(format!(
            "`{}` is {version}, newer than this deepnet reads ({FORMAT_VERSION}); upgrade deepnet",
            keys::FORMAT_VERSION
        )));
    }
    let text = metadata.get(keys::SPEC).ok_or_else(|| {
        err(format!(
            "metadata has no `{}`; the file alone cannot rebuild the model",
            keys::SPEC
        ))
    })?;
    ModelSpec::from_json(text)
        .map_err(|e| err(format!("`{}` is not a valid model spec: {e}", keys::SPEC)))
}

/// Loads a model from the file alone, on `device` in `dtype` (the file's tensors must be of that
/// dtype). Strict: a missing or unexpected tensor, a wrong shape or dtype, non-finite weights, a
/// missing or unparsable spec or a newer format version is an error naming the tensor or key.
pub fn load_model(path: &Path, device: &Device, dtype: DType) -> Result<Sequential> {
    Ok(load_model_with_metadata(path, device, dtype)?.0)
}

/// [`load_model`] that also returns every metadata key, from one read of the file.
pub fn load_model_with_metadata(
    path: &Path,
    device: &Device,
    dtype: DType,
) -> Result<(Sequential, BTreeMap<String, String>)> {
    let file = StoredFile::read(path)?;
    load_bytes(path, &file.bytes, device, dtype)
}

/// [`load_model_with_metadata`] from the file's bytes; `path` names them in errors.
pub fn load_model_bytes_with_metadata(
    path: &Path,
    bytes: &[u8],
    device: &Device,
    dtype: DType,
) -> Result<(Sequential, BTreeMap<String, String>)> {
    load_bytes(path, bytes, device, dtype)
}

/// [`load_model`] from the file's bytes; `path` names them in errors. Every tensor is checked
/// against the spec before the model is allocated.
pub fn load_model_bytes(
    path: &Path,
    bytes: &[u8],
    device: &Device,
    dtype: DType,
) -> Result<Sequential> {
    Ok(load_bytes(path, bytes, device, dtype)?.0)
}

fn load_bytes(
    path: &Path,
    bytes: &[u8],
    device: &Device,
    dtype: DType,
) -> Result<(Sequential, BTreeMap<String, String>)> {
    let (st, metadata) = parse(path, bytes)?;
    let spec = spec_from_metadata(path, &metadata)?;
    let values = checked_tensors(&spec, path, &st, device, dtype)?;
    let mut model = zeros_model(&spec, device, dtype)?;
    for (name, v) in values {
        model.set_parameter(&name, &v)?;
    }
    let err = |msg: String| Error::checkpoint(path, msg);
    if let Some(text) = metadata.get(keys::INPUT_SCALING) {
        let s: InputScaling = serde_json::from_str(text).map_err(|e| {
            err(format!(
                "`{}` is not {{\"mean\": [...], \"scale\": [...]}}: {e}",
                keys::INPUT_SCALING
            ))
        })?;
        model
            .set_input_scaling(Some(s))
            .map_err(|e| err(format!("`{}`: {e}", keys::INPUT_SCALING)))?;
    }
    if let Some(text) = metadata.get(keys::CLASSES) {
        let c: Vec<String> = serde_json::from_str(text).map_err(|e| {
            err(format!(
                "`{}` is not a JSON list of strings: {e}",
                keys::CLASSES
            ))
        })?;
        model
            .set_class_names(Some(c))
            .map_err(|e| err(format!("`{}`: {e}", keys::CLASSES)))?;
    }
    Ok((model, metadata))
}

/// Loads the weights of `path` into an already-built `model`; the file's spec must describe the
/// same layers.
pub fn load_weights(model: &mut Sequential, path: &Path) -> Result<()> {
    let file = StoredFile::read(path)?;
    let (st, metadata) = file.parse(path)?;
    if let Ok(spec) = spec_from_metadata(path, &metadata) {
        if spec.layers != model.spec().layers || spec.inputs != model.spec().inputs {
            return Err(Error::checkpoint(
                path,
                "the file's `deepnet.spec` describes different layers than the model",
            ));
        }
    }
    for (name, v) in checked_tensors(model.spec(), path, &st, model.device(), model.dtype())? {
        model.set_parameter(&name, &v)?;
    }
    Ok(())
}

/// The spec's network with all-zero weights (no random draws), its spec kept as given.
fn zeros_model(spec: &ModelSpec, device: &Device, dtype: DType) -> Result<Sequential> {
    let mut zeros = spec.clone();
    zeros.init = Init::Zeros;
    for l in &mut zeros.layers {
        if let LayerSpec::Dense { init, .. } = l {
            *init = None;
        }
    }
    let mut model = Sequential::new(&zeros, 0, device, dtype)?;
    model.replace_spec(spec.clone());
    Ok(model)
}

/// The file's tensors for the spec's parameters, after checking names, dtype, shape and
/// finiteness of every one; the error names the tensor at fault.
fn checked_tensors(
    spec: &ModelSpec,
    path: &Path,
    st: &safetensors::SafeTensors<'_>,
    device: &Device,
    dtype: DType,
) -> Result<Vec<(String, Tensor)>> {
    let expected = spec.parameter_shapes();
    let expected_names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    let mut names = st.names();
    names.sort();
    for name in names {
        if !expected_names.contains(&name) {
            return Err(Error::checkpoint(
                path,
                format!(
                    "unexpected tensor `{name}`; the spec's parameters are {}",
                    expected_names.join(", ")
                ),
            ));
        }
    }
    let mut values = Vec::with_capacity(expected.len());
    for (name, shape) in &expected {
        let view = st.tensor(name).map_err(|_| {
            Error::checkpoint(
                path,
                format!("missing tensor `{name}` (expected {dtype:?} {shape:?})"),
            )
        })?;
        if view.shape() != shape.as_slice() {
            return Err(Error::checkpoint(
                path,
                format!(
                    "tensor `{name}` has shape {:?}; expected {shape:?}",
                    view.shape()
                ),
            ));
        }
        values.push((
            name.clone(),
            view_to_tensor(path, name, &view, dtype, device)?,
        ));
    }
    Ok(values)
}

impl Sequential {
    /// Saves the model to a `.safetensors` file (see [`save_model`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_model(self, path.as_ref(), &BTreeMap::new())
    }

    /// Loads a model on the CPU in f32 from the file alone (see [`load_model`]).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        load_model(path.as_ref(), &Device::Cpu, DType::F32)
    }
}
