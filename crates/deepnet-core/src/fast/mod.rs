//! The CPU fast path for training: the same forward, loss, backward and optimiser formulas as the
//! layer-by-layer candle code, on preallocated f32 buffers with direct `gemm` calls.
//!
//! What it saves, measured with `cargo bench --bench compare` and `perf` on the 2-core reference
//! machine (784-256-128-10 ReLU MLP, Adam, batch 128): the candle path allocates a fresh tensor for
//! every op (~40 per step) and runs every matrix product on all threads, which made 2 threads
//! slower than 1 on small steps. This path allocates nothing in the steady state; splits the batch
//! across threads (each worker runs forward and backward on its rows with single-threaded products;
//! the gradients are summed in worker order, so results are deterministic per thread count);
//! gathers and standardises the batch rows in one pass; skips the first layer's dX; and applies
//! the optimiser update in place in one parallel pass compiled for AVX-512/AVX2. Together:
//! ~27k samples/s through candle autograd → ~250k samples/s here. The candle path stays as the
//! oracle: `tests/fast_path.rs` checks that both give the same weights after training.
//!
//! Used by [`crate::Trainer`] for f32 models on the CPU; everything else takes the candle path.

mod engine;
mod matmul;
mod rows;
mod update;
mod vector;

pub(crate) use engine::CpuMlp;
