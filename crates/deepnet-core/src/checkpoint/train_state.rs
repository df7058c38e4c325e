//! The training-state file (`train_state.safetensors`): optimiser moments keyed by parameter name,
//! counters, the schedule and early-stopping state, the best weights and the RNG state — all that
//! [`Trainer::resume`](crate::Trainer::resume) needs to continue a run bit-identically.
//!
//! Tensors: `{param}.exp_avg`, `{param}.exp_avg_sq`, `{param}.momentum_buffer` (optimiser),
//! `live.{param}` (the weights at the end of the last epoch), `best.{param}` (early stopping), `state.counters` U64 `[epoch, optimizer step, best epoch, wait,
//! schedule wait, stopped]`, `state.rng` U64 `[4]`, `state.floats` U64 `[3]` holding the bits of
//! the f64s `[lr, schedule best, best loss]` (bits, so infinities and exact values survive).

use std::collections::BTreeMap;
use std::path::Path;

use super::atomic::atomic_write;
use super::format::{serialize, view_to_tensor, view_to_u64, RawTensor, StoredFile};
use super::keys;
use super::model_file::FORMAT_VERSION;
use crate::error::{Error, Result};
use crate::model::Sequential;
use crate::optim::OptimizerState;
use crate::spec::Recipe;
use crate::train::{History, LrScheduler, TrainState};

/// Writes the trainer state atomically.
pub fn save_train_state(path: &Path, state: &TrainState) -> Result<()> {
    let mut tensors = BTreeMap::new();
    for (name, t) in &state.optimizer.buffers {
        tensors.insert(name.clone(), RawTensor::from_tensor(t)?);
    }
    for (name, t) in &state.best_weights {
        tensors.insert(format!("best.{name}"), RawTensor::from_tensor(t)?);
    }
    for (name, t) in &state.weights {
        tensors.insert(format!("live.{name}"), RawTensor::from_tensor(t)?);
    }
    tensors.insert(
        "state.counters".into(),
        RawTensor::from_u64(&[
            state.epoch as u64,
            state.optimizer.step,
            state.best_epoch as u64,
            state.wait as u64,
            state.scheduler.wait as u64,
            state.stopped as u64,
        ]),
    );
    tensors.insert("state.rng".into(), RawTensor::from_u64(&state.rng));
    tensors.insert(
        "state.floats".into(),
        RawTensor::from_u64(&[
            state.scheduler.lr.to_bits(),
            state.scheduler.best.to_bits(),
            state.best_loss.to_bits(),
        ]),
    );
    let mut metadata = BTreeMap::new();
    metadata.insert(keys::FORMAT_VERSION.to_string(), FORMAT_VERSION.to_string());
    metadata.insert(
        keys::VERSION.to_string(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    metadata.insert(
        keys::HISTORY.to_string(),
        serde_json::to_string(&state.history).map_err(|e| Error::Invalid(e.to_string()))?,
    );
    atomic_write(path, &serialize(&tensors, &metadata))
}

/// Reads a trainer state saved by [`save_train_state`] for `model` trained with `config`.
pub fn load_train_state(path: &Path, config: &Recipe, model: &Sequential) -> Result<TrainState> {
    let file = StoredFile::read(path)?;
    let (st, metadata) = file.parse(path)?;
    let err = |msg: String| Error::checkpoint(path, msg);
    match metadata.get(keys::FORMAT_VERSION).map(|v| v.parse::<u32>()) {
        Some(Ok(v)) if v <= FORMAT_VERSION => {}
        Some(Ok(v)) => {
            return Err(err(format!(
                "`{}` is {v}, newer than this deepnet reads ({FORMAT_VERSION})",
                keys::FORMAT_VERSION
            )))
        }
        _ => {
            return Err(err(format!(
                "metadata has no valid `{}`; not a deepnet training state",
                keys::FORMAT_VERSION
            )))
        }
    }
    let get = |name: &str| {
        st.tensor(name)
            .map_err(|_| err(format!("missing tensor `{name}`")))
    };
    let counters = view_to_u64(path, "state.counters", &get("state.counters")?, 6)?;
    let rng = view_to_u64(path, "state.rng", &get("state.rng")?, 4)?;
    let floats = view_to_u64(path, "state.floats", &get("state.floats")?, 3)?;
    let history: History = match metadata.get(keys::HISTORY) {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| err(format!("`{}` is not a valid history: {e}", keys::HISTORY)))?,
        None => History::default(),
    };
    let params: BTreeMap<String, Vec<usize>> = model
        .parameters()
        .into_iter()
        .map(|(n, t)| (n, t.dims().to_vec()))
        .collect();
    let mut optimizer = OptimizerState {
        step: counters[1],
        buffers: BTreeMap::new(),
    };
    let mut best_weights = Vec::new();
    let mut weights = Vec::new();
    for name in st.names() {
        if name.starts_with("state.") {
            continue;
        }
        let param = match name
            .strip_prefix("best.")
            .or_else(|| name.strip_prefix("live."))
        {
            Some(p) => p.to_string(),
            None => match name.rsplit_once('.') {
                Some((p, suffix)) if config.optimizer.buffers().contains(&suffix) => p.to_string(),
                _ => {
                    return Err(err(format!(
                        "unexpected tensor `{name}` (optimizer `{}` keeps {})",
                        config.optimizer.name(),
                        buffer_list(config.optimizer.buffers())
                    )))
                }
            },
        };
        let Some(shape) = params.get(&param) else {
            return Err(err(format!(
                "tensor `{name}` belongs to parameter `{param}`, which the model does not have"
            )));
        };
        let view = st.tensor(name).map_err(|e| err(e.to_string()))?;
        if view.shape() != shape.as_slice() {
            return Err(err(format!(
                "tensor `{name}` has shape {:?}; expected {shape:?}",
                view.shape()
            )));
        }
        let t = view_to_tensor(path, name, &view, model.dtype(), model.device())?;
        if name.starts_with("best.") {
            best_weights.push((param, t));
        } else if name.starts_with("live.") {
            weights.push((param, t));
        } else {
            optimizer.buffers.insert(name.to_string(), t);
        }
    }
    // Keep the best weights in the model's parameter order.
    let order: Vec<String> = model.parameters().into_iter().map(|(n, _)| n).collect();
    best_weights.sort_by_key(|(n, _)| order.iter().position(|k| k == n));
    weights.sort_by_key(|(n, _)| order.iter().position(|k| k == n));
    let mut scheduler = LrScheduler::new(
        config.schedule.clone(),
        config.learning_rate(),
        config.epochs,
    );
    scheduler.lr = f64::from_bits(floats[0]);
    scheduler.best = f64::from_bits(floats[1]);
    scheduler.wait = counters[4] as usize;
    Ok(TrainState {
        epoch: counters[0] as usize,
        optimizer,
        rng: [rng[0], rng[1], rng[2], rng[3]],
        scheduler,
        best_loss: f64::from_bits(floats[2]),
        best_epoch: counters[2] as usize,
        wait: counters[3] as usize,
        weights,
        best_weights,
        stopped: counters[5] != 0,
        history,
    })
}

/// `"no buffers"` or the buffer names in backticks.
fn buffer_list(names: &[&str]) -> String {
    if names.is_empty() {
        "no buffers".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
