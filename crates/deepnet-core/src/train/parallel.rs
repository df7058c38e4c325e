//! Data parallelism: several processes (ranks) each hold a copy of the model, compute the
//! gradient of their share of every batch, and a [`Reducer`] sums the shares before the same
//! optimiser update runs on every rank — the scheme of Horovod and of PyTorch's `mpi`/`gloo`
//! backends. Row `r` of the training data belongs to rank `r mod ranks`, so a batch is the same
//! rows whatever the number of ranks, and each row's dropout mask comes from (step key, layer,
//! row): 2 ranks with a global batch B compute the same step as one process with batch B, up to
//! the order in which the two halves of each gradient are added.

use crate::error::Result;
use crate::reduce::Reducer;

/// This process's place in a data-parallel run.
pub struct DataParallel {
    /// This process's rank, `0..ranks`.
    pub rank: usize,
    /// The number of ranks.
    pub ranks: usize,
    /// How gradients and step statistics are summed.
    pub reducer: Box<dyn Reducer + Send>,
    /// The number of training rows when the data given to the trainer hold only this rank's
    /// share of them (see [`DataParallel::with_shard_of`]); None when they hold every row.
    shard_of: Option<usize>,
}

impl DataParallel {
    /// Rank `rank` of `ranks`, summing through `reducer`.
    pub fn new(rank: usize, ranks: usize, reducer: Box<dyn Reducer + Send>) -> Result<Self> {
        if ranks == 0 || rank >= ranks {
            return Err(crate::error::Error::Invalid(format!(
                "rank {rank} is not one of 0..{ranks}"
            )));
        }
        Ok(DataParallel {
            rank,
            ranks,
            reducer,
            shard_of: None,
        })
    }

    /// Declares that the training data this rank is given hold only its own rows of the `rows`
    /// training rows — rows `rank`, `rank + ranks`, … ([`DataParallel::shard`]), in that order —
    /// so that memory per rank falls with the number of ranks. The validation data stay whole.
    pub fn with_shard_of(mut self, rows: usize) -> Self {
        self.shard_of = Some(rows);
        self
    }

    /// The number of training rows when this rank holds only its share of them.
    pub fn shard_of(&self) -> Option<usize> {
        self.shard_of
    }

    /// This rank's rows among `rows` training rows: `rank`, `rank + ranks`, …
    pub fn shard(&self, rows: usize) -> impl Iterator<Item = usize> {
        (self.rank..rows).step_by(self.ranks)
    }

    /// Whether row `row` of the training data is computed here.
    pub fn owns(&self, row: u32) -> bool {
        row as usize % self.ranks == self.rank
    }
}
