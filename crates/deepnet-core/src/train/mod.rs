//! Training: the recipe a spec may carry, learning-rate schedules, the trainer and its history.

mod recipe;

pub use recipe::{Schedule, TrainSpec};
