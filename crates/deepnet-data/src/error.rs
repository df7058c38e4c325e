//! The typed error of deepnet-data: every message names the file, line and column at fault.

use std::path::PathBuf;

/// Everything that can go wrong while loading data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{path}: {cause}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The operating system's error.
        cause: std::io::Error,
    },
    /// A value that is not what the column needs.
    #[error("{path}:{line}: column `{column}`: {msg}")]
    Value {
        /// The file at fault.
        path: String,
        /// 1-based line number.
        line: u64,
        /// Column name.
        column: String,
        /// What is wrong.
        msg: String,
    },
    /// A row whose field count differs from the header's.
    #[error("{path}:{line}: row has {found} fields but the header has {expected}")]
    Ragged {
        /// The file at fault.
        path: String,
        /// 1-based line number.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A file with no header or no data rows.
    #[error("{path}: {msg}")]
    Empty {
        /// The file at fault.
        path: String,
        /// What is missing.
        msg: String,
    },
    /// The requested target column is not in the header.
    #[error("{path}: no target column `{target}`; the header has: {available}")]
    MissingTarget {
        /// The file at fault.
        path: String,
        /// The requested column.
        target: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// A column named on the command line or in a checkpoint that the file does not have.
    #[error("{path}: no column `{column}` ({what}); the header has: {available}")]
    Column {
        /// The file at fault.
        path: String,
        /// The requested column.
        column: String,
        /// Who asked for it (`--target`, `--ignore`, `a feature`).
        what: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// A malformed CSV file (quoting, encoding).
    #[error("{path}: {msg}")]
    Csv {
        /// The file at fault.
        path: String,
        /// The parser's message.
        msg: String,
    },
    /// A malformed IDX file.
    #[error("{path}: {msg}")]
    Idx {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// The Fashion-MNIST directory does not exist.
    #[error("Fashion-MNIST not found in {dir}: install it with `apt-get install dataset-fashion-mnist` (Debian) or pass the directory holding the IDX files")]
    FashionMissing {
        /// The directory looked in.
        dir: PathBuf,
    },
    /// An unknown dataset name or an argument out of range.
    #[error("{0}")]
    Invalid(String),
    /// An error from deepnet-core (tensor construction).
    #[error(transparent)]
    Core(#[from] deepnet_core::Error),
}

/// `Result` with [`DataError`].
pub type Result<T> = std::result::Result<T, DataError>;

/// A data error as deepnet's error, so `?` works in functions returning `deepnet::Result`.
impl From<DataError> for deepnet_core::Error {
    fn from(e: DataError) -> Self {
        match e {
            DataError::Core(inner) => inner,
            other => deepnet_core::Error::Data(Box::new(other)),
        }
    }
}
