//! The trainer: mini-batch gradient descent with seeded reshuffling, validation, early stopping
//! that restores the best weights, learning-rate schedules and a divergence guard. Every step
//! runs through the engine ([`crate::engine`]); the data are validated once, before it starts.

use std::time::Instant;

use candle_core::DType;

use super::data::TrainData;
use super::history::{EpochRecord, History};
use super::observer::{Observer, RunInfo, Silent, StepInfo};
use super::parallel::DataParallel;
use super::schedule::LrScheduler;
use super::state::TrainState;
use crate::engine::{Engine, StepStats};
use crate::ensemble::{held_out_per_member, holdout_members, NO_MEMBER};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::metrics::{evaluate, scored};
use crate::model::Sequential;
use crate::optim::{Optimizer, OptimizerState};
use crate::real::Real;
use crate::rng::Rng;
use crate::spec::{ModelSpec, Monitor, Output, Recipe};
use crate::targets::{check_two_classes, target_values, with_features};

/// Trains a [`Sequential`] and can be stopped and resumed.
pub struct Trainer {
    threads: Option<usize>,
    parallel: Option<DataParallel>,
    config: Recipe,
    optimizer: Optimizer,
    rng: Rng,
    state: TrainState,
}

impl Trainer {
    /// A fresh run of `recipe` (validated here, see [`Recipe::validate`]).
    pub fn new(recipe: Recipe) -> Result<Self> {
        recipe.validate()?;
        let config = recipe;
        let optimizer = Optimizer::new(config.optimizer_config())?;
        let scheduler = LrScheduler::new(
            config.schedule.clone(),
            config.learning_rate(),
            config.epochs,
        );
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
            threads: None,
            parallel: None,
            config,
            optimizer,
            rng,
            state,
        })
    }

    /// Continues a run from a saved [`TrainState`]; `recipe` may raise `epochs`. The model gets
    /// the weights of the state's last completed epoch.
    pub fn resume(recipe: Recipe, state: TrainState, model: &mut Sequential) -> Result<Self> {
        for (name, w) in &state.weights {
            model.set_parameter(name, w)?;
        }
        let mut t = Trainer::new(recipe)?;
        t.optimizer.set_state(state.optimizer.clone());
        t.optimizer.set_lr(state.scheduler.lr);
        t.rng = Rng::from_state(state.rng);
        t.state = state;
        Ok(t)
    }

    /// Worker threads of the engine (default: candle's thread count, `RAYON_NUM_THREADS`).
    /// The weights do not depend on it.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Trains as one rank of a data-parallel run (see [`DataParallel`]): each step computes
    /// this rank's rows of the batch and sums the gradients over the ranks before the update.
    /// Every rank must train on the same data with the same configuration and seed.
    pub fn with_data_parallel(mut self, parallel: DataParallel) -> Self {
        self.parallel = Some(parallel);
        self
    }

    /// The run's recipe.
    pub fn recipe(&self) -> &Recipe {
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
    ) -> Result<History> {
        self.fit_with(model, train, val, &mut Silent)
    }

    /// [`Trainer::fit`] reporting progress to `observer` (progress bars, per-epoch checkpoints,
    /// or both as a pair `&mut (a, b)`).
    pub fn fit_with(
        &mut self,
        model: &mut Sequential,
        train: &TrainData,
        val: Option<&TrainData>,
        observer: &mut dyn Observer,
    ) -> Result<History> {
        match model.dtype() {
            DType::F32 => self.fit_in::<f32>(model, train, val, observer),
            DType::F64 => self.fit_in::<f64>(model, train, val, observer),
            other => Err(Error::Invalid(format!(
                "training needs an f32 or f64 model, this one is {other:?}"
            ))),
        }
    }

    fn fit_in<T: Real>(
        &mut self,
        model: &mut Sequential,
        train: &TrainData,
        val: Option<&TrainData>,
        observer: &mut dyn Observer,
    ) -> Result<History> {
        let spec = model.spec().clone();
        self.config.validate_for(&spec)?;
        // Validation, once, before the engine runs: features (borrowed when they are contiguous
        // CPU data of the engine's type), targets, classes, and the validation set.
        with_features(&spec, &train.x, "the training data", |xs: &[T]| {
            let ys = target_values::<T>(&spec, &train.y, xs.len() / spec.inputs)?;
            // A rank's share of the rows may hold one class by chance; the whole set is checked
            // where it is loaded.
            if self
                .parallel
                .as_ref()
                .and_then(DataParallel::shard_of)
                .is_none()
            {
                check_two_classes(&spec, &ys)?;
            }
            if let Some(v) = val {
                with_features(&spec, &v.x, "the validation data", |vx: &[T]| {
                    target_values::<T>(&spec, &v.y, vx.len() / spec.inputs).map(|_| ())
                })?;
            }
            self.run_epochs(model, xs, &ys, val, observer)
        })
    }

    /// The epochs of [`Trainer::fit`] on validated features `xs` and targets `ys`.
    fn run_epochs<T: Real>(
        &mut self,
        model: &mut Sequential,
        xs: &[T],
        ys: &[T],
        val: Option<&TrainData>,
        observer: &mut dyn Observer,
    ) -> Result<History> {
        let output = model.spec().output;
        let local = xs.len() / model.spec().inputs;
        let mut engine = Engine::<T>::new(model, self.threads)?;
        // The number of training rows: those given, or those of which this rank holds a share.
        let n = match &self.parallel {
            Some(p) => match p.shard_of() {
                Some(total) => {
                    let share = p.shard(total).count();
                    if local != share {
                        return Err(Error::Invalid(format!(
                            "rank {} of {} should hold {share} of the {total} training rows (rows {}, {}, …) but was given {local}",
                            p.rank,
                            p.ranks,
                            p.rank,
                            p.rank + p.ranks
                        )));
                    }
                    engine.set_row_stride(p.ranks);
                    total
                }
                None => local,
            },
            None => local,
        };
        if n == 0 {
            return Err(Error::Empty("no training rows".into()));
        }
        let bs = self.config.batch_size.unwrap_or(n).clamp(1, n);
        self.state.history.monitor = self.config.monitor;
        let class_weights = self.class_weights(model.spec(), ys)?;
        engine.set_class_weights(class_weights.as_deref());
        engine.set_label_smoothing(self.config.label_smoothing);
        engine.set_bootstrap(
            self.config
                .bootstrap
                .then(|| crate::ensemble::bootstrap_key(self.config.seed)),
        );
        // Member validation: each member holds out its own rows, scored each epoch in place of
        // validation data.
        let held_out = match self.config.member_validation {
            None => None,
            Some(fraction) => {
                if val.is_some() {
                    return Err(Error::Recipe {
                        field: "member_validation",
                        problem: "holds out rows of the training data for each member; give no validation data with it".into(),
                    });
                }
                if self.parallel.is_some() {
                    return Err(Error::Recipe {
                        field: "member_validation",
                        problem: "scores every held-out row in one process; it does not train data-parallel".into(),
                    });
                }
                let members = model.spec().ensemble.max(1);
                let each = held_out_per_member(n, members, fraction);
                if each == 0 {
                    return Err(Error::Recipe {
                        field: "member_validation",
                        problem: format!("needs a row to hold out for each of the {members} members; there are {n} training rows"),
                    });
                }
                let t = ys.len() / n;
                // Classes are spread evenly over the members' held-out rows.
                let loss = Loss::for_output(output);
                let classes: Option<Vec<u32>> = (t == 1)
                    .then(|| {
                        ys.iter()
                            .map(|y| loss.target_class(std::slice::from_ref(y)))
                            .collect()
                    })
                    .flatten();
                let holder =
                    holdout_members(n, members, fraction, self.config.seed, classes.as_deref())?;
                let held_ys: Vec<T> = holder
                    .iter()
                    .zip(ys.chunks_exact(t))
                    .filter(|(&m, _)| m != NO_MEMBER)
                    .flat_map(|(_, y)| y.iter().copied())
                    .collect();
                engine.set_holdout(Some(holder));
                // A held-out row is not in its holder's loss: the members train on this share
                // of the (row, member) pairs, and the training loss is a mean over them.
                Some((held_ys, 1.0 - each as f64 / n as f64))
            }
        };
        engine.load_optimizer_state(self.optimizer.config().kind, self.optimizer.state())?;
        let trained_share = held_out.as_ref().map_or(1.0, |(_, share)| *share);
        let steps = n.div_ceil(bs);
        observer.on_train_begin(&RunInfo {
            first_epoch: self.state.epoch + 1,
            epochs: self.config.epochs,
            steps_per_epoch: steps,
            samples: n,
        });
        let first_epoch = self.state.epoch + 1;
        while self.state.epoch < self.config.epochs && !self.state.stopped {
            let epoch = self.state.epoch + 1;
            let start = Instant::now();
            let lr = self.state.scheduler.lr_for_epoch(epoch);
            self.optimizer.set_lr(lr);
            observer.on_epoch_begin(epoch, lr);
            let mut order: Vec<u32> = (0..n as u32).collect();
            if self.config.shuffle {
                self.rng.shuffle(&mut order);
            }
            let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
            let mut norm_sums: Vec<(usize, f64)> = Vec::new();
            for step in 0..steps {
                let len = bs.min(n - step * bs);
                let rows = &order[step * bs..step * bs + len];
                // Full-batch, unshuffled: the same rows every step, so the engine keeps its
                // standardised copy of them.
                // (Not after a held-out pass, which leaves other rows there.)
                let reuse =
                    !self.config.shuffle && steps == 1 && epoch > first_epoch && held_out.is_none();
                let stats: StepStats = match &mut self.parallel {
                    Some(p) => {
                        let mine: Vec<u32> = rows.iter().copied().filter(|&r| p.owns(r)).collect();
                        engine.step_shard(
                            xs,
                            ys,
                            &mine,
                            len,
                            &mut self.rng,
                            &mut self.optimizer,
                            p.reducer.as_mut(),
                        )?
                    }
                    None => engine.step(xs, ys, rows, reuse, &mut self.rng, &mut self.optimizer),
                };
                if !stats.loss.is_finite() {
                    if engine.weights_finite() {
                        engine.write_back(model, &mut self.optimizer)?;
                    }
                    return Err(Error::Diverged {
                        epoch,
                        step: step + 1,
                        loss: stats.loss,
                    });
                }
                for (k, (layer, norm)) in stats.norms.into_iter().enumerate() {
                    match norm_sums.get_mut(k) {
                        Some(slot) => slot.1 += norm,
                        None => norm_sums.push((layer, norm)),
                    }
                }
                loss_sum += stats.loss * len as f64;
                seen += len;
                correct += stats.correct;
                let stop = observer.on_step(&StepInfo {
                    epoch,
                    step: step + 1,
                    steps,
                    samples: seen,
                    loss: loss_sum / (seen as f64 * trained_share),
                    accuracy: (output != Output::Linear).then(|| correct as f64 / seen as f64),
                });
                if let Err(e) = stop {
                    engine.write_back(model, &mut self.optimizer)?;
                    return Err(e);
                }
            }
            engine.write_back(model, &mut self.optimizer)?;
            let val_metrics = match (val, &held_out) {
                (_, Some((held_ys, _))) => {
                    let e = engine.evaluate_held_out(xs, ys).ok_or_else(|| {
                        Error::Invalid(
                            "a held-out training row has a value that is not finite".into(),
                        )
                    })?;
                    Some(scored(
                        model.loss(),
                        model.spec().output_units(),
                        &e,
                        held_ys,
                    ))
                }
                (Some(v), None) => Some(evaluate(model, &v.x, &v.y)?),
                (None, None) => None,
            };
            let train_loss = loss_sum / (n as f64 * trained_share);
            let binary = val_metrics.as_ref().and_then(|m| m.binary.as_ref());
            let monitored = match (&val_metrics, self.config.monitor) {
                (None, _) => train_loss,
                (Some(m), Monitor::Loss) => m.loss,
                // Lower is better: the negative accuracy or R² (their mean over several targets).
                (Some(m), Monitor::Metric) => -m.accuracy.or_else(|| m.r2()).unwrap_or(-m.loss),
            };
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
                val_r2: val_metrics.as_ref().and_then(|m| m.r2()),
                val_rmse: val_metrics.as_ref().and_then(|m| m.rmse()),
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
        observer.on_train_end(&self.state.history, model)?;
        Ok(self.state.history.clone())
    }

    /// The recipe's class weights for the training targets `ys` (counted over every rank when
    /// this rank holds only its share of the rows).
    fn class_weights<T: Real>(&mut self, spec: &ModelSpec, ys: &[T]) -> Result<Option<Vec<f64>>> {
        let Some(rule) = &self.config.class_weight else {
            return Ok(None);
        };
        let classes = match spec.output {
            Output::Sigmoid => 2,
            _ => spec.output_units(),
        };
        let loss = Loss::for_output(spec.output);
        let mut counts = vec![0f64; classes];
        for y in ys {
            if let Some(c) = loss.target_class(std::slice::from_ref(y)) {
                counts[(c as usize).min(classes - 1)] += 1.0;
            }
        }
        if let Some(p) = self.parallel.as_mut().filter(|p| p.shard_of().is_some()) {
            let mine = counts.clone();
            p.reducer.sum_f64(&mine, &mut counts)?;
        }
        let counts: Vec<usize> = counts.iter().map(|&c| c as usize).collect();
        rule.weights(&counts).map(Some)
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
