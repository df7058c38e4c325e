//! The one operation data parallelism needs from the transport between processes: summing
//! buffers over all ranks. It sits below the engine, which sums each step's gradients through
//! it, and below training, which hands it over in a [`crate::DataParallel`].

use crate::error::Result;

/// Sums buffers over all ranks (an MPI all-reduce). Every rank calls it with buffers of the same
/// length in the same order, and gets the same sums.
pub trait Reducer {
    /// Writes into `sums` (as long as `values`) the sum of each value of `values` over the ranks.
    fn sum_f32(&mut self, values: &[f32], sums: &mut [f32]) -> Result<()>;
    /// Writes into `sums` (as long as `values`) the sum of each value of `values` over the ranks.
    fn sum_f64(&mut self, values: &[f64], sums: &mut [f64]) -> Result<()>;
}
