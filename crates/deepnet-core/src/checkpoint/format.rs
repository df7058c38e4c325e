//! The safetensors container, written by hand so the header is deterministic (sorted keys, so the
//! same model gives byte-identical files) and read through the `safetensors` crate, which
//! validates offsets, overlaps and sizes before anything is allocated.
//!
//! Layout: u64 little-endian header length N, N bytes of JSON header (padded with spaces to a
//! multiple of 8), then the tensors' little-endian bytes.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use safetensors::{Dtype, SafeTensors};
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

/// Largest checkpoint file read (16 GiB), checked before reading it.
pub const MAX_FILE_BYTES: u64 = 16 << 30;

/// Largest header accepted (the `safetensors` crate's own limit, 100 MB).
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// A tensor ready to be written: dtype name, shape and little-endian bytes.
pub(crate) struct RawTensor {
    pub dtype: &'static str,
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

impl RawTensor {
    /// From a candle tensor (F32 or F64).
    pub fn from_tensor(t: &Tensor) -> Result<Self> {
        let flat = t.flatten_all()?;
        let (dtype, bytes) = match t.dtype() {
            DType::F64 => (
                "F64",
                flat.to_vec1::<f64>()?
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            ),
            _ => (
                "F32",
                flat.to_dtype(DType::F32)?
                    .to_vec1::<f32>()?
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            ),
        };
        Ok(RawTensor {
            dtype,
            shape: t.dims().to_vec(),
            bytes,
        })
    }

    /// From u64 values (training-state counters and RNG words).
    pub fn from_u64(values: &[u64]) -> Self {
        RawTensor {
            dtype: "U64",
            shape: vec![values.len()],
            bytes: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }
}

/// Serialises tensors and string metadata into safetensors bytes, keys sorted.
pub(crate) fn serialize(
    tensors: &BTreeMap<String, RawTensor>,
    metadata: &BTreeMap<String, String>,
) -> Vec<u8> {
    let mut header = Map::new();
    if !metadata.is_empty() {
        header.insert("__metadata__".into(), json!(metadata));
    }
    let mut offset = 0usize;
    for (name, t) in tensors {
        let end = offset + t.bytes.len();
        header.insert(
            name.clone(),
            json!({"dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + text.len() + offset);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    for t in tensors.values() {
        out.extend_from_slice(&t.bytes);
    }
    out
}

/// A safetensors file read into memory.
pub(crate) struct StoredFile {
    pub bytes: Vec<u8>,
}

impl StoredFile {
    /// Reads the whole file, refusing files over [`MAX_FILE_BYTES`].
    pub fn read(path: &Path) -> Result<Self> {
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if len > MAX_FILE_BYTES {
            return Err(Error::checkpoint(
                path,
                format!("file is {len} bytes, more than the limit of {MAX_FILE_BYTES}"),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(StoredFile { bytes })
    }

    /// Validates the container and returns its tensors and metadata.
    pub fn parse(&self, path: &Path) -> Result<(SafeTensors<'_>, BTreeMap<String, String>)> {
        parse(path, &self.bytes)
    }
}

/// Validates safetensors bytes (`path` names them in errors) and returns tensors and metadata.
pub(crate) fn parse<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<(SafeTensors<'a>, BTreeMap<String, String>)> {
    let err = |msg: String| Error::checkpoint(path, format!("not a valid safetensors file: {msg}"));
    let len = bytes.len();
    let Some(head) = bytes.get(..8) else {
        return Err(err(format!(
            "the file is {len} bytes, too short for the 8-byte header length"
        )));
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(head);
    let n = u64::from_le_bytes(n);
    if n > MAX_HEADER_BYTES {
        return Err(err(format!(
            "the header length {n} is over the limit of {MAX_HEADER_BYTES} bytes"
        )));
    }
    if n + 8 > len as u64 {
        return Err(err(format!(
            "the header length {n} runs past the end of the file ({len} bytes)"
        )));
    }
    let explain = |e: safetensors::SafeTensorError| match e {
        safetensors::SafeTensorError::MetadataIncompleteBuffer => {
            err("the tensors' data does not match the file size (truncated or padded file)".into())
        }
        other => err(other.to_string()),
    };
    let st = SafeTensors::deserialize(bytes).map_err(explain)?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(explain)?;
    let metadata = meta
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    Ok((st, metadata))
}

/// The safetensors dtype name.
pub(crate) fn dtype_name(d: Dtype) -> String {
    format!("{d:?}")
}

/// A float tensor (F32 or F64) from a view; other dtypes are refused, naming the tensor.
pub(crate) fn view_to_tensor(
    path: &Path,
    name: &str,
    view: &safetensors::tensor::TensorView<'_>,
    expected: DType,
    device: &Device,
) -> Result<Tensor> {
    let want = match expected {
        DType::F64 => Dtype::F64,
        _ => Dtype::F32,
    };
    if view.dtype() != want {
        return Err(Error::checkpoint(
            path,
            format!(
                "tensor `{name}` has dtype {}; expected {}",
                dtype_name(view.dtype()),
                dtype_name(want)
            ),
        ));
    }
    let data = view.data();
    let t = match want {
        Dtype::F64 => {
            let v: Vec<f64> = data
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect();
            if v.iter().any(|x| !x.is_finite()) {
                return Err(non_finite(path, name));
            }
            Tensor::from_vec(v, view.shape(), device)?
        }
        _ => {
            let v: Vec<f32> = data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
                .collect();
            if v.iter().any(|x| !x.is_finite()) {
                return Err(non_finite(path, name));
            }
            Tensor::from_vec(v, view.shape(), device)?
        }
    };
    Ok(t)
}

fn non_finite(path: &Path, name: &str) -> Error {
    Error::checkpoint(
        path,
        format!("tensor `{name}` holds non-finite values (NaN or infinity)"),
    )
}

/// U64 values from a view.
pub(crate) fn view_to_u64(
    path: &Path,
    name: &str,
    view: &safetensors::tensor::TensorView<'_>,
    len: usize,
) -> Result<Vec<u64>> {
    if view.dtype() != Dtype::U64 || view.shape() != [len] {
        return Err(Error::checkpoint(
            path,
            format!(
                "tensor `{name}` is {} {:?}; expected U64 [{len}]",
                dtype_name(view.dtype()),
                view.shape()
            ),
        ));
    }
    Ok(view
        .data()
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}
