//! Phase 1 of a step, run by each worker on its slice of the batch rows: gather and standardise
//! the rows, the forward pass, the loss and its gradient, and the backward pass down to every
//! dense layer's dZ (stored for phase 2) — no parameter is written here. Every formula is called
//! from its own file: [`crate::dense`], [`crate::activation`], [`crate::dropout`],
//! [`crate::loss`] and [`crate::scaling`].

use super::update::{DenseParams, EmbeddingParams, PeriodicParams};
use crate::activation::Activation;
use crate::dense;
use crate::dropout::apply_mask;
use crate::embedding;
use crate::ensemble::{bootstrap_count, combine};
use crate::loss::Loss;
use crate::periodic;
use crate::real::Real;
use crate::scaling::standardise;

/// One entry of the network.
pub(super) enum Op {
    /// Index into the dense parameters.
    Dense(usize),
    /// Index into the periodic layers' parameters.
    Periodic(usize),
    /// The embedding layer (the first, at most one).
    Embedding,
    Act(Activation),
    Dropout(f64),
}

/// How far a pass goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    /// Forward only, dropout off (inference); an ensemble's logits are combined.
    Infer,
    /// Forward and the loss of the (combined) prediction, dropout off (evaluation).
    Evaluate,
    /// Forward and loss, dropout on (the loss a gradient check differentiates; an ensemble's is
    /// its members' mean loss, the one training minimises).
    Loss,
    /// Forward, loss and backward to every dense layer's dZ (training).
    Train,
    /// Forward and the loss of each row's holder's prediction, dropout off (validation on the
    /// rows the members hold out; see `Engine::set_holdout`).
    Holdout,
}

/// What every worker reads.
pub(super) struct Shared<'a, T> {
    pub ops: &'a [Op],
    pub dense: &'a [DenseParams<T>],
    pub periodic: &'a [PeriodicParams<T>],
    pub embedding: Option<&'a EmbeddingParams<T>>,
    /// Width of every op's input (and, last, of the logits).
    pub widths: &'a [usize],
    /// Dropout masks of the whole batch, per op (empty at inference).
    pub masks: &'a [Vec<T>],
    pub loss: Loss,
    /// Members of an ensemble (1: a single network); the logits hold theirs side by side.
    pub members: usize,
    /// Weight of every class in the loss (None: all 1).
    pub class_weights: Option<&'a [T]>,
    /// Label smoothing ε of the training loss (training and gradient-check passes).
    pub smoothing: T,
    /// The key of the members' bootstrap counts ([`bootstrap_count`]; training and
    /// gradient-check passes), when the recipe asks for them.
    pub bootstrap: Option<u64>,
    /// The member holding out each training row (`Engine::set_holdout`), when the recipe asks
    /// for member validation: out of that member's training loss, and the one row's prediction
    /// in a holdout pass.
    pub holdout: Option<&'a [u16]>,
    pub scaling: Option<&'a (Vec<T>, Vec<T>)>,
    pub x: &'a [T],
    pub targets: &'a [T],
    /// Row `r` of a batch is row `r / row_stride` of `x` and `targets`: 1, or the number of
    /// ranks when `x` holds only this rank's rows of the training data (rows `rank`,
    /// `rank + ranks`, …).
    pub row_stride: usize,
    /// Rows the loss and gradients are averaged over: the whole batch, or in a data-parallel
    /// step the global batch of which this process computes a part.
    pub batch: usize,
    pub pass: Pass,
}

/// A worker's own scratch and results.
pub(super) struct Scratch<T> {
    grad_a: Vec<T>,
    grad_b: Vec<T>,
    pub loss: f64,
    pub correct: usize,
    /// False when a gathered input value (after standardisation) was not finite, or an embedded
    /// input not a category index.
    pub finite: bool,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch {
            grad_a: Vec::new(),
            grad_b: Vec::new(),
            loss: 0.0,
            correct: 0,
            finite: true,
        }
    }
}

/// A worker's rows of every buffer: `acts[i]` is op i's input (`acts[ops.len()]` the logits),
/// `dzs[i]` op i's dZ when it is dense (empty otherwise).
pub(super) struct RowSlices<'a, T> {
    pub acts: Vec<&'a mut [T]>,
    pub dzs: Vec<&'a mut [T]>,
    /// An ensemble's combined logits (inference and evaluation; empty otherwise).
    pub combined: &'a mut [T],
}

/// Runs phase 1 on `rows` (which start at row `offset` of the batch); `gather` is false when
/// the input slice already holds these rows (full-batch training without shuffling).
pub(super) fn run<T: Real>(
    s: &Shared<'_, T>,
    rows: &[u32],
    offset: usize,
    b: &mut RowSlices<'_, T>,
    scratch: &mut Scratch<T>,
    gather: bool,
) {
    let n = rows.len();
    if gather {
        scratch.finite = gather_rows(s, rows, b.acts[0]);
    }
    forward(s, n, offset, &mut b.acts);
    let logits = &*b.acts[s.ops.len()];
    let (loss, correct) = match s.pass {
        Pass::Infer | Pass::Evaluate if s.members > 1 => {
            combine_rows(s, logits, b.combined);
            if s.pass == Pass::Infer {
                return;
            }
            loss_grad(s, rows, b.combined, 1, &mut scratch.grad_a)
        }
        Pass::Infer => return,
        Pass::Evaluate => loss_grad(s, rows, logits, 1, &mut scratch.grad_a),
        Pass::Holdout => {
            holder_rows(s, rows, logits, b.combined);
            let z: &[T] = if s.members > 1 { b.combined } else { logits };
            loss_grad(s, rows, z, 1, &mut scratch.grad_a)
        }
        Pass::Loss | Pass::Train => loss_grad(s, rows, logits, s.members, &mut scratch.grad_a),
    };
    scratch.loss = loss;
    scratch.correct = correct;
    if s.pass == Pass::Train {
        backward(s, n, offset, b, scratch);
    }
}

/// Copies the rows into `dst`, standardised; false when a copied value is not finite.
fn gather_rows<T: Real>(s: &Shared<'_, T>, rows: &[u32], dst: &mut [T]) -> bool {
    let d = s.widths[0];
    let mut finite = true;
    for (out, &r) in dst.chunks_exact_mut(d).zip(rows) {
        let i = r as usize / s.row_stride;
        let src = &s.x[i * d..(i + 1) * d];
        match s.scaling {
            Some((mean, inv)) => standardise(src, mean, inv, out),
            None => out.copy_from_slice(src),
        }
        // No early exit, so the test vectorises; the row is still in cache.
        finite &= out.iter().fold(true, |ok, v| ok & v.is_finite());
    }
    if let Some(e) = s.embedding {
        finite &= embedding::indices_valid(dst, &e.plan);
    }
    finite
}

fn forward<T: Real>(s: &Shared<'_, T>, n: usize, offset: usize, acts: &mut [&mut [T]]) {
    for (k, op) in s.ops.iter().enumerate() {
        let (head, tail) = acts.split_at_mut(k + 1);
        let (x, y) = (&*head[k], &mut *tail[0]);
        match op {
            Op::Dense(d) => {
                let p = &s.dense[*d];
                dense::forward(x, &p.w, p.b.as_deref(), p.inputs, p.members, y);
            }
            Op::Periodic(i) => {
                let q = &s.periodic[*i];
                let [c, w, b] = &q.p;
                periodic::forward(x, c, w, b, q.dims, y);
            }
            Op::Embedding => {
                if let Some(e) = s.embedding {
                    embedding::forward(x, &e.w, &e.plan, y);
                }
            }
            Op::Act(a) => a.forward(x, y),
            Op::Dropout(_) => match s.masks.get(k).filter(|m| !m.is_empty()) {
                Some(mask) => {
                    let w = s.widths[k];
                    apply_mask(x, &mask[offset * w..(offset + n) * w], y);
                }
                None => y.copy_from_slice(x),
            },
        }
    }
}

/// The logits of each row's holder (`s.holdout`) from the members' logits `z`: the prediction
/// of the one member that never trained on the row (member 0's for a row nobody holds).
fn holder_rows<T: Real>(s: &Shared<'_, T>, rows: &[u32], z: &[T], out: &mut [T]) {
    let k = s.widths[s.ops.len()] / s.members;
    if s.members < 2 {
        return;
    }
    for ((zr, o), &r) in z
        .chunks_exact(k * s.members)
        .zip(out.chunks_exact_mut(k))
        .zip(rows)
    {
        let m = s
            .holdout
            .and_then(|h| h.get(r as usize))
            .map_or(0, |&m| m as usize);
        let m = if m < s.members { m } else { 0 };
        o.copy_from_slice(&zr[m * k..(m + 1) * k]);
    }
}

/// An ensemble's combined logits ([`combine`]) of every row of the members' logits `z`.
fn combine_rows<T: Real>(s: &Shared<'_, T>, z: &[T], out: &mut [T]) {
    let k = s.widths[s.ops.len()] / s.members;
    let mut scratch = vec![T::ZERO; k];
    for (zr, o) in z.chunks_exact(k * s.members).zip(out.chunks_exact_mut(k)) {
        combine(s.loss, zr, o, &mut scratch);
    }
}

/// Loss summed over the rows of logits `z` (of `members` members side by side: their mean
/// loss), correct predictions (of the members' combined prediction), and dJ/dz (averaged over
/// the whole batch) into `g`.
fn loss_grad<T: Real>(
    s: &Shared<'_, T>,
    rows: &[u32],
    z: &[T],
    members: usize,
    g: &mut Vec<T>,
) -> (f64, usize) {
    let width = z.len() / rows.len().max(1);
    let k = width / members;
    let t = s.loss.targets_per_row(k);
    g.resize(z.len(), T::ZERO);
    let inv_n = T::ONE / T::from_f64(s.batch as f64);
    let inv_members = T::ONE / T::from_f64(members as f64);
    let (eps, bootstrap, holdout) = match s.pass {
        Pass::Train | Pass::Loss => (s.smoothing, s.bootstrap, s.holdout),
        Pass::Infer | Pass::Evaluate | Pass::Holdout => (T::ZERO, None, None),
    };
    let (mut combined, mut scratch) = (vec![T::ZERO; k], vec![T::ZERO; k]);
    let (mut loss, mut correct) = (0f64, 0usize);
    for ((zr, gr), &r) in z
        .chunks_exact(width)
        .zip(g.chunks_exact_mut(width))
        .zip(rows)
    {
        let i = r as usize / s.row_stride;
        let y = &s.targets[i * t..(i + 1) * t];
        // A weighted row: J_i = w_c · ℓ_i, so dJ/dz = w_c · dℓ/dz (w_c the class's weight).
        let w = match (s.class_weights, s.loss.target_class(y)) {
            (Some(ws), Some(c)) => ws.get(c as usize).copied().unwrap_or(T::ONE),
            _ => T::ONE,
        };
        // The members' mean loss: J_i = (1/K) Σₘ w_c · ℓ(zₘ), each term counted c_{m,i} times
        // with bootstrap rows, and not at all by the member holding the row out.
        let holder = holdout.and_then(|h| h.get(r as usize)).map(|&m| m as usize);
        for (m, (zm, gm)) in zr.chunks_exact(k).zip(gr.chunks_exact_mut(k)).enumerate() {
            let c = if holder == Some(m) {
                T::ZERO
            } else {
                bootstrap.map_or(T::ONE, |key| T::from_f64(bootstrap_count(key, m, r) as f64))
            };
            let l = s
                .loss
                .row_smoothed(zm, y, gm, inv_n * w * c * inv_members, eps);
            loss += w.to_f64() * c.to_f64() * l * inv_members.to_f64();
        }
        let predicted = if members == 1 {
            s.loss.predicted_class(zr)
        } else {
            combine(s.loss, zr, &mut combined, &mut scratch);
            s.loss.predicted_class(&combined)
        };
        if let Some(c) = predicted {
            correct += usize::from(Some(c) == s.loss.target_class(y));
        }
    }
    (loss, correct)
}

/// Backpropagation from `grad_a` down the ops; a dense op stores its dZ and passes dX = dZ·W on,
/// a periodic op stores its dJ/dy and passes dJ/dx on, an embedding op stores its dJ/dy.
fn backward<T: Real>(
    s: &Shared<'_, T>,
    n: usize,
    offset: usize,
    b: &mut RowSlices<'_, T>,
    scratch: &mut Scratch<T>,
) {
    // Nothing below the first op with parameters needs a gradient.
    let first = s
        .ops
        .iter()
        .position(|op| matches!(op, Op::Dense(_) | Op::Periodic(_) | Op::Embedding))
        .unwrap_or(0);
    for k in (0..s.ops.len()).rev() {
        let need_dx = k > first;
        let (dy, dx) = (&scratch.grad_a, &mut scratch.grad_b);
        match &s.ops[k] {
            Op::Dense(d) => {
                let p = &s.dense[*d];
                b.dzs[k].copy_from_slice(dy);
                if need_dx {
                    dx.resize(n * p.members.input_width(p.inputs), T::ZERO);
                    dense::backward_input(dy, &p.w, p.inputs, p.members, dx);
                }
            }
            Op::Periodic(i) => {
                let q = &s.periodic[*i];
                b.dzs[k].copy_from_slice(dy);
                if need_dx {
                    let [c, w, bias] = &q.p;
                    dx.resize(n * s.widths[k], T::ZERO);
                    periodic::backward_input(b.acts[k], c, w, bias, q.dims, dy, dx);
                }
            }
            // The first layer: its input, an index, has no gradient.
            Op::Embedding => b.dzs[k].copy_from_slice(dy),
            Op::Act(a) => {
                if need_dx {
                    dx.resize(dy.len(), T::ZERO);
                    a.backward(b.acts[k], b.acts[k + 1], dy, dx);
                }
            }
            Op::Dropout(_) => {
                if need_dx {
                    let w = s.widths[k];
                    dx.resize(dy.len(), T::ZERO);
                    apply_mask(dy, &s.masks[k][offset * w..(offset + n) * w], dx);
                }
            }
        }
        if need_dx {
            std::mem::swap(&mut scratch.grad_a, &mut scratch.grad_b);
        }
    }
}
