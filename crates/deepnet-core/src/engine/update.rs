//! Phase 2 of an engine step: for every block of a dense layer's output units, the weight
//! gradient over the whole batch (dW = dZᵀ·X, db = Σ dZ) and, right after, the optimiser update of
//! that block — in parallel over blocks. Each block's gradient comes from one matrix product over
//! all rows, so no per-thread partial gradients are summed and the result does not depend on the
//! thread count.

use rayon::prelude::*;

use crate::dense::{self, Members};
use crate::embedding::{self, Plan};
use crate::gradients::sum_squares;
use crate::optim::Update;
use crate::periodic::{self, Dims};
use crate::real::Real;

/// Weight rows per job are a multiple of this.
const BLOCK_ALIGN: usize = 16;

/// Weight rows per job for a layer of `outputs` units: one job per thread, so that each worker
/// packs the layer's input for its matrix product once per step instead of once per block of 16
/// rows. On the shape-grid benchmark (`benches/shapes.rs`, fastest of three interleaved runs)
/// the 784-1024-1024-10 epoch went from 8.1 s with blocks of 16 rows to 7.6 s.
fn block_rows(outputs: usize, threads: usize) -> usize {
    outputs
        .div_ceil(threads.max(1))
        .next_multiple_of(BLOCK_ALIGN)
        .min(outputs)
        .max(1)
}
/// Parameters below which the update runs on the calling thread.
const PARALLEL_MIN_PARAMS: usize = 1 << 14;

/// A dense layer's parameters, optimiser state and (when captured) gradients as flat buffers.
pub(super) struct DenseParams<T> {
    pub layer: usize,
    /// Inputs of each unit (of each member's units, in an ensemble).
    pub inputs: usize,
    pub outputs: usize,
    pub members: Members,
    pub w: Vec<T>,
    /// The optimiser's state slots for `w` (see `OptimizerKind::buffers`; empty when unused).
    pub ws: [Vec<T>; 2],
    pub b: Option<Vec<T>>,
    /// The state slots for `b`.
    pub bs: [Vec<T>; 2],
    /// dJ/dW and dJ/db of the last step, kept only when gradients are captured.
    pub gw: Vec<T>,
    pub gb: Vec<T>,
}

/// What phase 2 does with each block's gradient.
pub(super) enum Sink<'a, T> {
    /// Applies the optimiser's update.
    Update(&'a Update<T>),
    /// Stores the gradient in `gw`/`gb` (gradient checks); the weights stay.
    Capture,
}

/// One job: rows `j0..j0 + w.len() / inputs` of dense layer `d`.
struct Job<'a, T> {
    d: usize,
    j0: usize,
    w: &'a mut [T],
    ws: [&'a mut [T]; 2],
    b: Option<&'a mut [T]>,
    bs: [&'a mut [T]; 2],
    gw: &'a mut [T],
    gb: &'a mut [T],
}

/// Chunks of `v` matching `n` blocks, or empty slices when `v` is unused.
fn blocks<T>(v: &mut [T], size: usize, n: usize) -> Vec<&mut [T]> {
    if v.is_empty() {
        (0..n).map(|_| <&mut [T]>::default()).collect()
    } else {
        v.chunks_mut(size).collect()
    }
}

/// Computes every dense layer's gradient from its input `inputs[d]` and dZ `dzs[d]` (both
/// `batch` rows) and hands it to `sink`. Returns Σg² per dense layer.
pub(super) fn update<T: Real>(
    dense: &mut [DenseParams<T>],
    inputs: &[&[T]],
    dzs: &[&[T]],
    sink: &Sink<'_, T>,
    threads: usize,
) -> Vec<f64> {
    let total: usize = dense.iter().map(|p| p.w.len()).sum();
    let shapes: Vec<(usize, usize, Members)> = dense
        .iter()
        .map(|p| (p.inputs, p.outputs, p.members))
        .collect();
    let n_dense = dense.len();
    let mut jobs = Vec::new();
    for (d, p) in dense.iter_mut().enumerate() {
        let block = block_rows(p.outputs, threads);
        let n = p.outputs.div_ceil(block);
        let size = block * p.inputs;
        let [w0, w1] = &mut p.ws;
        let [b0, b1] = &mut p.bs;
        let ws = blocks(w0, size, n).into_iter().zip(blocks(w1, size, n));
        let bs = blocks(b0, block, n).into_iter().zip(blocks(b1, block, n));
        let gs = blocks(&mut p.gw, size, n)
            .into_iter()
            .zip(blocks(&mut p.gb, block, n));
        let bias: Vec<Option<&mut [T]>> = match &mut p.b {
            Some(b) => b.chunks_mut(block).map(Some).collect(),
            None => (0..n).map(|_| None).collect(),
        };
        let parts = p.w.chunks_mut(size).zip(ws).zip(bias).zip(bs).zip(gs);
        for (k, ((((w, (w0, w1)), b), (b0, b1)), (gw, gb))) in parts.enumerate() {
            jobs.push(Job {
                d,
                j0: k * block,
                w,
                ws: [w0, w1],
                b,
                bs: [b0, b1],
                gw,
                gb,
            });
        }
    }
    let run = |job: Job<'_, T>| -> (usize, f64) {
        let (n_in, n_out, members) = shapes[job.d];
        let rows = job.w.len() / n_in;
        let gbias = &mut vec![T::ZERO; rows][..];
        let has_bias = job.b.is_some();
        T::with_scratch(rows * n_in, |g| {
            let db = has_bias.then_some(&mut *gbias);
            let (x, dz) = (inputs[job.d], dzs[job.d]);
            dense::backward_params(x, dz, n_in, n_out, members, job.j0, g, db);
            let sq = match sink {
                Sink::Update(u) => {
                    let [w0, w1] = job.ws;
                    let mut sq = u.apply(job.w, g, w0, w1);
                    if let Some(b) = job.b {
                        let [b0, b1] = job.bs;
                        sq += u.apply(b, gbias, b0, b1);
                    }
                    sq
                }
                Sink::Capture => {
                    job.gw.copy_from_slice(g);
                    let mut sq = sum_squares(g);
                    if has_bias {
                        job.gb.copy_from_slice(gbias);
                        sq += sum_squares(gbias);
                    }
                    sq
                }
            };
            (job.d, sq)
        })
    };
    let done: Vec<(usize, f64)> = if threads > 1 && total >= PARALLEL_MIN_PARAMS {
        let mut done: Vec<(usize, (usize, f64))> = balance(jobs, threads, |j| j.w.len())
            .into_par_iter()
            .flat_map_iter(|bin| {
                bin.into_iter()
                    .map(|(i, job)| (i, run(job)))
                    .collect::<Vec<_>>()
            })
            .collect();
        // Back in job order, so the sums below add up in the same order on any thread count.
        done.sort_by_key(|&(i, _)| i);
        done.into_iter().map(|(_, r)| r).collect()
    } else {
        jobs.into_iter().map(run).collect()
    };
    let mut sums = vec![0f64; n_dense];
    for (d, sq) in done {
        sums[d] += sq;
    }
    sums
}

/// A periodic layer's parameters ([frequency, weight, bias]), optimiser state and (when
/// captured) gradients as flat buffers.
pub(super) struct PeriodicParams<T> {
    pub layer: usize,
    pub dims: Dims,
    pub p: [Vec<T>; 3],
    /// The optimiser's two state slots per tensor (empty when unused).
    pub s: [[Vec<T>; 2]; 3],
    /// dJ/dθ per tensor of the last phase 2.
    pub g: [Vec<T>; 3],
}

/// The checkpoint names of a periodic layer's tensors, in [`PeriodicParams::p`]'s order.
pub(super) const PERIODIC_TENSORS: [&str; 3] = ["frequency", "weight", "bias"];

/// Phase 2 of every periodic layer: its gradient over the whole batch from its input
/// `inputs[i]` and dJ/dy `dys[i]`, kept in `g` and handed to `sink`. Returns Σg² per layer.
pub(super) fn update_periodic<T: Real>(
    layers: &mut [PeriodicParams<T>],
    inputs: &[&[T]],
    dys: &[&[T]],
    sink: &Sink<'_, T>,
) -> Vec<f64> {
    let mut sums = Vec::with_capacity(layers.len());
    for (l, (x, dy)) in layers.iter_mut().zip(inputs.iter().zip(dys)) {
        for (g, p) in l.g.iter_mut().zip(&l.p) {
            g.resize(p.len(), T::ZERO);
        }
        let [gc, gw, gb] = &mut l.g;
        let [c, w, b] = &l.p;
        periodic::backward_params(x, c, w, b, l.dims, dy, gc, gw, gb);
        let mut sq = 0.0;
        for t in 0..3 {
            sq += match sink {
                Sink::Update(u) => {
                    let [s0, s1] = &mut l.s[t];
                    u.apply(&mut l.p[t], &l.g[t], s0, s1)
                }
                Sink::Capture => sum_squares(&l.g[t]),
            };
        }
        sums.push(sq);
    }
    sums
}

/// The embedding layer's table, optimiser state and (when captured) gradient as flat buffers.
pub(super) struct EmbeddingParams<T> {
    pub layer: usize,
    pub plan: Plan,
    pub w: Vec<T>,
    /// The optimiser's two state slots (empty when unused).
    pub s: [Vec<T>; 2],
    /// dJ/dE of the last phase 2.
    pub g: Vec<T>,
}

/// Phase 2 of the embedding layer: its gradient over the whole batch from its input `x` and
/// dJ/dy `dy`, kept in `g` and handed to `sink`. Returns Σg².
pub(super) fn update_embedding<T: Real>(
    e: &mut EmbeddingParams<T>,
    x: &[T],
    dy: &[T],
    sink: &Sink<'_, T>,
) -> f64 {
    e.g.resize(e.w.len(), T::ZERO);
    embedding::backward_params(x, &e.plan, dy, &mut e.g);
    match sink {
        Sink::Update(u) => {
            let [s0, s1] = &mut e.s;
            u.apply(&mut e.w, &e.g, s0, s1)
        }
        Sink::Capture => sum_squares(&e.g),
    }
}

/// Deals `jobs` (numbered in their order) into `bins` lists of about equal total `size`: largest
/// first, each to the least loaded bin (ties to the lowest-numbered job and bin), so that no
/// worker idles while another finishes a large job. Rayon's even split of the job list had one
/// worker run both halves of the largest layer on the 784-1024-1024-10 MLP (271M against 200M
/// multiply-adds per step).
fn balance<J>(jobs: Vec<J>, bins: usize, size: impl Fn(&J) -> usize) -> Vec<Vec<(usize, J)>> {
    let mut order: Vec<(usize, J)> = jobs.into_iter().enumerate().collect();
    order.sort_by_key(|(i, j)| (std::cmp::Reverse(size(j)), *i));
    let mut out: Vec<Vec<(usize, J)>> = (0..bins.max(1)).map(|_| Vec::new()).collect();
    let mut load = vec![0usize; out.len()];
    for (i, job) in order {
        let b = (0..load.len()).min_by_key(|&b| (load[b], b)).unwrap_or(0);
        load[b] += size(&job);
        out[b].push((i, job));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::balance;

    #[test]
    fn balance_deals_the_largest_jobs_first_to_the_least_loaded_bin() {
        // The 784-1024-1024-10 MLP's jobs on 2 threads: halves of layers 1 and 2, then layer 3.
        let sizes = [512 * 784, 512 * 784, 512 * 1024, 512 * 1024, 10 * 1024];
        let bins = balance(sizes.to_vec(), 2, |&s| s);
        let ids: Vec<Vec<usize>> = bins
            .iter()
            .map(|b| b.iter().map(|(i, _)| *i).collect())
            .collect();
        assert_eq!(ids, vec![vec![2, 0, 4], vec![3, 1]]);
        let loads: Vec<usize> = bins
            .iter()
            .map(|b| b.iter().map(|(_, s)| s).sum())
            .collect();
        assert_eq!(
            loads,
            vec![512 * 1024 + 512 * 784 + 10 * 1024, 512 * 1024 + 512 * 784]
        );
        // More bins than jobs: the extra bins stay empty.
        assert_eq!(
            balance(vec![3, 1], 4, |&s| s)
                .iter()
                .filter(|b| b.is_empty())
                .count(),
            2
        );
    }
}
