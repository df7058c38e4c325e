//! `deepnet._native`: deepnet's table pipeline for Python. A [`table::Table`] holds columns
//! given in memory (numbers and texts, missing cells as NaN and `None`); a [`model::Model`] is a
//! [`deepnet_data::TableModel`]: fitted on a table, it predicts, trains further, saves the
//! checkpoint the `deepnet` command reads and exports ONNX. The scikit-learn estimators are the
//! Python half, `python/deepnet/`. Training releases the GIL; Ctrl-C stops it between steps.

use pyo3::prelude::*;

mod error;
mod model;
mod observer;
mod table;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<table::Table>()?;
    m.add_class::<model::Model>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
