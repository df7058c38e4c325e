//! The CPU fast path for training: the same forward, loss, backward and optimiser formulas as the
//! layer-by-layer candle code, on preallocated f32 buffers with direct `gemm` calls.
//!
//! What it saves, measured with `cargo bench --bench compare` on the 2-core reference machine
//! (784-256-128-10 ReLU MLP, Adam, batch 128): the candle path allocates a fresh tensor for every
//! op (~40 per step), runs every matrix product on all threads, and computes dX for the first layer;
//! this path allocates nothing in the steady state, splits only large products across threads,
//! gathers and standardises the batch rows in one pass, skips the first layer's dX, and updates the
//! optimiser state in place. The candle path stays as the oracle: `tests/fast_path.rs` checks that
//! both give the same weights after training.
//!
//! Used by [`crate::Trainer`] for f32 models on the CPU; everything else takes the candle path.

mod engine;
mod matmul;
mod vector;

pub(crate) use engine::CpuMlp;
