//! Data-parallel training over MPI (feature `mpi`): [`Mpi`] joins the job that `mpirun` started,
//! checks that every rank was given the same inputs, and hands out the [`MpiReducer`] that sums
//! gradients with `MPI_Allreduce`.

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

use crate::error::{Error, Result};
use crate::reduce::Reducer;

/// This process's membership of an MPI job; MPI is finalised when it is dropped.
pub struct Mpi {
    universe: Universe,
}

/// Whether this process was started by an MPI launcher (`mpirun`, `mpiexec`, `srun`).
pub fn launched_by_mpirun() -> bool {
    [
        "OMPI_COMM_WORLD_SIZE",
        "PMI_SIZE",
        "PMIX_RANK",
        "MPI_LOCALNRANKS",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

impl Mpi {
    /// Joins the job (MPI_Init_thread, serialised threading: the trainer calls MPI from one
    /// thread at a time). Fails if MPI was already initialised or refuses.
    pub fn init() -> Result<Mpi> {
        let (universe, _) = mpi::initialize_with_threading(Threading::Serialized)
            .ok_or_else(|| Error::Invalid("MPI is already initialised in this process".into()))?;
        Ok(Mpi { universe })
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.universe.world().rank() as usize
    }

    /// The number of ranks.
    pub fn ranks(&self) -> usize {
        self.universe.world().size() as usize
    }

    /// Checks that every rank computed the same `hash` of `what` (the spec, the data, the
    /// flags); the error names `what` when they differ.
    pub fn agree(&self, what: &str, hash: u64) -> Result<()> {
        let world = self.universe.world();
        let (mut lo, mut hi) = (0u64, 0u64);
        world.all_reduce_into(&hash, &mut lo, SystemOperation::min());
        world.all_reduce_into(&hash, &mut hi, SystemOperation::max());
        if lo != hi {
            return Err(Error::Invalid(format!(
                "the ranks of this MPI job were given different {what} (rank {} has hash {hash:016x}); start every rank with the same command and files",
                self.rank()
            )));
        }
        Ok(())
    }

    /// Waits until every rank gets here.
    pub fn barrier(&self) {
        self.universe.world().barrier();
    }

    /// A reducer over all ranks of the job.
    pub fn reducer(&self) -> MpiReducer {
        MpiReducer {
            world: self.universe.world(),
        }
    }
}

/// Sums buffers over the ranks with `MPI_Allreduce` (the same sums on every rank).
pub struct MpiReducer {
    world: SimpleCommunicator,
}

// SAFETY: MPI is initialised with `Threading::Serialized`, under which any thread may call MPI as
// long as no two calls run at once; `&mut self` on every call keeps one reducer's calls serial,
// and the communicator handle is a plain value that does not depend on the thread using it.
unsafe impl Send for MpiReducer {}

/// MPI reads as many values from `values` as it writes into `sums`: the lengths must match.
fn same_length(values: usize, sums: usize) -> Result<()> {
    if values != sums {
        return Err(Error::Invalid(format!(
            "an all-reduce of {values} values into {sums}"
        )));
    }
    Ok(())
}

impl Reducer for MpiReducer {
    fn sum_f32(&mut self, values: &[f32], sums: &mut [f32]) -> Result<()> {
        same_length(values.len(), sums.len())?;
        self.world
            .all_reduce_into(values, sums, SystemOperation::sum());
        Ok(())
    }

    fn sum_f64(&mut self, values: &[f64], sums: &mut [f64]) -> Result<()> {
        same_length(values.len(), sums.len())?;
        self.world
            .all_reduce_into(values, sums, SystemOperation::sum());
        Ok(())
    }
}
