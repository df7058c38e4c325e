//! Helpers shared by the CLI's test files: run the real binary from the repository root, a fresh
//! temporary directory, and the one-`error:`-line check.
#![allow(dead_code)]

pub mod board;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `deepnet` with `args` from the repository root.
pub fn deepnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deepnet"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

/// The repository root (where `models/` and `tests/fixtures/` are).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh, empty temporary directory for this test process.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deepnet-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Exit status 1 and a last stderr line starting `error: ` (warnings may come before it), no
/// panic; returns that line.
pub fn fails(args: &[&str]) -> String {
    let o = deepnet(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    let last = err.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("error: "), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    last
}
