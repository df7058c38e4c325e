//! The CPU fast path for training: the same forward, loss, backward and optimiser formulas as the
//! layer-by-layer candle code, on preallocated f32 buffers with direct `gemm` calls.
//!
//! What it saves, measured with `cargo bench --bench compare` and `perf` on the 2-core reference
//! machine (784-256-128-10 ReLU MLP, Adam, batch 128): the candle path allocates a fresh tensor for
//! every op and runs every matrix product on all threads, which made 2 threads
//! slower than 1 on small steps; it trains at ~80k samples/s. This path allocates nothing in the
//! steady state and runs a step in two parallel phases: worker threads split the batch rows for
//! the forward pass and the backward pass down to each layer's dZ ([`rows`]); then blocks of each
//! layer's weight gradient are computed over the whole batch and updated in place right away
//! ([`update`], compiled for AVX-512/AVX2). It also gathers and standardises the batch rows in one
//! pass and skips the first layer's dX: ~310k samples/s. Every gradient comes from one product over
//! all rows, so results are the same for any thread count. The candle path stays as the oracle:
//! `tests/fast_path.rs` checks that both give the same weights after training.
//!
//! Used by [`crate::Trainer`] for f32 models on the CPU; everything else takes the candle path.

mod engine;
mod matmul;
mod rows;
mod update;
mod vector;

pub(crate) use engine::{CpuMlp, StepStats};
