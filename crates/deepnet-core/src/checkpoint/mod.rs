//! Checkpoints: self-describing safetensors files that PyTorch, numpy and candle load as they
//! are, and the training state that makes resumed runs bit-identical to straight ones.
//!
//! Every write is atomic (temporary file, sync, rename).

mod atomic;
mod format;
pub mod keys;
mod model_file;
mod run_dir;
mod train_state;

pub use atomic::{atomic_write, AtomicFile};
pub use format::MAX_FILE_BYTES;
pub use model_file::{
    load_model, load_model_bytes, load_model_bytes_with_metadata, load_model_with_metadata,
    load_weights, model_bytes, read_checkpoint, save_model, spec_from_metadata, Checkpoint,
    FORMAT_VERSION,
};
pub use run_dir::{RunDir, HISTORY_FILE, MODEL_FILE, TRAIN_STATE_FILE};
pub use train_state::{load_train_state, save_train_state};
