//! Training: the trainer (it runs a [`crate::Recipe`]), its observer hook, learning-rate schedules, the
//! state that resumes a run, the history, and data parallelism across processes.

mod data;
mod history;
mod manual_step;
#[cfg(feature = "mpi")]
pub mod mpi;
mod observer;
mod parallel;
mod schedule;
mod state;
mod trainer;

pub use data::TrainData;
pub use history::{EpochRecord, History, HistoryCsv};
pub use observer::{Observer, RunInfo, Silent, StepInfo};
pub use parallel::DataParallel;
pub use schedule::LrScheduler;
pub use state::TrainState;
pub use trainer::Trainer;
