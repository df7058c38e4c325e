//! Replays the committed fuzz corpora (`fuzz/corpus/*`, grown by `fuzz/run.sh`) through the same
//! checks as the fuzz targets, so every input the fuzzers ever kept — and any crash they found,
//! saved here as a regression — stays an error or a value, never a panic.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use deepnet::checkpoint::load_model_bytes;
use deepnet::data::{idx::parse_idx, parse_csv};
use deepnet::{ModelSpec, Sequential};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "empty corpus {}", dir.display());
    out
}

#[test]
fn checkpoint_corpus() {
    let path = Path::new("corpus.safetensors");
    let mut loaded = 0;
    for (name, bytes) in corpus("checkpoint") {
        if let Ok(model) = load_model_bytes(path, &bytes, &Device::Cpu, DType::F32) {
            let x = Tensor::zeros((1, model.spec().inputs), DType::F32, &Device::Cpu).unwrap();
            model
                .logits(&x)
                .unwrap_or_else(|e| panic!("{name}: a loaded model fails to run: {e}"));
            loaded += 1;
        }
    }
    assert!(loaded >= 2, "the seed checkpoints no longer load");
}

#[test]
fn spec_corpus() {
    for (name, bytes) in corpus("spec") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Ok(spec) = ModelSpec::from_json(text) {
            if spec.parameter_count() <= 100_000 {
                let model =
                    Sequential::from_spec(&spec, 0).unwrap_or_else(|e| panic!("{name}: {e}"));
                let x = Tensor::zeros((2, spec.inputs), DType::F32, &Device::Cpu).unwrap();
                model.logits(&x).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
}

#[test]
fn csv_corpus() {
    for (name, bytes) in corpus("csv") {
        if let Ok(ds) = parse_csv(&bytes[..], &name, None) {
            assert_eq!(ds.features.len(), ds.len() * ds.width(), "{name}");
            assert!(ds.features.iter().all(|v| v.is_finite()), "{name}");
        }
    }
}

#[test]
fn idx_corpus() {
    for (name, bytes) in corpus("idx") {
        if let Ok(idx) = parse_idx(&mut &bytes[..]) {
            // The dimensions may multiply past usize when one of them is 0.
            let total = idx
                .dims
                .iter()
                .fold(1u128, |a, &d| a.saturating_mul(d as u128));
            assert_eq!(idx.data.len() as u128, total, "{name}");
        }
    }
}
