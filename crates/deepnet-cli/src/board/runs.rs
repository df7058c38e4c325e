//! The runs under the board's directories, read without writing anything: each subdirectory
//! holding a `history.csv` or a `status.json` is a run; its files are read only if they resolve
//! (through any symlinks) to regular files inside the run directory, which itself must resolve
//! inside the given root.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use deepnet::{History, HistoryCsv};
use serde::Serialize;

use crate::run_status::{RunStatus, State, STATUS_FILE};

/// Files larger than this are not read (a history of 100,000 epochs is ~20 MB).
const MAX_FILE_BYTES: u64 = 64 << 20;
/// The figures a run directory may hold that the board serves.
pub const FIGURES: [&str; 3] = ["loss.svg", "boundary.svg", "fit.svg"];

/// A run directory found under a root.
#[derive(Clone, Debug)]
pub struct RunDir {
    /// Unique name: the directory's name (with `-2`, `-3`… when several roots hold the same).
    pub name: String,
    /// Canonical path.
    pub path: PathBuf,
}

/// A directory that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The directory.
    pub path: PathBuf,
    /// Why it is not a run.
    pub why: String,
}

/// The runs under `roots` (canonical directories), sorted by name, and the skipped entries.
pub fn scan(roots: &[PathBuf]) -> (Vec<RunDir>, Vec<Skipped>) {
    let mut runs: Vec<RunDir> = Vec::new();
    let mut skipped = Vec::new();
    let mut names = BTreeSet::new();
    for root in roots {
        let Ok(entries) = fs::read_dir(root) else {
            skipped.push(Skipped {
                path: root.clone(),
                why: "cannot be read".into(),
            });
            continue;
        };
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(String::from) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let Ok(real) = fs::canonicalize(&path) else {
                continue;
            };
            if !real.is_dir() {
                continue;
            }
            if !real.starts_with(root) {
                skipped.push(Skipped {
                    path,
                    why: "a link leading out of the runs directory".into(),
                });
                continue;
            }
            if !real.join("history.csv").exists() && !real.join(STATUS_FILE).exists() {
                skipped.push(Skipped {
                    path,
                    why: "not a run (no history.csv or status.json)".into(),
                });
                continue;
            }
            found.push((name, real));
        }
        found.sort();
        for (name, path) in found {
            let mut unique = name.clone();
            let mut k = 2;
            while names.contains(&unique) {
                unique = format!("{name}-{k}");
                k += 1;
            }
            names.insert(unique.clone());
            runs.push(RunDir { name: unique, path });
        }
    }
    runs.sort_by(|a, b| a.name.cmp(&b.name));
    (runs, skipped)
}

/// The real path of `file` in `run`, if it is a regular file that lies (through any links)
/// inside the run directory and is not too large to serve.
fn resolve(run: &RunDir, file: &str) -> Option<PathBuf> {
    let real = fs::canonicalize(run.path.join(file)).ok()?;
    let meta = fs::metadata(&real).ok()?;
    (real.starts_with(&run.path) && meta.is_file() && meta.len() <= MAX_FILE_BYTES).then_some(real)
}

/// The text of `file` in `run`, if [`resolve`] allows it.
pub fn read_inside(run: &RunDir, file: &str) -> Option<String> {
    fs::read_to_string(resolve(run, file)?).ok()
}

/// The history of `run` as far as it is complete and valid.
pub fn history(run: &RunDir) -> HistoryCsv {
    match read_inside(run, "history.csv") {
        Some(text) => History::from_csv(&text),
        None => HistoryCsv {
            history: History::default(),
            problem: Some("no readable history.csv yet".into()),
        },
    }
}

/// One row of the board's run table, as `GET /api/runs` returns it.
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    /// The run's name (its directory's).
    pub name: String,
    /// `running`, `finished`, `stopped_early`, `diverged`, `failed`, `interrupted` (the file says
    /// running but its process is gone) or `unknown` (no status.json: an older deepnet).
    pub status: &'static str,
    /// `classification` or `regression`, from the history's columns.
    pub kind: &'static str,
    /// Epochs completed.
    pub epochs: usize,
    /// Epochs asked for.
    pub epochs_planned: Option<usize>,
    /// The epoch with the lowest validation loss (training loss without validation).
    pub best_epoch: Option<usize>,
    /// The last epoch's training loss.
    pub train_loss: Option<f64>,
    /// The best epoch's validation loss.
    pub val_loss: Option<f64>,
    /// The final metrics printed by `deepnet train` (test metrics among them).
    pub metrics: serde_json::Map<String, serde_json::Value>,
    /// The network in one line.
    pub layers: Option<String>,
    /// The training recipe in one line.
    pub recipe: Option<String>,
    /// The data source.
    pub data: Option<String>,
    /// Why the run stopped (diverged or failed).
    pub message: Option<String>,
    /// Unix seconds of the last change to the history.
    pub updated: Option<u64>,
    /// Figures the run directory holds, served under `/api/runs/{name}/figures/`.
    pub figures: Vec<&'static str>,
    /// What ended the reading of history.csv early, if anything (a line being written, an
    /// invalid line).
    pub note: Option<String>,
}

/// Whether process `pid` exists on this machine (`None` where that cannot be told).
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// The summary of `run`.
pub fn summary(run: &RunDir) -> RunSummary {
    let read = history(run);
    let status: Option<RunStatus> =
        read_inside(run, STATUS_FILE).and_then(|t| serde_json::from_str(&t).ok());
    let h = &read.history;
    let best = h.best();
    let state = match status.as_ref().map(|s| (s.state, s.pid)) {
        None => "unknown",
        Some((State::Running, pid)) if process_alive(pid) == Some(false) => "interrupted",
        Some((State::Running, _)) => "running",
        Some((State::Finished, _)) => "finished",
        Some((State::StoppedEarly, _)) => "stopped_early",
        Some((State::Diverged, _)) => "diverged",
        Some((State::Failed, _)) => "failed",
    };
    let regression = h
        .epochs
        .iter()
        .any(|e| e.val_r2.is_some() || e.val_rmse.is_some())
        || (!h.epochs.is_empty() && h.epochs.iter().all(|e| e.train_accuracy.is_none()));
    let updated = fs::metadata(run.path.join("history.csv"))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    RunSummary {
        name: run.name.clone(),
        status: state,
        kind: if regression {
            "regression"
        } else {
            "classification"
        },
        epochs: h.epochs.last().map_or(0, |e| e.epoch),
        epochs_planned: status.as_ref().map(|s| s.epochs_planned),
        best_epoch: best.map(|b| b.epoch),
        train_loss: h
            .epochs
            .last()
            .map(|e| e.train_loss)
            .filter(|v| v.is_finite()),
        val_loss: best.and_then(|b| b.val_loss),
        metrics: status
            .as_ref()
            .map(|s| s.metrics.clone())
            .unwrap_or_default(),
        layers: status.as_ref().map(|s| s.layers.clone()),
        recipe: status.as_ref().map(|s| s.recipe.clone()),
        data: status.as_ref().map(|s| s.data.clone()),
        message: status.as_ref().and_then(|s| s.message.clone()),
        updated,
        figures: FIGURES
            .into_iter()
            .filter(|f| resolve(run, f).is_some())
            .collect(),
        note: read.problem,
    }
}
