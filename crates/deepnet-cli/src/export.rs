//! `deepnet export`: a checkpoint and its preprocessing as an ONNX file.

use anyhow::Result;
use deepnet::checkpoint::keys;
use deepnet::checkpoint::{atomic_write, load_model_with_metadata};
use deepnet::onnx::{export, ExportOptions};
use deepnet::{DType, Device};

use crate::args::{ExportArgs, ExportFormat};
use crate::table::{plain_preprocessing, saved_preprocessing};

pub fn run(a: ExportArgs) -> Result<()> {
    let (model, meta) = load_model_with_metadata(&a.checkpoint, &Device::Cpu, DType::F32)?;
    let pre = match saved_preprocessing(&meta, &a.checkpoint)? {
        Some(p) => p,
        None => {
            // Inputs named as in `deepnet.features`, else x0, x1, ...
            let header: Vec<String> = (0..model.spec().inputs).map(|i| format!("x{i}")).collect();
            plain_preprocessing(&model, &meta, &a.checkpoint, &header, "the export")?
        }
    };
    let keep = [
        keys::SPEC,
        keys::CLASSES,
        keys::FEATURES,
        keys::VERSION,
        keys::INPUT_SCALING,
    ];
    let props: Vec<(String, String)> = meta
        .iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let options = ExportOptions {
        single_input: a.single_input,
    };
    let bytes = match a.format {
        ExportFormat::Onnx => export(&model, &pre, &options, &props)?,
    };
    atomic_write(&a.output, &bytes)?;
    let inputs = if a.single_input {
        format!("input [N, {}]", model.spec().inputs)
    } else {
        format!("{} columns", pre.features.len())
    };
    eprintln!(
        "wrote {} ({} bytes; inputs: {inputs})",
        a.output.display(),
        bytes.len()
    );
    Ok(())
}
