//! The typed error of deepnet-core: every message names the entry, tensor, file or flag at fault
//! and what was expected.

use std::path::PathBuf;

/// Everything that can go wrong in deepnet-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model spec that does not parse or does not describe a valid network.
    #[error("spec: {0}")]
    Spec(String),
    /// Tensors or data whose shapes do not fit together.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A dataset, batch or tensor with no rows.
    #[error("empty data: {0}")]
    Empty(String),
    /// An argument outside its allowed range (learning rate, split fraction, ...).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A training recipe field out of its range (see [`crate::Recipe::validate`]).
    #[error("recipe: `{field}` {problem}")]
    Recipe {
        /// The field at fault, as the spec's `"train"` object names it.
        field: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// Training produced a NaN or infinite loss; the model keeps its last finite weights.
    #[error("training diverged at epoch {epoch}, step {step}: loss is {loss} (try a smaller learning rate); the last finite weights were kept")]
    Diverged {
        /// 1-based epoch of the failing step.
        epoch: usize,
        /// 1-based step within that epoch.
        step: usize,
        /// The non-finite loss value.
        loss: f64,
    },
    /// An observer stopped training between two steps (for example on Ctrl-C in Python); the
    /// model keeps the weights of the last step.
    #[error("training stopped at epoch {epoch}, step {step}: {reason}")]
    Stopped {
        /// 1-based epoch of the last step.
        epoch: usize,
        /// 1-based step within that epoch.
        step: usize,
        /// Why the observer stopped it.
        reason: String,
    },
    /// A checkpoint file that cannot be read back as a deepnet model.
    #[error("checkpoint {path}: {msg}")]
    Checkpoint {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        msg: String,
    },
    /// An I/O failure on a named file.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory at fault.
        path: PathBuf,
        /// The operating system's error.
        cause: std::io::Error,
    },
    /// An error from loading or preparing data (deepnet-data's `DataError`), kept as the source.
    #[error(transparent)]
    Data(Box<dyn std::error::Error + Send + Sync>),
    /// An error from a candle tensor operation.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// A recipe error as the spec's `"train"` object names the field (`spec: train.lr: …`); other
    /// errors unchanged.
    pub fn in_spec(self) -> Self {
        match self {
            Error::Recipe { field, problem } => Error::Spec(format!("train.{field}: {problem}")),
            other => other,
        }
    }

    /// A checkpoint error for `path`.
    pub fn checkpoint(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Checkpoint {
            path: path.into(),
            msg: msg.into(),
        }
    }
}

/// `Result` with deepnet's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
