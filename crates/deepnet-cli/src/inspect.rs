//! `deepnet inspect`: architecture, parameter counts, metadata and per-tensor statistics.

use std::path::Path;

use anyhow::{bail, Result};
use deepnet::checkpoint::spec_from_metadata;
use deepnet::{read_checkpoint, DType, LayerSpec, ModelSpec, Tensor};
use serde::Serialize;

use crate::args::InspectArgs;

#[derive(Serialize)]
struct TensorStats {
    name: String,
    dtype: String,
    shape: Vec<usize>,
    mean: f64,
    std: f64,
    min: f64,
    max: f64,
    zero_fraction: f64,
}

#[derive(Serialize)]
struct LayerRow {
    index: usize,
    layer: String,
    output_width: usize,
    parameters: u64,
}

#[derive(Serialize)]
struct Report {
    file: String,
    layers: Vec<LayerRow>,
    /// Members of an ensemble (absent for a single network).
    #[serde(skip_serializing_if = "Option::is_none")]
    ensemble: Option<usize>,
    parameters: u64,
    metadata: std::collections::BTreeMap<String, String>,
    tensors: Vec<TensorStats>,
}

fn stats(name: &str, t: &Tensor) -> Result<TensorStats> {
    let v: Vec<f64> = t.flatten_all()?.to_dtype(DType::F64)?.to_vec1()?;
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    Ok(TensorStats {
        name: name.to_string(),
        dtype: format!("{:?}", t.dtype()).to_uppercase(),
        shape: t.dims().to_vec(),
        mean,
        std,
        min: v.iter().copied().fold(f64::INFINITY, f64::min),
        max: v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        zero_fraction: v.iter().filter(|x| **x == 0.0).count() as f64 / n,
    })
}

fn layer_rows(spec: &ModelSpec) -> Vec<LayerRow> {
    let mut width = spec.inputs as u64;
    spec.layers
        .iter()
        .zip(spec.widths())
        .enumerate()
        .map(|(index, (l, w))| {
            // Every member's, for an ensemble (the width is one member's).
            let parameters = match l {
                LayerSpec::Dense { units, bias, .. } => {
                    (width * *units as u64 + if *bias { *units as u64 } else { 0 })
                        * spec.ensemble as u64
                }
                LayerSpec::Periodic {
                    frequencies, units, ..
                } => {
                    let (k, d) = (*frequencies as u64, *units as u64);
                    width * k + d * (2 * k + 1)
                }
                LayerSpec::Embedding { units, columns, .. } => {
                    deepnet::embedding::total_categories(columns) as u64 * *units as u64
                }
                _ => 0,
            };
            width = w as u64;
            LayerRow {
                index,
                layer: l.type_name().to_string(),
                output_width: w,
                parameters,
            }
        })
        .collect()
}

pub fn run(a: InspectArgs) -> Result<()> {
    let ck = match read_checkpoint(&a.file) {
        Ok(ck) => ck,
        Err(e) => match other_file(&a.file)? {
            Other::TrainState(text) => {
                print!("{text}");
                return Ok(());
            }
            Other::Text(start) => bail!(
                "{} is not a checkpoint: it starts with text (`{start}`), as a CSV or text file does; `deepnet inspect` reads the .safetensors files `deepnet train` writes",
                a.file.display()
            ),
            Other::Unknown => return Err(e.into()),
        },
    };
    let (layers, ensemble) = match spec_from_metadata(&a.file, &ck.metadata) {
        Ok(spec) => (layer_rows(&spec), Some(spec.ensemble).filter(|&k| k > 1)),
        Err(e) => {
            eprintln!("note: {e}; showing tensors and metadata only");
            (Vec::new(), None)
        }
    };
    let tensors = ck
        .tensors
        .iter()
        .map(|(n, t)| stats(n, t))
        .collect::<Result<Vec<_>>>()?;
    let report = Report {
        file: a.file.display().to_string(),
        parameters: ck.tensors.iter().map(|(_, t)| t.elem_count() as u64).sum(),
        layers,
        ensemble,
        metadata: ck.metadata,
        tensors,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("file: {}", report.file);
    if !report.layers.is_empty() {
        println!("\narchitecture:");
        println!(
            "  {:<4} {:<12} {:>8} {:>12}",
            "#", "layer", "width", "parameters"
        );
        for r in &report.layers {
            println!(
                "  {:<4} {:<12} {:>8} {:>12}",
                r.index, r.layer, r.output_width, r.parameters
            );
        }
        if let Some(k) = report.ensemble.filter(|&k| k > 1) {
            println!("  an ensemble of {k} members: widths are one member's, parameters all {k}'s");
        }
    }
    println!("\nparameters: {}", report.parameters);
    println!("\nmetadata:");
    for (k, v) in &report.metadata {
        println!("  {k}: {v}");
    }
    println!("\ntensors:");
    println!(
        "  {:<12} {:<5} {:<12} {:>10} {:>10} {:>10} {:>10} {:>7}",
        "name", "dtype", "shape", "mean", "std", "min", "max", "zeros"
    );
    for t in &report.tensors {
        println!(
            "  {:<12} {:<5} {:<12} {:>10.4} {:>10.4} {:>10.4} {:>10.4} {:>7.3}",
            t.name,
            t.dtype,
            format!("{:?}", t.shape),
            t.mean,
            t.std,
            t.min,
            t.max,
            t.zero_fraction
        );
    }
    Ok(())
}

/// What a file that is not a model checkpoint is.
enum Other {
    /// A run's `train_state.safetensors`, described.
    TrainState(String),
    /// Text (a CSV file, say), with its first characters.
    Text(String),
    /// Neither: the checkpoint reader's error stands.
    Unknown,
}

/// Tells a training-state file or a text file from a broken checkpoint, from the file's start.
fn other_file(path: &Path) -> Result<Other> {
    // The start of the file is enough: a training state's header is small.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path)?, 16 << 20),
        &mut bytes,
    )?;
    let head = &bytes[..bytes.len().min(60)];
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize);
    let header = len
        .filter(|&n| n > 0 && n <= bytes.len().saturating_sub(8))
        .and_then(|n| serde_json::from_slice::<serde_json::Value>(&bytes[8..8 + n]).ok());
    let Some(header) = header else {
        return Ok(match std::str::from_utf8(head) {
            Ok(text) if !text.is_empty() && !text.contains('\0') => {
                Other::Text(text.lines().next().unwrap_or_default().to_string())
            }
            _ => Other::Unknown,
        });
    };
    if header.get("state.counters").is_none() {
        return Ok(Other::Unknown);
    }
    let epochs = header
        .pointer("/__metadata__/deepnet.history")
        .and_then(|h| h.as_str())
        .and_then(|h| serde_json::from_str::<serde_json::Value>(h).ok())
        .and_then(|h| h.get("epochs").and_then(|e| e.as_array()).map(Vec::len));
    let mut text = format!(
        "file: {}\nkind: training state (optimiser buffers, counters, RNG and best weights for `deepnet train --resume`; not a model: load the model.safetensors beside it)\n",
        path.display()
    );
    if let Some(n) = epochs {
        text.push_str(&format!("epochs: {n}\n"));
    }
    text.push_str("\ntensors:\n");
    if let Some(obj) = header.as_object() {
        for (name, t) in obj.iter().filter(|(k, _)| *k != "__metadata__") {
            let dtype = t.get("dtype").and_then(|d| d.as_str()).unwrap_or("?");
            let shape = t.get("shape").map(|s| s.to_string()).unwrap_or_default();
            text.push_str(&format!("  {name:<24} {dtype:<5} {shape}\n"));
        }
    }
    Ok(Other::TrainState(text))
}
