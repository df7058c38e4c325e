//! `deepnet inspect`: architecture, parameter counts, metadata and per-tensor statistics.

use anyhow::Result;
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
            let parameters = match l {
                LayerSpec::Dense { units, bias, .. } => {
                    width * *units as u64 + if *bias { *units as u64 } else { 0 }
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
    let ck = read_checkpoint(&a.file)?;
    let layers = match spec_from_metadata(&a.file, &ck.metadata) {
        Ok(spec) => layer_rows(&spec),
        Err(e) => {
            eprintln!("note: {e}; showing tensors and metadata only");
            Vec::new()
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
