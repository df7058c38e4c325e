//! Helpers shared by deepnet's two test trees — the root package's `tests/` and
//! `crates/deepnet-cli/tests/` — so that each is written once: the repository root, fresh
//! temporary directories and files, the weights of a model or a checkpoint and how far two sets
//! of weights are apart, IDX bytes, and the Python that the interoperability tests run.
//!
//! A dev-dependency only; nothing here is part of deepnet's API.

use std::path::{Path, PathBuf};

use deepnet_core::{DType, Device, Sequential};

/// The repository root (where `models/`, `tests/fixtures/` and `python/` are).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A fresh, empty temporary directory for this test process, named after `name`.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deepnet-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file `name` holding `bytes`, in a temporary directory of its own.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = temp(&format!("file-{name}")).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Every parameter tensor of `model`, flattened, in the model's order.
pub fn weights(model: &Sequential) -> Vec<Vec<f32>> {
    model
        .parameters()
        .iter()
        .map(|(_, t)| {
            t.to_dtype(DType::F32)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap()
        })
        .collect()
}

/// [`weights`] of the model saved in the checkpoint `path`.
pub fn checkpoint_weights(path: &Path) -> Vec<Vec<f32>> {
    let model = deepnet_core::load_model(path, &Device::Cpu, DType::F32)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    weights(&model)
}

/// The largest, over tensors, of ‖a − b‖ / ‖a‖.
pub fn relative_difference(a: &[Vec<f32>], b: &[Vec<f32>]) -> f64 {
    assert_eq!(a.len(), b.len(), "different numbers of tensors");
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d: f64 = x
                .iter()
                .zip(y)
                .map(|(p, q)| (*p as f64 - *q as f64).powi(2))
                .sum();
            let n: f64 = x.iter().map(|p| (*p as f64).powi(2)).sum();
            (d / n).sqrt()
        })
        .fold(0.0, f64::max)
}

/// An IDX file of unsigned bytes (type 0x08) with dimensions `dims`.
pub fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend_from_slice(data);
    b
}

/// The Python that has `modules`: `DEEPNET_PYTHON`, which `test.sh` sets up, else `python3`. A
/// Python without them fails the test with a message saying how to get them.
pub fn python(modules: &[&str]) -> String {
    let python = std::env::var("DEEPNET_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", &format!("import {}", modules.join(", "))])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "{python} lacks {}: run the tests with ./test.sh (it installs them in a venv), or set DEEPNET_PYTHON",
        modules.join(" or ")
    );
    python
}
