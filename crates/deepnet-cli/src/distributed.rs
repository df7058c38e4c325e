//! `deepnet train --distributed`: this process as one rank of an MPI job started by `mpirun`
//! (feature `mpi`). Every rank loads the data and model, checks that the others were given the
//! same spec, flags and data, and trains its share of every batch; rank 0 alone writes the run
//! directory and prints.

use std::hash::{Hash, Hasher};

use anyhow::Result;
use deepnet::DataParallel;

/// One rank of a data-parallel job.
pub struct Job {
    #[cfg(feature = "mpi")]
    mpi: deepnet::train::mpi::Mpi,
    /// This process's rank.
    pub rank: usize,
    /// The number of ranks.
    pub ranks: usize,
}

/// A stable 64-bit hash of `value` (the same in every process of the same binary).
pub fn hash_of(value: impl Hash) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A stable hash of the training rows (the values' bits, read in place, and the labels) and of
/// the number of validation rows.
pub fn data_hash(train: &deepnet::data::Dataset, val_rows: Option<usize>) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    for v in &train.features {
        v.to_bits().hash(&mut h);
    }
    format!("{:?}", train.labels).hash(&mut h);
    val_rows.hash(&mut h);
    h.finish()
}

impl Job {
    /// Joins the MPI job this process was started in.
    #[cfg(not(feature = "mpi"))]
    pub fn join() -> Result<Job> {
        anyhow::bail!(
            "--distributed needs a deepnet built with the `mpi` feature: cargo build --release -p deepnet-cli --features mpi (with an MPI library such as Debian's libopenmpi-dev, and libclang-dev)"
        )
    }

    /// Joins the MPI job this process was started in.
    #[cfg(feature = "mpi")]
    pub fn join() -> Result<Job> {
        use deepnet::train::mpi::{launched_by_mpirun, Mpi};
        if !launched_by_mpirun() {
            anyhow::bail!(
                "--distributed must be started by an MPI launcher: mpirun -np N deepnet train ... --distributed"
            );
        }
        let mpi = Mpi::init()?;
        let (rank, ranks) = (mpi.rank(), mpi.ranks());
        Ok(Job { mpi, rank, ranks })
    }

    /// Whether this rank writes files and prints (rank 0).
    pub fn leads(&self) -> bool {
        self.rank == 0
    }

    /// Stops with an error naming `what` unless every rank computed the same `hash` of it.
    pub fn agree(&self, what: &str, hash: u64) -> Result<()> {
        #[cfg(feature = "mpi")]
        self.mpi.agree(what, hash)?;
        #[cfg(not(feature = "mpi"))]
        let _ = (what, hash);
        Ok(())
    }

    /// Replaces each value of `values` by its sum over the ranks.
    pub fn sum(&self, values: &mut [f64]) -> deepnet::Result<()> {
        #[cfg(feature = "mpi")]
        {
            use deepnet::Reducer;
            let mine = values.to_vec();
            self.mpi.reducer().sum_f64(&mine, values)?;
        }
        #[cfg(not(feature = "mpi"))]
        let _ = values;
        Ok(())
    }

    /// This rank's part in the trainer, which is given only this rank's share of the
    /// `train_rows` training rows ([`DataParallel::shard`]).
    pub fn parallel(&self, train_rows: usize) -> Result<DataParallel> {
        #[cfg(feature = "mpi")]
        let reducer: Box<dyn deepnet::Reducer + Send> = Box::new(self.mpi.reducer());
        #[cfg(not(feature = "mpi"))]
        let reducer: Box<dyn deepnet::Reducer + Send> = unreachable_reducer();
        Ok(DataParallel::new(self.rank, self.ranks, reducer)?.with_shard_of(train_rows))
    }
}

/// The reducer of a job of one rank, where every sum is the value itself. (Without MPI,
/// [`Job::join`] fails, so no job exists to use it.)
#[cfg(not(feature = "mpi"))]
fn unreachable_reducer() -> Box<dyn deepnet::Reducer + Send> {
    struct Alone;
    impl deepnet::Reducer for Alone {
        fn sum_f32(&mut self, values: &[f32], sums: &mut [f32]) -> deepnet::Result<()> {
            sums.copy_from_slice(values);
            Ok(())
        }
        fn sum_f64(&mut self, values: &[f64], sums: &mut [f64]) -> deepnet::Result<()> {
            sums.copy_from_slice(values);
            Ok(())
        }
    }
    Box::new(Alone)
}
