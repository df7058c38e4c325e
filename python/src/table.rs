//! A table handed over from Python: numeric columns as one 2-D float array (float32 is read in
//! place; NaN is a missing cell) and text columns as lists of `str` or `None`, in the column
//! order given. It becomes a [`RawTable`] by the same rules as a CSV file.

use deepnet_data::table::{Column, RawTable};
use numpy::PyReadonlyArray2;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::error;

/// Columns in memory, read as a table.
#[pyclass(module = "deepnet._native", frozen)]
pub struct Table {
    pub(crate) inner: RawTable,
}

/// The columns of a 2-D array, as f64 (the table's numbers). Groups of 16 columns are read in
/// parallel, each group row by row, so a C-ordered array is read a cache line at a time.
fn columns_of<T: Copy + Into<f64> + numpy::Element + Sync>(
    a: &PyReadonlyArray2<'_, T>,
) -> Vec<Vec<f64>> {
    const GROUP: usize = 16;
    let view = a.as_array();
    let (rows, cols) = view.dim();
    let groups: Vec<Vec<Vec<f64>>> = (0..cols.div_ceil(GROUP))
        .into_par_iter()
        .map(|g| {
            let (start, end) = (g * GROUP, ((g + 1) * GROUP).min(cols));
            let mut out: Vec<Vec<f64>> = (start..end).map(|_| Vec::with_capacity(rows)).collect();
            for row in view.rows() {
                for (c, j) in out.iter_mut().zip(start..end) {
                    c.push(row[j].into());
                }
            }
            out
        })
        .collect();
    groups.into_iter().flatten().collect()
}

#[pymethods]
impl Table {
    /// `order`: every column's name, in the table's order; `numbers`: a 2-D float32 or float64
    /// array whose columns are `number_names`; `texts`: (name, cells) pairs. `source` names the
    /// table in errors.
    #[new]
    #[pyo3(signature = (order, numbers, number_names, texts, source = "X"))]
    fn new(
        order: Vec<String>,
        numbers: Option<Bound<'_, PyAny>>,
        number_names: Vec<String>,
        texts: Vec<(String, Vec<Option<String>>)>,
        source: &str,
    ) -> PyResult<Self> {
        let numeric: Vec<Vec<f64>> = match &numbers {
            None => Vec::new(),
            Some(a) => {
                if let Ok(a) = a.extract::<PyReadonlyArray2<'_, f32>>() {
                    columns_of(&a)
                } else if let Ok(a) = a.extract::<PyReadonlyArray2<'_, f64>>() {
                    columns_of(&a)
                } else {
                    return Err(PyTypeError::new_err(
                        "numbers must be a 2-D float32 or float64 array",
                    ));
                }
            }
        };
        if numeric.len() != number_names.len() {
            return Err(PyValueError::new_err(format!(
                "{} number column names for {} number columns",
                number_names.len(),
                numeric.len()
            )));
        }
        let mut given: Vec<(String, Column)> = number_names
            .into_iter()
            .zip(numeric)
            .map(|(n, v)| (n, Column::Numbers(v)))
            .chain(texts.into_iter().map(|(n, v)| (n, Column::Text(v))))
            .collect();
        if given.len() != order.len() {
            return Err(PyValueError::new_err(format!(
                "{} columns given but the order names {}",
                given.len(),
                order.len()
            )));
        }
        let mut columns = Vec::with_capacity(order.len());
        for name in &order {
            let Some(i) = given.iter().position(|(n, _)| n == name) else {
                return Err(PyValueError::new_err(format!(
                    "column `{name}` is in the order but not given"
                )));
            };
            columns.push(given.swap_remove(i));
        }
        let inner = RawTable::from_columns(source, columns).map_err(error::data)?;
        Ok(Table { inner })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner.header.clone()
    }
}
