//! The engine: the one implementation of the network that trains, checks gradients and predicts.
//!
//! It holds a [`Sequential`]'s parameters and optimiser state as flat buffers of `f32` (training,
//! inference) or `f64` (gradient checks) and runs a step in two phases. Phase 1
//! ([`rows`]) splits the batch rows across worker threads for the forward pass, the loss and the
//! backward pass down to each dense layer's dZ; phase 2 ([`update`]) computes each block of weight
//! gradients over the whole batch and updates it (or stores it, for gradient checks), in parallel
//! over blocks. Results do not depend on the thread count.
//!
//! The engine owns only data layout and scheduling: every formula it runs is defined once in the
//! file of its concept (dense, activation, dropout, loss, scaling, optimiser). It computes on the
//! CPU; the model's tensors may live on any candle device and are copied in and out.

mod rows;
mod shard;
mod update;

use candle_core::Tensor;
use rayon::prelude::*;

use crate::dropout::draw_row_mask;
use crate::error::Result;
use crate::layer::Layer;
use crate::loss::Loss;
use crate::model::Sequential;
use crate::optim::{Optimizer, OptimizerKind, OptimizerState};
use crate::periodic::Dims;
use crate::real::Real;
use crate::rng::Rng;
use rows::{Op, Pass, RowSlices, Scratch, Shared};
use update::{
    update, update_embedding, update_periodic, DenseParams, EmbeddingParams, PeriodicParams, Sink,
    PERIODIC_TENSORS,
};

/// Multiply-adds per step below which a worker is not worth its hand-off (measured: a
/// logistic-regression step of ~40k multiply-adds ran slower split in two).
const MIN_MACS_PER_WORKER: usize = 1 << 20;

/// Rows per forward pass at inference, to bound memory on large inputs: each chunk holds every
/// layer's activations (20 KB a row for 784-1024-1024-10, so 20 MB), while a product over 1024
/// rows is as efficient as over more.
const INFER_BATCH: usize = 1024;

/// Named flat tensors, in checkpoint order.
type Named<T> = Vec<(String, Vec<T>)>;

/// What [`Engine::evaluate`] measures.
pub(crate) struct Evaluation<T> {
    /// Mean loss.
    pub loss: f64,
    /// Predicted class of every row (classification).
    pub predicted: Vec<u32>,
    /// Row-major outputs (regression).
    pub values: Vec<T>,
}

/// One step's numbers.
pub(crate) struct StepStats {
    pub loss: f64,
    pub correct: usize,
    /// (layer index, ‖∇‖) per dense layer.
    pub norms: Vec<(usize, f64)>,
}

/// The network as flat buffers, with the scratch of the last step.
pub(crate) struct Engine<T: Real> {
    ops: Vec<Op>,
    dense: Vec<DenseParams<T>>,
    periodic: Vec<PeriodicParams<T>>,
    embedding: Option<EmbeddingParams<T>>,
    /// Width of every op's input, then of the logits.
    widths: Vec<usize>,
    loss: Loss,
    /// Weight of every class in the training loss (None: unweighted).
    class_weights: Option<Vec<T>>,
    /// Label smoothing ε of the training loss (0: none).
    smoothing: T,
    /// See [`Engine::set_bootstrap`].
    bootstrap: Option<u64>,
    /// See [`Engine::set_holdout`].
    holdout: Option<Vec<u16>>,
    macs_per_row: usize,
    scaling: Option<(Vec<T>, Vec<T>)>,
    threads: usize,
    /// Dropout masks of the whole batch, per op.
    masks: Vec<Vec<T>>,
    /// Whole-batch buffers: acts[i] is op i's input, acts[ops.len()] the logits.
    acts: Vec<Vec<T>>,
    /// Whole-batch dZ of every dense op (empty for other ops).
    dzs: Vec<Vec<T>>,
    /// Members of an ensemble (1: a single network); the last dense op computes their logits
    /// side by side.
    members: usize,
    /// Whole-batch combined logits of an ensemble (inference and evaluation).
    combined: Vec<T>,
    scratch: Vec<Scratch<T>>,
    /// A data-parallel step's gradient summed over the ranks, one layer at a time (sized for the
    /// largest layer; the update reads it).
    reduce_buf: Vec<T>,
    /// See [`Engine::set_row_stride`].
    row_stride: usize,
}

impl<T: Real> Engine<T> {
    /// The engine for `model` with `threads` workers (default: candle's thread count).
    pub fn new(model: &Sequential, threads: Option<usize>) -> Result<Self> {
        let mut ops = Vec::new();
        let mut dense = Vec::new();
        let mut periodic = Vec::new();
        let mut embedding = None;
        let mut widths = vec![model.spec().inputs];
        let mut macs_per_row = 0;
        for (i, layer) in model.layers().iter().enumerate() {
            let width = widths.last().copied().unwrap_or(0);
            match layer {
                Layer::Dense(d) => {
                    let (inputs, outputs) = (d.weight().dims()[1], d.out_features());
                    dense.push(DenseParams {
                        layer: i,
                        inputs,
                        outputs,
                        members: d.members(),
                        w: T::values(d.weight())?,
                        ws: [Vec::new(), Vec::new()],
                        b: d.bias().map(T::values).transpose()?,
                        bs: [Vec::new(), Vec::new()],
                        gw: Vec::new(),
                        gb: Vec::new(),
                    });
                    macs_per_row += 3 * inputs * outputs;
                    widths.push(outputs);
                    ops.push(Op::Dense(dense.len() - 1));
                }
                Layer::Periodic(p) => {
                    let (k, d) = (p.frequency().dims()[1], p.weight().dims()[0]);
                    periodic.push(PeriodicParams {
                        layer: i,
                        dims: Dims { k, d },
                        p: [
                            T::values(p.frequency())?,
                            T::values(p.weight())?,
                            T::values(p.bias())?,
                        ],
                        s: Default::default(),
                        g: Default::default(),
                    });
                    // Per feature: k angles, 2k·d multiply-adds; three passes.
                    macs_per_row += 3 * width * (k + 2 * k * d);
                    widths.push(width * d);
                    ops.push(Op::Periodic(periodic.len() - 1));
                }
                Layer::Embedding(e) => {
                    let Some(plan) = model.spec().embedding_plan() else {
                        return Err(crate::error::Error::Spec(
                            "an embedding layer must be the first layer".into(),
                        ));
                    };
                    let out = plan.out_width();
                    embedding = Some(EmbeddingParams {
                        layer: i,
                        plan,
                        w: T::values(e.weight())?,
                        s: Default::default(),
                        g: Vec::new(),
                    });
                    // A copy or a lookup per output value; twice, forward and backward.
                    macs_per_row += 2 * out;
                    widths.push(out);
                    ops.push(Op::Embedding);
                }
                Layer::Activation(a) => {
                    widths.push(width);
                    ops.push(Op::Act(*a));
                }
                Layer::Dropout(r) => {
                    widths.push(width);
                    ops.push(Op::Dropout(*r));
                }
            }
        }
        let n_ops = ops.len();
        Ok(Engine {
            ops,
            dense,
            periodic,
            embedding,
            widths,
            loss: model.loss(),
            class_weights: None,
            smoothing: T::ZERO,
            bootstrap: None,
            holdout: None,
            macs_per_row,
            scaling: model.input_scaling().map(|s| s.factors()),
            threads: threads
                .unwrap_or_else(candle_core::utils::get_num_threads)
                .max(1),
            masks: vec![Vec::new(); n_ops],
            acts: vec![Vec::new(); n_ops + 1],
            dzs: vec![Vec::new(); n_ops],
            members: model.spec().ensemble.max(1),
            combined: Vec::new(),
            scratch: Vec::new(),
            reduce_buf: Vec::new(),
            row_stride: 1,
        })
    }

    /// Weighs each class's rows in the loss (and so in the gradients): row i of class c
    /// contributes w_c · ℓ_i. `None` weighs every row 1.
    pub fn set_class_weights(&mut self, weights: Option<&[f64]>) {
        self.class_weights = weights.map(|w| w.iter().map(|&v| T::from_f64(v)).collect());
    }

    /// Label smoothing ε of the training loss ([`Loss::row_smoothed`]); evaluation stays plain.
    pub fn set_label_smoothing(&mut self, eps: f64) {
        self.smoothing = T::from_f64(eps);
    }

    /// Bootstrap rows for the members of an ensemble: member m counts training row r
    /// [`crate::ensemble::bootstrap_count`]`(key, m, r)` times in its loss (`None`: once).
    pub fn set_bootstrap(&mut self, key: Option<u64>) {
        self.bootstrap = key;
    }

    /// Held-out rows for the members of an ensemble: `holder[r]` is the member that holds training
    /// row r out of its loss ([`crate::ensemble::NO_MEMBER`]: none), see
    /// [`crate::ensemble::holdout_members`]; [`Engine::evaluate_held_out`] then scores each row by
    /// its holder alone. `None`: every member trains on every row.
    pub fn set_holdout(&mut self, holder: Option<Vec<u16>>) {
        self.holdout = holder;
    }

    /// Tells the engine that the data it is given hold only every `stride`-th row of the
    /// training data (this rank's rows of a data-parallel run): row `r` of a batch is then row
    /// `r / stride` of `x`, while dropout masks still come from `r`. 1 (the default) for all rows.
    pub fn set_row_stride(&mut self, stride: usize) {
        self.row_stride = stride.max(1);
    }

    /// Loads the optimiser's buffers for `kind` from `state` (zeros where absent, which give the
    /// same first step as none).
    pub fn load_optimizer_state(
        &mut self,
        kind: OptimizerKind,
        state: &OptimizerState,
    ) -> Result<()> {
        let names = kind.buffers();
        for p in &mut self.dense {
            let slots = |param: String, len: usize| -> Result<[Vec<T>; 2]> {
                let mut out = [Vec::new(), Vec::new()];
                for (slot, b) in out.iter_mut().zip(names) {
                    *slot = match state.buffers.get(&format!("{param}.{b}")) {
                        Some(t) => T::values(t)?,
                        None => vec![T::ZERO; len],
                    };
                }
                Ok(out)
            };
            p.ws = slots(format!("{}.weight", p.layer), p.w.len())?;
            if let Some(b) = &p.b {
                p.bs = slots(format!("{}.bias", p.layer), b.len())?;
            }
        }
        for q in &mut self.periodic {
            for (t, name) in PERIODIC_TENSORS.iter().enumerate() {
                let mut out = [Vec::new(), Vec::new()];
                for (slot, b) in out.iter_mut().zip(names) {
                    *slot = match state.buffers.get(&format!("{}.{name}.{b}", q.layer)) {
                        Some(v) => T::values(v)?,
                        None => vec![T::ZERO; q.p[t].len()],
                    };
                }
                q.s[t] = out;
            }
        }
        if let Some(e) = &mut self.embedding {
            for (slot, b) in e.s.iter_mut().zip(names) {
                *slot = match state.buffers.get(&format!("{}.weight.{b}", e.layer)) {
                    Some(v) => T::values(v)?,
                    None => vec![T::ZERO; e.w.len()],
                };
            }
        }
        Ok(())
    }

    /// Width of the logits (of the combined logits, for an ensemble).
    pub fn outputs(&self) -> usize {
        self.widths[self.ops.len()] / self.members
    }

    /// The logits of the last inference or evaluation pass: the last op's output, or an
    /// ensemble's combined logits.
    fn last_logits(&self) -> &[T] {
        if self.members > 1 {
            &self.combined
        } else {
            &self.acts[self.ops.len()]
        }
    }

    /// Phase 1 over `rows` of the row-major `x` (with `targets` for every row of `x`): returns
    /// the loss summed over `rows` divided by `mean_over` (their count, or the global batch of a
    /// data-parallel step) and the correct predictions. With `reuse_input`, `rows` are the same
    /// as in the previous call and the standardised input is kept.
    #[allow(clippy::too_many_arguments)]
    fn phase1(
        &mut self,
        x: &[T],
        targets: &[T],
        rows: &[u32],
        mean_over: usize,
        reuse_input: bool,
        rng: Option<&mut Rng>,
        pass: Pass,
    ) -> (f64, usize) {
        let batch = rows.len();
        // Dropout masks first: one key per step from `rng`, then each row's mask from (key, op,
        // row), so the units dropped do not depend on how rows are split across workers or ranks.
        let has_dropout = self.ops.iter().any(|op| matches!(op, Op::Dropout(_)));
        match rng {
            Some(rng) if has_dropout => {
                let key = rng.next_u64();
                for (k, op) in self.ops.iter().enumerate() {
                    if let Op::Dropout(rate) = op {
                        let w = self.widths[k];
                        self.masks[k].resize(batch * w, T::ZERO);
                        for (m, &r) in self.masks[k].chunks_exact_mut(w.max(1)).zip(rows) {
                            draw_row_mask(*rate, key, k, r, m);
                        }
                    }
                }
            }
            Some(_) => {}
            None => self.masks.iter_mut().for_each(Vec::clear),
        }
        let gather = !(reuse_input && self.acts[0].len() == batch * self.widths[0]);
        for (buf, w) in self.acts.iter_mut().zip(&self.widths) {
            buf.resize(batch * w, T::ZERO);
        }
        for (k, op) in self.ops.iter().enumerate() {
            if pass == Pass::Train && matches!(op, Op::Dense(_) | Op::Periodic(_) | Op::Embedding) {
                self.dzs[k].resize(batch * self.widths[k + 1], T::ZERO);
            }
        }
        let combines =
            self.members > 1 && matches!(pass, Pass::Infer | Pass::Evaluate | Pass::Holdout);
        let out = self.outputs();
        self.combined
            .resize(if combines { batch * out } else { 0 }, T::ZERO);
        let by_work = (batch * self.macs_per_row / MIN_MACS_PER_WORKER).max(1);
        let per = batch.div_ceil(self.threads.min(by_work).min(batch).max(1));
        let n_workers = batch.div_ceil(per);
        self.scratch.resize_with(n_workers, Scratch::default);

        // Each worker's rows of every buffer.
        let mut slices: Vec<RowSlices<'_, T>> = (0..n_workers)
            .map(|_| RowSlices {
                acts: Vec::new(),
                dzs: Vec::new(),
                combined: <&mut [T]>::default(),
            })
            .collect();
        if combines {
            for (s, chunk) in slices.iter_mut().zip(self.combined.chunks_mut(per * out)) {
                s.combined = chunk;
            }
        }
        for (buf, w) in self.acts.iter_mut().zip(&self.widths) {
            for (s, chunk) in slices.iter_mut().zip(buf.chunks_mut(per * w)) {
                s.acts.push(chunk);
            }
        }
        for (k, buf) in self.dzs.iter_mut().enumerate() {
            let w = match self.ops[k] {
                Op::Dense(_) | Op::Periodic(_) | Op::Embedding if pass == Pass::Train => {
                    self.widths[k + 1]
                }
                _ => 0,
            };
            if w == 0 {
                slices
                    .iter_mut()
                    .for_each(|s| s.dzs.push(<&mut [T]>::default()));
            } else {
                for (s, chunk) in slices.iter_mut().zip(buf.chunks_mut(per * w)) {
                    s.dzs.push(chunk);
                }
            }
        }
        let shared = Shared {
            ops: &self.ops,
            dense: &self.dense,
            periodic: &self.periodic,
            embedding: self.embedding.as_ref(),
            widths: &self.widths,
            masks: &self.masks,
            loss: self.loss,
            members: self.members,
            class_weights: self.class_weights.as_deref(),
            smoothing: self.smoothing,
            bootstrap: self.bootstrap,
            holdout: self.holdout.as_deref(),
            scaling: self.scaling.as_ref(),
            x,
            targets,
            row_stride: self.row_stride,
            batch: mean_over.max(1),
            pass,
        };
        let work = |(w, (b, scratch)): (usize, (RowSlices<'_, T>, &mut Scratch<T>))| {
            let mut b = b;
            let start = w * per;
            let end = (start + per).min(batch);
            rows::run(&shared, &rows[start..end], start, &mut b, scratch, gather);
        };
        if n_workers == 1 {
            slices
                .into_iter()
                .zip(self.scratch.iter_mut())
                .enumerate()
                .for_each(work);
        } else {
            slices
                .into_par_iter()
                .zip(self.scratch.par_iter_mut())
                .enumerate()
                .for_each(work);
        }
        let loss = self.scratch.iter().map(|s| s.loss).sum::<f64>() / mean_over.max(1) as f64;
        let correct = self.scratch.iter().map(|s| s.correct).sum();
        (loss, correct)
    }

    /// Phase 2: every dense layer's gradient over the batch of the last phase 1, handed to `sink`.
    fn phase2(&mut self, sink: &Sink<'_, T>) -> Vec<(usize, f64)> {
        let mut inputs: Vec<&[T]> = Vec::with_capacity(self.dense.len());
        let mut dzs: Vec<&[T]> = Vec::with_capacity(self.dense.len());
        for (k, op) in self.ops.iter().enumerate() {
            if let Op::Dense(_) = op {
                inputs.push(&self.acts[k]);
                dzs.push(&self.dzs[k]);
            }
        }
        let sq = update(&mut self.dense, &inputs, &dzs, sink, self.threads);
        let mut norms: Vec<(usize, f64)> = self
            .dense
            .iter()
            .zip(sq)
            .map(|(p, s)| (p.layer, s.sqrt()))
            .collect();
        if !self.periodic.is_empty() {
            let (mut xs, mut dys): (Vec<&[T]>, Vec<&[T]>) = (Vec::new(), Vec::new());
            for (k, op) in self.ops.iter().enumerate() {
                if let Op::Periodic(_) = op {
                    xs.push(&self.acts[k]);
                    dys.push(&self.dzs[k]);
                }
            }
            let sq = update_periodic(&mut self.periodic, &xs, &dys, sink);
            norms.extend(
                self.periodic
                    .iter()
                    .zip(sq)
                    .map(|(q, s)| (q.layer, s.sqrt())),
            );
        }
        if let Some(e) = &mut self.embedding {
            // One op per layer: the layer's index is its op's.
            let sq = update_embedding(e, &self.acts[e.layer], &self.dzs[e.layer], sink);
            norms.push((e.layer, sq.sqrt()));
        }
        norms.sort_by_key(|&(layer, _)| layer);
        norms
    }

    /// One training step on the rows `rows` of `x`: forward, loss, backward and the optimiser
    /// update. `targets` holds the target value(s) of every row of `x` (class indices as
    /// numbers). A non-finite loss leaves the weights as they were.
    pub fn step(
        &mut self,
        x: &[T],
        targets: &[T],
        rows: &[u32],
        reuse_input: bool,
        rng: &mut Rng,
        optimizer: &mut Optimizer,
    ) -> StepStats {
        let (loss, correct) = self.phase1(
            x,
            targets,
            rows,
            rows.len(),
            reuse_input,
            Some(rng),
            Pass::Train,
        );
        if !loss.is_finite() {
            return StepStats {
                loss,
                correct,
                norms: Vec::new(),
            };
        }
        let update = optimizer.next_update::<T>();
        let norms = self.phase2(&Sink::Update(&update));
        StepStats {
            loss,
            correct,
            norms,
        }
    }

    /// The mean loss over all rows of `x` and dJ/dθ of every parameter, named as in checkpoints,
    /// with dropout masks drawn from `rng`; the weights are not changed.
    pub fn gradients(
        &mut self,
        x: &[T],
        targets: &[T],
        rng: &mut Rng,
    ) -> (f64, Vec<(String, Vec<T>)>) {
        let rows = self.all_rows(x);
        let (loss, _) = self.phase1(x, targets, &rows, rows.len(), false, Some(rng), Pass::Train);
        for p in &mut self.dense {
            p.gw.resize(p.w.len(), T::ZERO);
            p.gb.resize(p.b.as_ref().map_or(0, Vec::len), T::ZERO);
        }
        self.phase2(&Sink::Capture);
        // In the order of `Sequential::parameters`: by layer, then each layer's own order.
        let mut out: Vec<(usize, Named<T>)> = Vec::new();
        for p in &mut self.dense {
            let mut grads = vec![(format!("{}.weight", p.layer), std::mem::take(&mut p.gw))];
            if p.b.is_some() {
                grads.push((format!("{}.bias", p.layer), std::mem::take(&mut p.gb)));
            }
            out.push((p.layer, grads));
        }
        for q in &mut self.periodic {
            let grads = PERIODIC_TENSORS
                .iter()
                .zip(q.g.iter_mut())
                .map(|(name, g)| (format!("{}.{name}", q.layer), std::mem::take(g)))
                .collect();
            out.push((q.layer, grads));
        }
        if let Some(e) = &mut self.embedding {
            let g = std::mem::take(&mut e.g);
            out.push((e.layer, vec![(format!("{}.weight", e.layer), g)]));
        }
        out.sort_by_key(|(layer, _)| *layer);
        (loss, out.into_iter().flat_map(|(_, g)| g).collect())
    }

    /// The mean loss over all rows of `x`, with dropout masks drawn from `rng` (the function a
    /// gradient check differentiates).
    pub fn loss(&mut self, x: &[T], targets: &[T], rng: &mut Rng) -> f64 {
        let rows = self.all_rows(x);
        self.phase1(x, targets, &rows, rows.len(), false, Some(rng), Pass::Loss)
            .0
    }

    /// Inference: the logits of every row of `x`, row-major, dropout off; None when an input
    /// value is not finite (after standardisation).
    pub fn logits(&mut self, x: &[T]) -> Option<Vec<T>> {
        let rows = self.all_rows(x);
        let mut out = Vec::with_capacity(rows.len() * self.outputs());
        self.in_chunks(x, &[], &rows, Pass::Infer, |_, z| out.extend_from_slice(z))
            .then_some(out)
    }

    /// The mean loss and the predicted classes (classification) or outputs (regression) over
    /// all rows of `x`, dropout off; None when an input value is not finite.
    pub fn evaluate(&mut self, x: &[T], targets: &[T]) -> Option<Evaluation<T>> {
        let rows = self.all_rows(x);
        self.evaluate_in(x, targets, &rows, Pass::Evaluate)
    }

    /// [`Engine::evaluate`] over the rows of `x` held out by a member ([`Engine::set_holdout`]),
    /// each predicted by the member that holds it out: the loss, classes or values of those rows
    /// in the order of `x`.
    pub fn evaluate_held_out(&mut self, x: &[T], targets: &[T]) -> Option<Evaluation<T>> {
        let holder = self.holdout.as_deref().unwrap_or_default();
        let rows: Vec<u32> = (0..holder.len() as u32)
            .filter(|&r| holder[r as usize] != crate::ensemble::NO_MEMBER)
            .collect();
        self.evaluate_in(x, targets, &rows, Pass::Holdout)
    }

    fn evaluate_in(
        &mut self,
        x: &[T],
        targets: &[T],
        rows: &[u32],
        pass: Pass,
    ) -> Option<Evaluation<T>> {
        let (k, loss_fn) = (self.outputs(), self.loss);
        let (mut loss_sum, mut rows_seen) = (0.0, 0);
        let mut predicted = Vec::new();
        let mut values = Vec::new();
        let finite = self.in_chunks(x, targets, rows, pass, |loss, z| {
            let len = z.len() / k;
            loss_sum += loss * len as f64;
            rows_seen += len;
            if loss_fn == Loss::MeanSquaredError {
                values.extend_from_slice(z);
            } else {
                predicted.extend(
                    z.chunks_exact(k)
                        .filter_map(|zr| loss_fn.predicted_class(zr)),
                );
            }
        });
        finite.then(|| Evaluation {
            loss: loss_sum / rows_seen.max(1) as f64,
            predicted,
            values,
        })
    }

    /// Phase 1 with dropout off over `rows` of `x`, in chunks of [`INFER_BATCH`] rows (to bound
    /// memory); `each` gets every chunk's mean loss and logits. Stops and returns false at the
    /// first chunk with a non-finite input value.
    fn in_chunks(
        &mut self,
        x: &[T],
        targets: &[T],
        rows: &[u32],
        pass: Pass,
        mut each: impl FnMut(f64, &[T]),
    ) -> bool {
        for chunk in rows.chunks(INFER_BATCH) {
            let (loss, _) = self.phase1(x, targets, chunk, chunk.len(), false, None, pass);
            if !self.scratch.iter().all(|s| s.finite) {
                return false;
            }
            each(loss, self.last_logits());
        }
        true
    }

    fn all_rows(&self, x: &[T]) -> Vec<u32> {
        (0..(x.len() / self.widths[0].max(1)) as u32).collect()
    }

    /// The flat values of the named parameter, to perturb in a gradient check.
    pub fn parameter_mut(&mut self, name: &str) -> Option<&mut [T]> {
        let (layer, what) = name.split_once('.')?;
        let layer: usize = layer.parse().ok()?;
        if let Some(e) = self.embedding.as_mut().filter(|e| e.layer == layer) {
            return (what == "weight").then_some(&mut e.w[..]);
        }
        if let Some(q) = self.periodic.iter_mut().find(|q| q.layer == layer) {
            let t = PERIODIC_TENSORS.iter().position(|n| *n == what)?;
            return Some(&mut q.p[t]);
        }
        let p = self.dense.iter_mut().find(|p| p.layer == layer)?;
        match what {
            "weight" => Some(&mut p.w),
            "bias" => p.b.as_deref_mut(),
            _ => None,
        }
    }

    /// True when every weight is finite.
    pub fn weights_finite(&self) -> bool {
        self.dense.iter().all(|p| {
            p.w.iter().all(|v| v.is_finite()) && p.b.iter().flatten().all(|v| v.is_finite())
        }) && self
            .periodic
            .iter()
            .all(|q| q.p.iter().flatten().all(|v| v.is_finite()))
            && self
                .embedding
                .iter()
                .all(|e| e.w.iter().all(|v| v.is_finite()))
    }

    /// Writes the weights into `model` and the optimiser buffers into `optimizer`'s state.
    pub fn write_back(&self, model: &mut Sequential, optimizer: &mut Optimizer) -> Result<()> {
        let names = optimizer.config().kind.buffers();
        let mut state = optimizer.state().clone();
        let (device, dtype) = (model.device().clone(), model.dtype());
        let tensor = |v: &[T], dims: &[usize]| -> Result<Tensor> {
            Ok(Tensor::from_slice(v, dims, &device)?.to_dtype(dtype)?)
        };
        for p in &self.dense {
            let mut params = vec![(
                format!("{}.weight", p.layer),
                vec![p.outputs, p.inputs],
                &p.w,
                &p.ws,
            )];
            if let Some(b) = &p.b {
                params.push((format!("{}.bias", p.layer), vec![p.outputs], b, &p.bs));
            }
            for (name, dims, value, slots) in params {
                model.set_parameter(&name, &tensor(value, &dims)?)?;
                for (b, slot) in names.iter().zip(slots) {
                    state
                        .buffers
                        .insert(format!("{name}.{b}"), tensor(slot, &dims)?);
                }
            }
        }
        for q in &self.periodic {
            let Dims { k, d } = q.dims;
            let shapes = [vec![q.p[0].len() / k.max(1), k], vec![d, 2 * k], vec![d]];
            for (t, dims) in shapes.iter().enumerate() {
                let name = format!("{}.{}", q.layer, PERIODIC_TENSORS[t]);
                model.set_parameter(&name, &tensor(&q.p[t], dims)?)?;
                for (b, slot) in names.iter().zip(&q.s[t]) {
                    state
                        .buffers
                        .insert(format!("{name}.{b}"), tensor(slot, dims)?);
                }
            }
        }
        if let Some(e) = &self.embedding {
            let name = format!("{}.weight", e.layer);
            let dims = [e.w.len() / e.plan.units.max(1), e.plan.units];
            model.set_parameter(&name, &tensor(&e.w, &dims)?)?;
            for (b, slot) in names.iter().zip(&e.s) {
                state
                    .buffers
                    .insert(format!("{name}.{b}"), tensor(slot, &dims)?);
            }
        }
        optimizer.set_state(state);
        Ok(())
    }
}
