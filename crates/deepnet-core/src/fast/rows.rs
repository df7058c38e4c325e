//! Phase 1 of a fast-path step, run by each worker on its slice of the batch rows: gather and
//! standardise the rows, the forward pass, the loss and its gradient, and the backward pass down
//! to every dense layer's dZ (stored for phase 2) — no parameter is written here.

use super::matmul::{matmul, View};
use super::update::DenseParams;
use super::vector::rows_dot;
use crate::activation::Activation;
use crate::spec::Output;

/// One entry of the network.
pub(super) enum Op {
    /// Index into the dense parameters.
    Dense(usize),
    Act(Activation),
    Dropout(f64),
}

/// What every worker reads.
pub(super) struct Shared<'a> {
    pub ops: &'a [Op],
    pub dense: &'a [DenseParams],
    /// Width of every op's input (and, last, of the logits).
    pub widths: &'a [usize],
    /// Dropout masks of the whole batch, per op.
    pub masks: &'a [Vec<f32>],
    pub output: Output,
    pub scaling: Option<&'a (Vec<f32>, Vec<f32>)>,
    pub x: &'a [f32],
    pub targets: &'a [f32],
    /// Rows in the whole batch (gradients are averaged over it).
    pub batch: usize,
}

/// A worker's own scratch and results.
#[derive(Default)]
pub(super) struct Scratch {
    grad_a: Vec<f32>,
    grad_b: Vec<f32>,
    pub loss: f64,
    pub correct: usize,
}

/// A worker's rows of every buffer: `acts[i]` is op i's input (`acts[ops.len()]` the logits),
/// `dzs[i]` op i's dZ when it is dense (empty otherwise).
pub(super) struct RowSlices<'a> {
    pub acts: Vec<&'a mut [f32]>,
    pub dzs: Vec<&'a mut [f32]>,
}

/// Runs phase 1 on `rows` (which start at row `offset` of the batch); `gather` is false when
/// the input slice already holds these rows (full-batch training without shuffling).
pub(super) fn run(
    s: &Shared<'_>,
    rows: &[u32],
    offset: usize,
    b: &mut RowSlices<'_>,
    scratch: &mut Scratch,
    gather: bool,
) {
    let n = rows.len();
    if gather {
        gather_rows(s, rows, b.acts[0]);
    }
    forward(s, n, offset, &mut b.acts);
    let (loss, correct) = loss_grad(s, rows, b.acts[s.ops.len()], &mut scratch.grad_a);
    scratch.loss = loss;
    scratch.correct = correct;
    backward(s, n, offset, b, scratch);
}

/// Copies the rows into `dst`, standardised.
fn gather_rows(s: &Shared<'_>, rows: &[u32], dst: &mut [f32]) {
    let d = s.widths[0];
    for (out, &r) in dst.chunks_exact_mut(d).zip(rows) {
        let src = &s.x[r as usize * d..(r as usize + 1) * d];
        match s.scaling {
            Some((mean, inv)) => {
                for (((o, &v), &m), &k) in out.iter_mut().zip(src).zip(mean).zip(inv) {
                    *o = (v - m) * k;
                }
            }
            None => out.copy_from_slice(src),
        }
    }
}

fn forward(s: &Shared<'_>, n: usize, offset: usize, acts: &mut [&mut [f32]]) {
    for (k, op) in s.ops.iter().enumerate() {
        let (head, tail) = acts.split_at_mut(k + 1);
        let (x, y) = (&*head[k], &mut *tail[0]);
        match op {
            Op::Dense(d) => {
                let p = &s.dense[*d];
                let (i, o) = (p.inputs, p.outputs);
                if o == 1 {
                    // A single output (logistic regression's case): a dot product per row beats
                    // gemm's matrix-vector path on 455×30 (14.4 → 9.2 µs per step, measured).
                    rows_dot(x, &p.w, p.b.as_ref().map_or(0.0, |b| b[0]), y);
                    continue;
                }
                // y = b (each row), then y += x·Wᵀ
                if let Some(b) = &p.b {
                    for row in y.chunks_exact_mut(o) {
                        row.copy_from_slice(b);
                    }
                }
                matmul(
                    y,
                    View::new(x, n, i),
                    View::new(&p.w, o, i).t(),
                    p.b.is_some(),
                );
            }
            Op::Act(a) => activate(*a, x, y),
            Op::Dropout(_) => {
                let w = s.widths[k];
                let mask = &s.masks[k][offset * w..(offset + n) * w];
                for ((o, &v), &m) in y.iter_mut().zip(x.iter()).zip(mask) {
                    *o = v * m;
                }
            }
        }
    }
}

/// Loss summed over the rows of logits `z`, and dJ/dz (averaged over the whole batch) into `g`.
fn loss_grad(s: &Shared<'_>, rows: &[u32], z: &[f32], g: &mut Vec<f32>) -> (f64, usize) {
    let k = s.widths[s.ops.len()];
    g.resize(rows.len() * k, 0.0);
    let inv_n = 1.0 / s.batch as f32;
    let (mut loss, mut correct) = (0f64, 0usize);
    match s.output {
        Output::Softmax => {
            for ((zr, gr), &r) in z.chunks_exact(k).zip(g.chunks_exact_mut(k)).zip(rows) {
                let y = s.targets[r as usize] as usize;
                let (mut best, mut m) = (0, zr[0]);
                for (j, &v) in zr.iter().enumerate() {
                    if v > m {
                        (best, m) = (j, v);
                    }
                }
                let mut sum = 0f32;
                for (gj, &v) in gr.iter_mut().zip(zr) {
                    *gj = (v - m).exp();
                    sum += *gj;
                }
                // log Σ e^z − z_y; gradient (softmax − onehot) / n
                loss += (m + sum.ln() - zr[y]) as f64;
                let scale = inv_n / sum;
                gr.iter_mut().for_each(|gj| *gj *= scale);
                gr[y] -= inv_n;
                correct += usize::from(best == y);
            }
        }
        Output::Sigmoid => {
            for ((&zv, gv), &r) in z.iter().zip(g.iter_mut()).zip(rows) {
                let y = s.targets[r as usize];
                // max(z, 0) − z·y + log(1 + e^−|z|), the log as the candle path computes it;
                // gradient (σ(z) − y) / n with σ(z) from the same e^−|z|
                let e = (-zv.abs()).exp();
                loss += (zv.max(0.0) - zv * y + (1.0 + e).ln()) as f64;
                let p = if zv >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                *gv = (p - y) * inv_n;
                correct += usize::from((zv > 0.0) == (y > 0.5));
            }
        }
        Output::Linear => {
            // mean over n·k entries of (z − y)²; gradient 2(z − y) / (n·k)
            let scale = 2.0 * inv_n / k as f32;
            for ((zr, gr), &r) in z.chunks_exact(k).zip(g.chunks_exact_mut(k)).zip(rows) {
                let yr = &s.targets[r as usize * k..(r as usize + 1) * k];
                for ((&zv, gv), &y) in zr.iter().zip(gr.iter_mut()).zip(yr) {
                    loss += ((zv - y) * (zv - y)) as f64 / k as f64;
                    *gv = (zv - y) * scale;
                }
            }
        }
    }
    (loss, correct)
}

/// Backpropagation from `grad_a` down the ops; a dense op stores its dZ and passes dX = dZ·W on.
fn backward(s: &Shared<'_>, n: usize, offset: usize, b: &mut RowSlices<'_>, scratch: &mut Scratch) {
    let first_dense = s
        .ops
        .iter()
        .position(|op| matches!(op, Op::Dense(_)))
        .unwrap_or(0);
    for k in (0..s.ops.len()).rev() {
        let need_dx = k > first_dense;
        let (dy, dx) = (&scratch.grad_a, &mut scratch.grad_b);
        match &s.ops[k] {
            Op::Dense(d) => {
                let p = &s.dense[*d];
                b.dzs[k].copy_from_slice(dy);
                if need_dx {
                    // dX = dZ·W
                    dx.resize(n * p.inputs, 0.0);
                    matmul(
                        dx,
                        View::new(dy, n, p.outputs),
                        View::new(&p.w, p.outputs, p.inputs),
                        false,
                    );
                }
            }
            Op::Act(a) => {
                if need_dx {
                    dx.resize(dy.len(), 0.0);
                    activation_backward(*a, b.acts[k], b.acts[k + 1], dy, dx);
                }
            }
            Op::Dropout(_) => {
                if need_dx {
                    let w = s.widths[k];
                    let mask = &s.masks[k][offset * w..(offset + n) * w];
                    dx.resize(dy.len(), 0.0);
                    for ((d, &g), &m) in dx.iter_mut().zip(dy.iter()).zip(mask) {
                        *d = g * m;
                    }
                }
            }
        }
        if need_dx {
            std::mem::swap(&mut scratch.grad_a, &mut scratch.grad_b);
        }
    }
}

fn activate(a: Activation, x: &[f32], y: &mut [f32]) {
    match a {
        Activation::Relu => y.iter_mut().zip(x).for_each(|(o, &v)| *o = v.max(0.0)),
        Activation::Sigmoid => y
            .iter_mut()
            .zip(x)
            .for_each(|(o, &v)| *o = 1.0 / (1.0 + (-v).exp())),
        Activation::Tanh => y.iter_mut().zip(x).for_each(|(o, &v)| *o = v.tanh()),
        Activation::LeakyRelu(s) => {
            let s = s as f32;
            y.iter_mut()
                .zip(x)
                .for_each(|(o, &v)| *o = if v > 0.0 { v } else { v * s })
        }
        Activation::Identity => y.copy_from_slice(x),
    }
}

/// dZ = dA ⊙ g'(z), from the activation's input `z` and output `a`.
fn activation_backward(a: Activation, z: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    let it = dx.iter_mut().zip(dy).zip(z.iter().zip(y));
    match a {
        Activation::Relu => it.for_each(|((d, &g), (&z, _))| *d = if z > 0.0 { g } else { 0.0 }),
        Activation::Sigmoid => it.for_each(|((d, &g), (_, &a))| *d = g * (a * (1.0 - a))),
        Activation::Tanh => it.for_each(|((d, &g), (_, &a))| *d = g * (1.0 - a * a)),
        Activation::LeakyRelu(s) => {
            let s = s as f32;
            it.for_each(|((d, &g), (&z, _))| *d = if z > 0.0 { g } else { g * s })
        }
        Activation::Identity => dx.copy_from_slice(dy),
    }
}
