//! What the benchmarks share.

use std::time::Instant;

use deepnet::{Device, Tensor};

/// GFLOP/s of a 2048³ fp32 matrix product through candle (the same `gemm` kernels as deepnet's
/// engine), best of 8: the machine's measured peak.
pub fn matmul_peak() -> f64 {
    let a = Tensor::ones((2048, 2048), candle_core::DType::F32, &Device::Cpu).expect("a");
    let _ = a.matmul(&a);
    let best = (0..8)
        .map(|_| {
            let start = Instant::now();
            let _ = a.matmul(&a).expect("matmul");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    2.0 * 2048f64.powi(3) / best / 1e9
}
