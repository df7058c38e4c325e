//! The fast-path engine: a [`Sequential`]'s parameters and optimiser state as flat f32 buffers,
//! and the two phases of a step. Phase 1 ([`super::rows`]) splits the batch rows across worker
//! threads for the forward pass, the loss and the backward pass down to each dense layer's dZ;
//! phase 2 ([`super::update`]) computes each block of weight gradients over the whole batch and
//! updates it, in parallel over blocks. Results do not depend on the thread count.

use candle_core::{DType, Device, Tensor};
use rayon::prelude::*;

use super::rows::{self, Op, RowSlices, Scratch, Shared};
use super::update::{update, DenseParams};
use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::optim::{Optimizer, OptimizerKind};
use crate::rng::Rng;
use crate::sequential::Sequential;
use crate::spec::Output;

/// Multiply-adds per step below which a worker is not worth its hand-off (measured: a
/// logistic-regression step of ~40k multiply-adds ran slower split in two).
const MIN_MACS_PER_WORKER: usize = 1 << 20;

/// One step's numbers.
pub(crate) struct StepStats {
    pub loss: f64,
    pub correct: usize,
    /// (layer index, ‖∇‖) per dense layer.
    pub norms: Vec<(usize, f64)>,
}

/// A training engine for a CPU f32 model.
pub(crate) struct CpuMlp {
    ops: Vec<Op>,
    dense: Vec<DenseParams>,
    /// Width of every op's input, then of the logits.
    widths: Vec<usize>,
    output: Output,
    macs_per_row: usize,
    scaling: Option<(Vec<f32>, Vec<f32>)>,
    threads: usize,
    /// Dropout masks of the whole batch, per op.
    masks: Vec<Vec<f32>>,
    /// Whole-batch buffers: acts[i] is op i's input, acts[ops.len()] the logits.
    acts: Vec<Vec<f32>>,
    /// Whole-batch dZ of every dense op (empty for other ops).
    dzs: Vec<Vec<f32>>,
    scratch: Vec<Scratch>,
}

/// Contiguous f32 values of a CPU tensor.
fn values(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

impl CpuMlp {
    /// The engine for `model` with `threads` workers (default: candle's thread count), or `None`
    /// when the fast path does not apply (not CPU or not f32).
    pub fn new(
        model: &Sequential,
        optimizer: &Optimizer,
        threads: Option<usize>,
    ) -> Result<Option<Self>> {
        if !matches!(model.device(), Device::Cpu) || model.dtype() != DType::F32 {
            return Ok(None);
        }
        let kind = optimizer.config().kind;
        let state = optimizer.state();
        // The moments of a parameter, or zeros (which give the same first step as none).
        let moments = |name: &str, len: usize| -> Result<(Vec<f32>, Vec<f32>)> {
            let get = |suffix: &str| -> Result<Vec<f32>> {
                match state.buffers.get(&format!("{name}.{suffix}")) {
                    Some(b) => values(b),
                    None => Ok(vec![0.0; len]),
                }
            };
            Ok(match kind {
                OptimizerKind::Sgd => (Vec::new(), Vec::new()),
                OptimizerKind::Momentum => (get("momentum_buffer")?, Vec::new()),
                OptimizerKind::Adam | OptimizerKind::Adamw => (get("exp_avg")?, get("exp_avg_sq")?),
            })
        };
        let mut ops = Vec::new();
        let mut dense = Vec::new();
        let mut widths = vec![model.spec().inputs];
        let mut macs_per_row = 0;
        for (i, layer) in model.layers().iter().enumerate() {
            let width = widths.last().copied().unwrap_or(0);
            match layer {
                Layer::Dense(d) => {
                    let w = values(d.weight())?;
                    let (wm, wv) = moments(&format!("{i}.weight"), w.len())?;
                    let (b, bm, bv) = match d.bias() {
                        Some(b) => {
                            let b = values(b)?;
                            let (bm, bv) = moments(&format!("{i}.bias"), b.len())?;
                            (Some(b), bm, bv)
                        }
                        None => (None, Vec::new(), Vec::new()),
                    };
                    let (inputs, outputs) = (d.in_features(), d.out_features());
                    dense.push(DenseParams {
                        layer: i,
                        inputs,
                        outputs,
                        w,
                        wm,
                        wv,
                        b,
                        bm,
                        bv,
                    });
                    macs_per_row += 3 * inputs * outputs;
                    widths.push(outputs);
                    ops.push(Op::Dense(dense.len() - 1));
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
        let scaling = model
            .input_scaling()
            .map(|s| (s.mean.clone(), s.scale.iter().map(|v| 1.0 / v).collect()));
        let n_ops = ops.len();
        Ok(Some(CpuMlp {
            ops,
            dense,
            widths,
            output: model.spec().output,
            macs_per_row,
            scaling,
            threads: threads
                .unwrap_or_else(candle_core::utils::get_num_threads)
                .max(1),
            masks: vec![Vec::new(); n_ops],
            acts: vec![Vec::new(); n_ops + 1],
            dzs: vec![Vec::new(); n_ops],
            scratch: Vec::new(),
        }))
    }

    /// One step on the rows `rows` of the row-major `x`: forward, loss, backward and the optimiser
    /// update. `targets` holds the class index (as f32) or the target values of every row. With
    /// `reuse_input`, `rows` are the same as in the previous step (full batch, no shuffling) and
    /// the standardised input is kept.
    pub fn step(
        &mut self,
        x: &[f32],
        targets: &[f32],
        rows: &[u32],
        reuse_input: bool,
        rng: &mut Rng,
        optimizer: &mut Optimizer,
    ) -> Result<StepStats> {
        let batch = rows.len();
        // Dropout masks for the whole batch first, in the candle path's order (layer by layer,
        // row-major), so both paths draw the same numbers.
        for (k, op) in self.ops.iter().enumerate() {
            if let Op::Dropout(rate) = op {
                let mask = &mut self.masks[k];
                mask.resize(batch * self.widths[k], 0.0);
                let keep = 1.0 - rate;
                let scale = (1.0 / keep) as f32;
                for m in mask.iter_mut() {
                    *m = if *rate == 0.0 || rng.next_f64() < keep {
                        scale
                    } else {
                        0.0
                    };
                }
            }
        }
        let gather = !(reuse_input && self.acts[0].len() == batch * self.widths[0]);
        for (buf, w) in self.acts.iter_mut().zip(&self.widths) {
            buf.resize(batch * w, 0.0);
        }
        for (k, op) in self.ops.iter().enumerate() {
            if let Op::Dense(d) = op {
                self.dzs[k].resize(batch * self.dense[*d].outputs, 0.0);
            }
        }
        let by_work = (batch * self.macs_per_row / MIN_MACS_PER_WORKER).max(1);
        let per = batch.div_ceil(self.threads.min(by_work).min(batch).max(1));
        let n_workers = batch.div_ceil(per);
        self.scratch.resize_with(n_workers, Scratch::default);

        // Phase 1: each worker's rows of every buffer.
        let mut slices: Vec<RowSlices<'_>> = (0..n_workers)
            .map(|_| RowSlices {
                acts: Vec::new(),
                dzs: Vec::new(),
            })
            .collect();
        for (buf, w) in self.acts.iter_mut().zip(&self.widths) {
            for (s, chunk) in slices.iter_mut().zip(buf.chunks_mut(per * w)) {
                s.acts.push(chunk);
            }
        }
        for (k, buf) in self.dzs.iter_mut().enumerate() {
            let w = match self.ops[k] {
                Op::Dense(d) => self.dense[d].outputs,
                _ => 0,
            };
            if w == 0 {
                slices
                    .iter_mut()
                    .for_each(|s| s.dzs.push(<&mut [f32]>::default()));
            } else {
                for (s, chunk) in slices.iter_mut().zip(buf.chunks_mut(per * w)) {
                    s.dzs.push(chunk);
                }
            }
        }
        let shared = Shared {
            ops: &self.ops,
            dense: &self.dense,
            widths: &self.widths,
            masks: &self.masks,
            output: self.output,
            scaling: self.scaling.as_ref(),
            x,
            targets,
            batch,
        };
        let work = |(w, (b, scratch)): (usize, (RowSlices<'_>, &mut Scratch))| {
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
        let loss = self.scratch.iter().map(|s| s.loss).sum::<f64>() / batch as f64;
        let correct = self.scratch.iter().map(|s| s.correct).sum();
        if !loss.is_finite() {
            return Ok(StepStats {
                loss,
                correct,
                norms: Vec::new(),
            });
        }

        // Phase 2: gradients and update, block by block.
        optimizer.count_step();
        let step = optimizer.state().step;
        let mut inputs: Vec<&[f32]> = Vec::with_capacity(self.dense.len());
        let mut dzs: Vec<&[f32]> = Vec::with_capacity(self.dense.len());
        for (k, op) in self.ops.iter().enumerate() {
            if let Op::Dense(_) = op {
                inputs.push(&self.acts[k]);
                dzs.push(&self.dzs[k]);
            }
        }
        let sq = update(
            &mut self.dense,
            &inputs,
            &dzs,
            batch,
            optimizer.config(),
            step,
            self.threads,
        );
        let norms = self
            .dense
            .iter()
            .zip(sq)
            .map(|(p, s)| (p.layer, s.sqrt()))
            .collect();
        Ok(StepStats {
            loss,
            correct,
            norms,
        })
    }

    /// True when every weight is finite.
    pub fn weights_finite(&self) -> bool {
        self.dense.iter().all(|p| {
            p.w.iter().all(|v| v.is_finite()) && p.b.iter().flatten().all(|v| v.is_finite())
        })
    }

    /// Writes weights into `model` and moments into `optimizer`'s state.
    pub fn write_back(&self, model: &mut Sequential, optimizer: &mut Optimizer) -> Result<()> {
        let kind = optimizer.config().kind;
        let mut state = optimizer.state().clone();
        for p in &self.dense {
            let mut write =
                |name: String, dims: &[usize], value: &[f32], m: &[f32], v: &[f32]| -> Result<()> {
                    let t =
                        |x: &[f32]| Tensor::from_slice(x, dims, &Device::Cpu).map_err(Error::from);
                    model.set_parameter(&name, &t(value)?)?;
                    match kind {
                        OptimizerKind::Sgd => {}
                        OptimizerKind::Momentum => {
                            state
                                .buffers
                                .insert(format!("{name}.momentum_buffer"), t(m)?);
                        }
                        OptimizerKind::Adam | OptimizerKind::Adamw => {
                            state.buffers.insert(format!("{name}.exp_avg"), t(m)?);
                            state.buffers.insert(format!("{name}.exp_avg_sq"), t(v)?);
                        }
                    }
                    Ok(())
                };
            write(
                format!("{}.weight", p.layer),
                &[p.outputs, p.inputs],
                &p.w,
                &p.wm,
                &p.wv,
            )?;
            if let Some(b) = &p.b {
                write(format!("{}.bias", p.layer), &[p.outputs], b, &p.bm, &p.bv)?;
            }
        }
        optimizer.set_state(state);
        Ok(())
    }
}
