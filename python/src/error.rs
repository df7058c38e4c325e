//! deepnet's errors as Python exceptions: every one a `ValueError` carrying deepnet's message,
//! but for a file that cannot be read (`OSError`) and training stopped by Ctrl-C
//! (`KeyboardInterrupt`).

use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::PyErr;

use deepnet_data::DataError;

/// The reason [`crate::observer::PyObserver`] gives when Python has a pending signal.
pub const INTERRUPTED: &str = "interrupted (KeyboardInterrupt)";

/// A deepnet-data error as a Python exception.
pub fn data(e: DataError) -> PyErr {
    match e {
        DataError::Io { .. } => PyOSError::new_err(e.to_string()),
        DataError::Core(c) => core(c),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A deepnet-core error as a Python exception.
pub fn core(e: deepnet_core::Error) -> PyErr {
    match e {
        deepnet_core::Error::Stopped { ref reason, .. } if reason == INTERRUPTED => {
            PyKeyboardInterrupt::new_err(e.to_string())
        }
        deepnet_core::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        deepnet_core::Error::Data(inner) => match inner.downcast::<DataError>() {
            Ok(d) => data(*d),
            Err(other) => PyValueError::new_err(other.to_string()),
        },
        other => PyValueError::new_err(other.to_string()),
    }
}
