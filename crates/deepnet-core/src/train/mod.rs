//! Training: the recipe a spec may carry, learning-rate schedules, the trainer, its observer hook
//! and history.

mod history;
mod observer;
mod recipe;
mod schedule;
mod trainer;

pub use history::{EpochRecord, History};
pub use observer::{Observer, RunInfo, Silent, StepInfo};
pub use recipe::{Schedule, TrainSpec};
pub use schedule::LrScheduler;
pub use trainer::{TrainConfig, TrainData, TrainState, Trainer};
