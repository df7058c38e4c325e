//! `status.json` of a run directory: what `deepnet train` is doing or how it ended, with the
//! facts `deepnet board` lists (data, layers, recipe, final metrics). Written atomically at the
//! start and at the end of training; a run whose process is gone while the file still says
//! `running` was interrupted.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use deepnet::checkpoint::atomic_write;
use deepnet::{LayerSpec, ModelSpec};
use serde::{Deserialize, Serialize};

/// The status file of a run directory.
pub const STATUS_FILE: &str = "status.json";

/// Where a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Training (or interrupted, if its process is gone).
    Running,
    /// Trained every epoch asked for.
    Finished,
    /// Stopped by early stopping before the last epoch.
    StoppedEarly,
    /// Stopped because the loss became NaN or infinite.
    Diverged,
    /// Stopped by another error.
    Failed,
}

/// The contents of `status.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunStatus {
    /// Where the run is.
    pub state: State,
    /// The training process.
    pub pid: u32,
    /// Unix seconds at the start of training.
    pub started: u64,
    /// Unix seconds of the last write.
    pub updated: u64,
    /// The data source.
    pub data: String,
    /// The network, e.g. `64 → 256 tanh → 10 softmax`.
    pub layers: String,
    /// The recipe in one line (optimiser, learning rate, batch, epochs, early stopping).
    pub recipe: String,
    /// The number of epochs asked for.
    pub epochs_planned: usize,
    /// Why the run stopped, for `diverged` and `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The final metrics printed by `deepnet train` (numbers where they are numbers).
    #[serde(default)]
    pub metrics: serde_json::Map<String, serde_json::Value>,
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl RunStatus {
    /// The status of a run starting now in this process.
    pub fn start(data: &str, spec: &ModelSpec, recipe: String, epochs_planned: usize) -> Self {
        RunStatus {
            state: State::Running,
            pid: std::process::id(),
            started: now(),
            updated: now(),
            data: data.to_string(),
            layers: layers_line(spec),
            recipe,
            epochs_planned,
            message: None,
            metrics: Default::default(),
        }
    }

    /// Records the final `key: value` metric lines.
    pub fn set_metrics(&mut self, lines: &[(String, String)]) {
        for (k, v) in lines {
            let value = match (v.parse::<i64>(), v.parse::<f64>()) {
                (Ok(i), _) => serde_json::json!(i),
                (_, Ok(n)) if n.is_finite() => serde_json::json!(n),
                _ => serde_json::json!(v),
            };
            self.metrics.insert(k.clone(), value);
        }
    }

    /// Writes the status to `dir/status.json` atomically, stamped now.
    pub fn write(&mut self, dir: &Path) -> Result<()> {
        self.updated = now();
        atomic_write(
            &dir.join(STATUS_FILE),
            serde_json::to_string_pretty(self)?.as_bytes(),
        )?;
        Ok(())
    }
}

/// The network in one line: the input width, then each dense layer's width with the
/// activation after it, dropout rates, and the output: `64 → 256 tanh → 128 tanh → 10 softmax`.
pub fn layers_line(spec: &ModelSpec) -> String {
    let mut s = spec.inputs.to_string();
    for l in &spec.layers {
        match l {
            LayerSpec::Dense { units, .. } => s.push_str(&format!(" → {units}")),
            LayerSpec::Dropout { rate } => s.push_str(&format!(" → dropout {rate}")),
            LayerSpec::Periodic {
                frequencies, units, ..
            } => s.push_str(&format!(" → periodic {frequencies}×{units}")),
            LayerSpec::Embedding { units, columns, .. } => {
                s.push_str(&format!(" → embedding {}×{units}", columns.len()))
            }
            LayerSpec::Activation(a) => s.push_str(&format!(" {}", a.name())),
        }
    }
    s.push(' ');
    s.push_str(spec.output.name());
    s
}
