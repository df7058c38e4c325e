//! The trainer: mini-batch gradient descent with seeded reshuffling, validation, early stopping
//! that restores the best weights, learning-rate schedules and a divergence guard.

use candle_core::{DType, Storage, Tensor};

use super::history::{EpochRecord, History};
use super::observer::{Observer, RunInfo, StepInfo};
use super::recipe::{Schedule, TrainSpec};
use super::schedule::LrScheduler;
use crate::error::{Error, Result};
use crate::fast::{CpuMlp, StepStats};
use crate::metrics::evaluate;
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind, OptimizerState};
use crate::rng::Rng;
use crate::sequential::Sequential;
use crate::spec::Output;

/// Features `[n, d]` and targets in the loss's form (see [`crate::Loss`]).
#[derive(Clone, Debug)]
pub struct TrainData {
    /// Features `[n, d]`.
    pub x: Tensor,
    /// Targets: f32 `[n, 1]` (sigmoid), u32 `[n]` (softmax) or f32 `[n, k]` (linear).
    pub y: Tensor,
}

impl TrainData {
    /// Pairs features and targets, checking they have the same number of rows.
    pub fn new(x: Tensor, y: Tensor) -> Result<Self> {
        let n = x.dims().first().copied().unwrap_or(0);
        if n == 0 {
            return Err(Error::Empty("the training data has no rows".into()));
        }
        if y.dims().first() != Some(&n) {
            return Err(Error::Shape(format!(
                "features have {n} rows but targets have shape {:?}",
                y.dims()
            )));
        }
        Ok(TrainData { x, y })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.dims()[0]
    }

    /// Always false: [`TrainData::new`] refuses empty data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How to train: optimiser, batching, epochs, schedule, early stopping and seed.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Optimiser and its hyper-parameters.
    pub optimizer: OptimizerConfig,
    /// Rows per step; `None` is full-batch gradient descent.
    pub batch_size: Option<usize>,
    /// Number of epochs.
    pub epochs: usize,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without improvement, then restore the best
    /// epoch's weights. `None` trains every epoch and keeps the last weights.
    pub patience: Option<usize>,
    /// Smallest decrease of the monitored loss that counts as an improvement.
    pub min_delta: f64,
    /// Seed for reshuffling and dropout.
    pub seed: u64,
    /// Reshuffle the rows every epoch.
    pub shuffle: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: OptimizerConfig::adam(1e-3),
            batch_size: Some(32),
            epochs: 10,
            schedule: Schedule::Constant,
            patience: None,
            min_delta: 0.0,
            seed: 0,
            shuffle: true,
        }
    }
}

impl TrainConfig {
    /// The recipe of a spec's `"train"` object over the defaults (Adam, lr 1e-3 — 0.01 for plain
    /// SGD and momentum — batch 32, 10 epochs, constant schedule, no early stopping, seed 0).
    pub fn from_spec(train: Option<&TrainSpec>) -> Self {
        let mut c = TrainConfig::default();
        let Some(t) = train else { return c };
        let kind = t.optimizer.unwrap_or(OptimizerKind::Adam);
        let default_lr = match kind {
            OptimizerKind::Sgd | OptimizerKind::Momentum => 0.01,
            _ => 1e-3,
        };
        c.optimizer = OptimizerConfig::new(kind, t.lr.unwrap_or(default_lr));
        if let Some(wd) = t.weight_decay {
            c.optimizer.weight_decay = wd;
        }
        if t.batch_size.is_some() {
            c.batch_size = t.batch_size;
        }
        c.epochs = t.epochs.unwrap_or(c.epochs);
        c.schedule = t.schedule.clone().unwrap_or_default();
        c.patience = t.patience;
        c.seed = t.seed.unwrap_or(0);
        c
    }
}

/// Everything needed to continue a run exactly: saved in training checkpoints.
#[derive(Clone, Debug)]
pub struct TrainState {
    /// Epochs completed.
    pub epoch: usize,
    /// Optimiser moments and step count.
    pub optimizer: OptimizerState,
    /// RNG state after the last completed epoch.
    pub rng: [u64; 4],
    /// Schedule state.
    pub scheduler: LrScheduler,
    /// Best monitored loss (early stopping).
    pub best_loss: f64,
    /// Epoch of the best loss.
    pub best_epoch: usize,
    /// Epochs since the best loss.
    pub wait: usize,
    /// The model's weights at the end of the last completed epoch (what a resumed run continues
    /// from, even when early stopping later restores the best ones).
    pub weights: Vec<(String, Tensor)>,
    /// Weights of the best epoch (early stopping only).
    pub best_weights: Vec<(String, Tensor)>,
    /// True once early stopping has fired.
    pub stopped: bool,
    /// Per-epoch history so far.
    pub history: History,
}

/// Trains a [`Sequential`] and can be stopped and resumed.
pub struct Trainer {
    fast_path_enabled: bool,
    threads: Option<usize>,
    config: TrainConfig,
    optimizer: Optimizer,
    rng: Rng,
    state: TrainState,
}

impl Trainer {
    /// A fresh run.
    pub fn new(config: TrainConfig) -> Result<Self> {
        if config.epochs == 0 {
            return Err(Error::Invalid("epochs must be at least 1".into()));
        }
        if config.batch_size == Some(0) {
            return Err(Error::Invalid("batch size must be at least 1".into()));
        }
        let optimizer = Optimizer::new(config.optimizer.clone())?;
        let scheduler =
            LrScheduler::new(config.schedule.clone(), config.optimizer.lr, config.epochs);
        let rng = Rng::new(config.seed);
        let state = TrainState {
            epoch: 0,
            optimizer: OptimizerState::default(),
            rng: rng.state(),
            scheduler,
            best_loss: f64::INFINITY,
            best_epoch: 0,
            wait: 0,
            weights: Vec::new(),
            best_weights: Vec::new(),
            stopped: false,
            history: History::default(),
        };
        Ok(Trainer {
            fast_path_enabled: true,
            threads: None,
            config,
            optimizer,
            rng,
            state,
        })
    }

    /// Continues a run from a saved [`TrainState`]; `config` may raise `epochs`. The model gets
    /// the weights of the state's last completed epoch.
    pub fn resume(config: TrainConfig, state: TrainState, model: &mut Sequential) -> Result<Self> {
        for (name, w) in &state.weights {
            model.set_parameter(name, w)?;
        }
        let mut t = Trainer::new(config)?;
        t.optimizer.set_state(state.optimizer.clone());
        t.optimizer.set_lr(state.scheduler.lr);
        t.rng = Rng::from_state(state.rng);
        t.state = state;
        Ok(t)
    }

    /// Turns the CPU fast path off (on by default), so every step runs through the layer-by-layer
    /// candle code — the oracle the fast path is tested against.
    pub fn without_fast_path(mut self) -> Self {
        self.fast_path_enabled = false;
        self
    }

    /// Worker threads of the fast path (default: candle's thread count, `RAYON_NUM_THREADS`).
    /// The weights do not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The state after the last completed epoch.
    pub fn state(&self) -> &TrainState {
        &self.state
    }

    /// Trains `model` until the configured epochs are done or early stopping fires; returns the
    /// history. With early stopping, the best epoch's weights are restored at the end. A NaN or
    /// infinite loss stops with [`Error::Diverged`], leaving the last finite weights in `model`.
    pub fn fit(
        &mut self,
        model: &mut Sequential,
        train: &TrainData,
        val: Option<&TrainData>,
        observer: &mut dyn Observer,
    ) -> Result<History> {
        let n = train.len();
        if train.x.dims().get(1) != Some(&model.spec().inputs) {
            return Err(Error::Shape(format!(
                "training features have shape {:?} but the model expects {} inputs",
                train.x.dims(),
                model.spec().inputs
            )));
        }
        let bs = self.config.batch_size.unwrap_or(n).clamp(1, n);
        // The CPU fast path (see `crate::fast`), when the model and data allow it.
        let mut fast = match self.fast_path_enabled {
            true => CpuMlp::new(model, &self.optimizer, self.threads)?,
            false => None,
        };
        // The features are borrowed from the tensor's storage when they are contiguous CPU f32
        // (no copy of a dataset that may be hundreds of MB); targets are small and copied.
        let (x_storage, x_layout) = train.x.storage_and_layout();
        let x_owned;
        let fast_data: Option<(&[f32], Vec<f32>)> = match &fast {
            Some(_) => {
                let xs = match (&*x_storage, x_layout.contiguous_offsets()) {
                    (Storage::Cpu(cpu), Some((a, b))) if train.x.dtype() == DType::F32 => {
                        &cpu.as_slice::<f32>()?[a..b]
                    }
                    _ => {
                        x_owned = train
                            .x
                            .flatten_all()?
                            .to_dtype(DType::F32)?
                            .to_vec1::<f32>()?;
                        &x_owned[..]
                    }
                };
                Some((xs, fast_targets(train, model.spec().output)?))
            }
            None => None,
        };
        let steps = n.div_ceil(bs);
        let output = model.spec().output;
        observer.on_train_begin(&RunInfo {
            first_epoch: self.state.epoch + 1,
            epochs: self.config.epochs,
            steps_per_epoch: steps,
            samples: n,
        });
        let first_epoch = self.state.epoch + 1;
        while self.state.epoch < self.config.epochs && !self.state.stopped {
            let epoch = self.state.epoch + 1;
            let start = std::time::Instant::now();
            let lr = self.state.scheduler.lr_for_epoch(epoch);
            self.optimizer.set_lr(lr);
            observer.on_epoch_begin(epoch, lr);
            let mut order: Vec<u32> = (0..n as u32).collect();
            if self.config.shuffle {
                self.rng.shuffle(&mut order);
            }
            let order_t = match fast {
                Some(_) => Tensor::zeros(0, DType::U32, train.x.device())?,
                None => Tensor::from_slice(&order, n, train.x.device())?,
            };
            let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
            let mut norm_sums: Vec<(usize, f64)> = Vec::new();
            for step in 0..steps {
                let len = bs.min(n - step * bs);
                let stats = match (&mut fast, &fast_data) {
                    (Some(engine), Some((xs, ys))) => {
                        let rows = &order[step * bs..step * bs + len];
                        // Full-batch, unshuffled: the same rows every step, so the engine keeps its
                        // standardised copy of them.
                        let reuse = !self.config.shuffle && steps == 1 && epoch > first_epoch;
                        let s =
                            engine.step(xs, ys, rows, reuse, &mut self.rng, &mut self.optimizer)?;
                        if !s.loss.is_finite() {
                            if engine.weights_finite() {
                                engine.write_back(model, &mut self.optimizer)?;
                            }
                            return Err(Error::Diverged {
                                epoch,
                                step: step + 1,
                                loss: s.loss,
                            });
                        }
                        s
                    }
                    _ => {
                        let rows = order_t.narrow(0, step * bs, len)?;
                        self.plain_step(model, train, &rows, epoch, step + 1)?
                    }
                };
                for (k, (layer, norm)) in stats.norms.into_iter().enumerate() {
                    match norm_sums.get_mut(k) {
                        Some(slot) => slot.1 += norm,
                        None => norm_sums.push((layer, norm)),
                    }
                }
                loss_sum += stats.loss * len as f64;
                seen += len;
                correct += stats.correct;
                observer.on_step(&StepInfo {
                    epoch,
                    step: step + 1,
                    steps,
                    samples: seen,
                    loss: loss_sum / seen as f64,
                    accuracy: (output != Output::Linear).then(|| correct as f64 / seen as f64),
                });
            }
            if let Some(engine) = &fast {
                engine.write_back(model, &mut self.optimizer)?;
            }
            let val_metrics = match val {
                Some(v) => Some(evaluate(model, &v.x, &v.y)?),
                None => None,
            };
            let train_loss = loss_sum / n as f64;
            let binary = val_metrics.as_ref().and_then(|m| m.binary.as_ref());
            let monitored = val_metrics.as_ref().map_or(train_loss, |m| m.loss);
            self.state
                .scheduler
                .observe(monitored, self.config.min_delta);
            self.track_best(model, monitored, epoch);
            let record = EpochRecord {
                epoch,
                train_loss,
                train_accuracy: (output != Output::Linear).then(|| correct as f64 / n as f64),
                val_loss: val_metrics.as_ref().map(|m| m.loss),
                val_accuracy: val_metrics.as_ref().and_then(|m| m.accuracy),
                val_precision: binary.map(|b| b.precision),
                val_recall: binary.map(|b| b.recall),
                val_f1: binary.map(|b| b.f1),
                lr,
                seconds: start.elapsed().as_secs_f64(),
                grad_norms: norm_sums
                    .into_iter()
                    .map(|(i, s)| (i, s / steps as f64))
                    .collect(),
            };
            self.state.history.epochs.push(record.clone());
            self.state.epoch = epoch;
            self.state.weights = model.parameters();
            self.state.optimizer = self.optimizer.state().clone();
            self.state.rng = self.rng.state();
            observer.on_epoch_end(&record, model, &self.state)?;
        }
        if self.config.patience.is_some() {
            for (name, w) in &self.state.best_weights {
                model.set_parameter(name, w)?;
            }
        }
        observer.on_train_end(&self.state.history);
        Ok(self.state.history.clone())
    }

    /// One step through the layer-by-layer candle path on the rows `rows` (indices into `train`):
    /// returns the loss, the correct predictions and the layer gradient norms.
    fn plain_step(
        &mut self,
        model: &mut Sequential,
        train: &TrainData,
        rows: &Tensor,
        epoch: usize,
        step: usize,
    ) -> Result<StepStats> {
        let (xb, yb) = if rows.dims()[0] == train.len() && !self.config.shuffle {
            (train.x.clone(), train.y.clone())
        } else {
            (
                train.x.index_select(rows, 0)?,
                train.y.index_select(rows, 0)?,
            )
        };
        let before = model.parameters();
        let (loss, grads, logits) = model.loss_and_gradients(&xb, &yb, &mut self.rng)?;
        if !loss.is_finite() {
            restore_if_non_finite(model, &before)?;
            return Err(Error::Diverged { epoch, step, loss });
        }
        self.optimizer.step(model, &grads)?;
        let correct = match model.spec().output {
            Output::Linear => 0,
            output => correct_count(output, &logits, &yb)?,
        };
        Ok(StepStats {
            loss,
            correct,
            norms: grads.layer_norms()?,
        })
    }

    /// Early-stopping bookkeeping after an epoch whose monitored loss is `monitored`.
    fn track_best(&mut self, model: &Sequential, monitored: f64, epoch: usize) {
        let Some(patience) = self.config.patience else {
            return;
        };
        if monitored < self.state.best_loss - self.config.min_delta {
            self.state.best_loss = monitored;
            self.state.best_epoch = epoch;
            self.state.wait = 0;
            self.state.best_weights = model.parameters();
        } else {
            self.state.wait += 1;
            self.state.stopped = self.state.wait >= patience;
        }
    }
}

/// The training targets as flat f32 values for the fast path (class indices as f32).
fn fast_targets(train: &TrainData, output: Output) -> Result<Vec<f32>> {
    let y = match output {
        Output::Softmax => train
            .y
            .to_dtype(DType::U32)?
            .to_vec1::<u32>()?
            .into_iter()
            .map(|c| c as f32)
            .collect(),
        _ => train
            .y
            .flatten_all()?
            .to_dtype(DType::F32)?
            .to_vec1::<f32>()?,
    };
    Ok(y)
}

/// Number of rows whose predicted class matches the target.
fn correct_count(output: Output, logits: &Tensor, targets: &Tensor) -> Result<usize> {
    let hits = match output {
        Output::Sigmoid => logits.gt(0.0)?.eq(&targets.gt(0.5)?)?,
        _ => logits.argmax(1)?.eq(&targets.to_dtype(DType::U32)?)?,
    };
    Ok(hits.to_dtype(DType::F32)?.sum_all()?.to_scalar::<f32>()? as usize)
}

/// After a non-finite loss: if the current weights are not all finite, put back `before`.
fn restore_if_non_finite(model: &mut Sequential, before: &[(String, Tensor)]) -> Result<()> {
    let mut finite = true;
    for (_, p) in model.parameters() {
        let s = p
            .to_dtype(DType::F64)?
            .abs()?
            .sum_all()?
            .to_scalar::<f64>()?;
        finite &= s.is_finite();
    }
    if !finite {
        for (name, w) in before {
            model.set_parameter(name, w)?;
        }
    }
    Ok(())
}
