//! Training: the configuration, the trainer, its observer hook, learning-rate schedules, the
//! state that resumes a run, and the history.

mod config;
mod data;
mod history;
mod manual_step;
mod observer;
mod schedule;
mod state;
mod trainer;

pub use config::TrainConfig;
pub use data::TrainData;
pub use history::{EpochRecord, History, HistoryCsv};
pub use observer::{Observer, RunInfo, Silent, StepInfo};
pub use schedule::LrScheduler;
pub use state::TrainState;
pub use trainer::Trainer;
