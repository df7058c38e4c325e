//! Replays the committed fuzz corpora (`fuzz/corpus/*`, grown by `fuzz/run.sh`) through the same
//! checks as the fuzz targets, so every input the fuzzers ever kept — and any crash they found,
//! saved here as a regression — stays an error or a value, never a panic.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use deepnet::checkpoint::load_model_bytes;
use deepnet::data::idx::parse_idx;
use deepnet::data::table::{
    target_rows, Dialect, EncodeReport, Preprocessing, RawTable, TableOptions, Task,
};
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
    let mut fitted = 0;
    for (name, bytes) in corpus("csv") {
        // As fuzz/fuzz_targets/csv.rs: the first byte picks the dialect.
        let Some((&pick, rest)) = bytes.split_first() else {
            continue;
        };
        let dialect = Dialect {
            delimiter: [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'|')][pick as usize % 5],
            ..Dialect::default()
        };
        let Ok(table) = RawTable::parse(rest, &name, &dialect) else {
            continue;
        };
        for task in [Task::Classification, Task::Regression] {
            let options = TableOptions::new(task);
            let Ok((rows, _)) = target_rows(&table, &options) else {
                continue;
            };
            let Ok(f) = Preprocessing::fit(&table, &options, &rows) else {
                continue;
            };
            let p = f.preprocessing;
            assert_eq!(Preprocessing::from_json(&p.to_json(), &name).unwrap(), p);
            if let Ok((ds, _)) = p.dataset(&table, None) {
                assert_eq!(ds.width(), p.width(), "{name}");
                assert!(ds.features.iter().all(|v| v.is_finite()), "{name}");
                fitted += 1;
            }
        }
    }
    assert!(fitted >= 4, "the dialect seeds no longer fit");
}

#[test]
fn preprocessing_corpus() {
    let mut parsed = 0;
    for (name, bytes) in corpus("preprocessing") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let Ok(p) = Preprocessing::from_json(text, &name) else {
            continue;
        };
        parsed += 1;
        let header: Vec<String> = p.features.iter().map(|f| f.name.clone()).collect();
        let encoder = p.row_encoder(&header, &name).unwrap();
        for cells in [["1", "", "x"], ["NA", "-2.5e3", "?"]] {
            let record = csv::StringRecord::from(
                (0..header.len()).map(|i| cells[i % 3]).collect::<Vec<_>>(),
            );
            let mut out = Vec::new();
            if encoder
                .encode(&record, 2, &mut out, &mut EncodeReport::default())
                .is_ok()
            {
                assert_eq!(out.len(), p.width(), "{name}");
                assert!(out.iter().all(|v| v.is_finite()), "{name}");
            }
        }
    }
    assert!(parsed >= 4, "the seed preprocessings no longer parse");
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
