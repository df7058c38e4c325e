//! A model trained on a table ([`TableModel`]) as a Python object: fitted from a [`Table`] with
//! a spec and a recipe (JSON, as in a spec file), it predicts class probabilities or values,
//! trains further (`partial_fit`), and round-trips through the checkpoint's bytes.

use std::path::{Path, PathBuf};

use deepnet_core::checkpoint::{atomic_write, keys};
use deepnet_core::{ModelSpec, Output, Recipe, TrainState};
use deepnet_data::table::{TableOptions, Task};
use deepnet_data::{HoldOut, Prediction, TableModel};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::error;
use crate::observer::PyObserver;
use crate::table::Table;

/// A trained network with its table preprocessing.
#[pyclass(module = "deepnet._native")]
pub struct Model {
    inner: TableModel,
    /// Where training goes on from (optimiser moments); `None` for a loaded model.
    state: Option<TrainState>,
}

fn recipe_of(text: &str) -> PyResult<Recipe> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("recipe: {e}")))
}

/// The error of a training run: Ctrl-C's own KeyboardInterrupt when a signal stopped it.
fn training_error(e: deepnet_data::DataError, observer: &mut PyObserver) -> PyErr {
    match observer.interrupt.take() {
        Some(interrupt) => interrupt,
        None => error::data(e),
    }
}

#[pymethods]
impl Model {
    /// Trains a network on `table`: the columns `targets` are what it learns (class labels for
    /// a `softmax`/`sigmoid` spec, values for `linear`), `validation` of the rows (stratified
    /// for classes) are held out for early stopping when above 0. `spec` and `recipe` are JSON
    /// as in a spec file (the spec's `inputs` may be 0: the encoded width). `classes` lists
    /// every class when more may come later; `positive` is a binary target's positive class.
    /// Returns the model and the warnings (dropped columns, unseen categories).
    #[staticmethod]
    #[pyo3(signature = (table, targets, spec, recipe, validation = 0.0, classes = None,
                        positive = None, categorical = Vec::new(), threads = None, verbose = false))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        py: Python<'_>,
        table: &Table,
        targets: Vec<String>,
        spec: &str,
        recipe: &str,
        validation: f64,
        classes: Option<Vec<String>>,
        positive: Option<String>,
        categorical: Vec<String>,
        threads: Option<usize>,
        verbose: bool,
    ) -> PyResult<(Model, Vec<String>)> {
        let spec = ModelSpec::from_json_unsized(spec).map_err(error::core)?;
        let recipe = recipe_of(recipe)?;
        let mut options = TableOptions::new(Task::of(spec.output));
        options.targets = targets;
        options.categorical = categorical;
        options.classes = classes;
        options.positive = positive;
        let policy = HoldOut {
            test: 0.0,
            val: validation,
            seed: recipe.seed,
        };
        let mut observer = PyObserver::new(verbose);
        let table = &table.inner;
        let fit = py.detach(|| {
            TableModel::fit_threads(
                table,
                &options,
                spec,
                recipe,
                &policy,
                threads,
                &mut observer,
            )
        });
        let fit = fit.map_err(|e| training_error(e, &mut observer))?;
        Ok((
            Model {
                inner: fit.model,
                state: Some(fit.state),
            },
            fit.warnings,
        ))
    }

    /// Trains `epochs` more epochs of `recipe` on every row of `table`, encoded by the model's
    /// preprocessing, going on from where the last training stopped.
    #[pyo3(signature = (table, recipe, epochs = 1, threads = None, verbose = false))]
    fn train_more(
        &mut self,
        py: Python<'_>,
        table: &Table,
        recipe: &str,
        epochs: usize,
        threads: Option<usize>,
        verbose: bool,
    ) -> PyResult<()> {
        let recipe = recipe_of(recipe)?;
        let mut observer = PyObserver::new(verbose);
        let state = self.state.take();
        let inner = &mut self.inner;
        let table = &table.inner;
        let done =
            py.detach(|| inner.train_more(table, recipe, epochs, state, threads, &mut observer));
        self.state = Some(done.map_err(|e| training_error(e, &mut observer))?);
        Ok(())
    }

    /// The predictions for every row of `table` (feature columns found by name): a classifier's
    /// class names and probabilities (rows × classes), or a regressor's target names and values
    /// (rows × targets), in the targets' own units.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        table: &Table,
    ) -> PyResult<(Vec<String>, Bound<'py, PyArray2<f32>>)> {
        let inner = &self.inner;
        let table = &table.inner;
        let p = py.detach(|| inner.predict(table)).map_err(error::data)?;
        let (names, flat) = match p {
            Prediction::Classes {
                classes,
                probabilities,
                ..
            } => (classes, probabilities),
            Prediction::Values { targets, values } => (targets, values),
        };
        let width = names.len().max(1);
        let rows = flat.len() / width;
        let array = PyArray1::from_vec(py, flat).reshape([rows, width])?;
        Ok((names, array))
    }

    /// Whether the model predicts classes (else values).
    #[getter]
    fn is_classifier(&self) -> bool {
        self.inner.model.spec().output != Output::Linear
    }

    /// The class names, in the order of the probabilities (empty for a regressor).
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.inner.preprocessing.class_names().to_vec()
    }

    /// The target columns.
    #[getter]
    fn targets(&self) -> Vec<String> {
        self.inner.preprocessing.targets.clone()
    }

    /// The feature columns the model reads, in order.
    #[getter]
    fn features(&self) -> Vec<String> {
        self.inner
            .preprocessing
            .features
            .iter()
            .map(|f| f.name.clone())
            .collect()
    }

    /// The network's inputs after encoding (`colour=red`, `size.missing`, ...).
    #[getter]
    fn input_names(&self) -> Vec<String> {
        self.inner.preprocessing.input_names()
    }

    /// The network's spec, as JSON.
    #[getter]
    fn spec(&self) -> String {
        self.inner.model.spec().to_json()
    }

    /// The preprocessing, as the JSON saved in checkpoints.
    #[getter]
    fn preprocessing(&self) -> String {
        self.inner.preprocessing.to_json()
    }

    /// The number of weights and biases.
    #[getter]
    fn parameter_count(&self) -> usize {
        self.inner.model.parameter_count()
    }

    /// Every weight and bias as (name, array) in layer order: `"0.weight"` `[out, in]`,
    /// `"0.bias"` `[out]`, ... (the checkpoint's tensors; inputs are standardised first).
    fn parameters<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Vec<(String, Bound<'py, numpy::PyArrayDyn<f32>>)>> {
        self.inner
            .model
            .parameters()
            .into_iter()
            .map(|(name, t)| {
                let dims = t.dims().to_vec();
                let flat: Vec<f32> = t
                    .flatten_all()
                    .and_then(|t| t.to_dtype(deepnet_core::DType::F32))
                    .and_then(|t| t.to_vec1())
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                let array = PyArray1::from_vec(py, flat).reshape(dims)?;
                Ok((name, array))
            })
            .collect()
    }

    /// The number of optimiser updates made so far (0 for a loaded model).
    #[getter]
    fn steps(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.optimizer.step)
    }

    /// Every epoch trained: dicts of `epoch`, `train_loss`, `train_accuracy`, `val_loss`,
    /// `val_accuracy`, `val_r2`, `lr`, `seconds` (`None` where not measured).
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.inner
            .history
            .epochs
            .iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("epoch", r.epoch)?;
                d.set_item("train_loss", r.train_loss)?;
                d.set_item("train_accuracy", r.train_accuracy)?;
                d.set_item("val_loss", r.val_loss)?;
                d.set_item("val_accuracy", r.val_accuracy)?;
                d.set_item("val_r2", r.val_r2)?;
                d.set_item("lr", r.lr)?;
                d.set_item("seconds", r.seconds)?;
                Ok(d)
            })
            .collect()
    }

    /// The checkpoint's bytes (what `save` writes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.to_bytes().map_err(error::data)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A model from a checkpoint's bytes; `name` names them in errors.
    #[staticmethod]
    #[pyo3(signature = (data, name = "checkpoint bytes"))]
    fn from_bytes(data: &[u8], name: &str) -> PyResult<Model> {
        let inner = TableModel::from_bytes(data, Path::new(name)).map_err(error::data)?;
        Ok(Model { inner, state: None })
    }

    /// Writes the checkpoint (atomically) that `deepnet predict` and `deepnet_load.py` read.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).map_err(error::data)
    }

    /// Reads any deepnet checkpoint.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Model> {
        let inner = TableModel::load(&path).map_err(error::data)?;
        Ok(Model { inner, state: None })
    }

    /// Writes the model and its preprocessing as ONNX (one input per column, as `deepnet
    /// export` does; with `single_input`, one float32 input `[N, d]` for all-numeric models).
    #[pyo3(signature = (path, single_input = false))]
    fn to_onnx(&self, path: PathBuf, single_input: bool) -> PyResult<()> {
        let m = &self.inner;
        let props: Vec<(String, String)> = [
            (keys::SPEC, m.model.spec().to_json()),
            (keys::VERSION, env!("CARGO_PKG_VERSION").to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let options = deepnet_onnx::ExportOptions { single_input };
        let bytes = deepnet_onnx::export(&m.model, &m.preprocessing, &options, &props)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        atomic_write(&path, &bytes).map_err(error::core)
    }
}
