//! Helpers shared by the CLI's test files: run the real binary from the repository root, its
//! `key: value` lines, and the one-`error:`-line check. Helpers shared with the root package's
//! tests (temporary directories, weights, the interoperability Python) are `deepnet-testkit`'s.
#![allow(dead_code)]

pub mod board;

use std::path::Path;
use std::process::{Command, Output};

#[allow(unused_imports)]
pub use deepnet_testkit::{checkpoint_weights, idx_bytes, python, relative_difference, root, temp};

/// The `deepnet` binary as a command, run from the repository root.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_deepnet"));
    c.current_dir(root());
    c
}

/// Runs `deepnet` with `args` from the repository root.
pub fn deepnet(args: &[&str]) -> Output {
    command().args(args).output().unwrap()
}

/// Runs tests/interop_table.py with `python`: the numpy loader (python/deepnet_load.py) on the
/// raw rows of `data` must reproduce `predictions`, what `deepnet predict` wrote for checkpoint
/// `ckpt`. Prints its output (it says `SKIPPED: load_torch ...` without torch).
pub fn numpy_loader_matches(python: &str, ckpt: &Path, data: &Path, predictions: &Path) {
    let py = Command::new(python)
        .arg(root().join("tests/interop_table.py"))
        .args([ckpt, data, predictions])
        .output()
        .unwrap();
    eprintln!("{}", String::from_utf8_lossy(&py.stdout));
    assert!(
        py.status.success(),
        "{}: {}{}",
        ckpt.display(),
        String::from_utf8_lossy(&py.stdout),
        String::from_utf8_lossy(&py.stderr)
    );
}

/// Runs `deepnet` with `args`, which must succeed; returns its stdout and stderr.
pub fn ok(args: &[&str]) -> (String, String) {
    let o = deepnet(args);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(o.status.success(), "{args:?}: {err}");
    (out, err)
}

/// The value of a `key: value` line of `out`.
pub fn value(out: &str, key: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no `{key}:` in\n{out}"))
        .to_string()
}

/// [`value`] as a number.
pub fn number(out: &str, key: &str) -> f64 {
    value(out, key)
        .parse()
        .unwrap_or_else(|e| panic!("`{key}`: {e}"))
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
