//! A network trained on a table, with the preprocessing that turns the table's rows into its
//! inputs — the steps `deepnet train` takes on a CSV file, through the same functions, as one
//! library type. [`TableModel::fit`]
//! takes a table (a file or columns in memory), holds out the test and validation rows
//! ([`HoldOut`]), fits the preprocessing on the training rows, trains with the recipe (early
//! stopping restores the best epoch) and scores the test rows; the fitted model predicts on new
//! rows, found by column name, and saves the checkpoint that `deepnet predict` and
//! `python/deepnet_load.py` read.
//!
//! ```no_run
//! use deepnet_core::{ModelSpec, Recipe, Silent};
//! use deepnet_data::table::{RawTable, TableOptions, Task};
//! use deepnet_data::{HoldOut, TableModel};
//!
//! let table = RawTable::read("tests/fixtures/penguins-raw.csv", &Default::default())?;
//! let mut options = TableOptions::new(Task::Classification);
//! options.targets = vec!["Species".into()];
//! let spec = ModelSpec::read_unsized("models/penguins.json")?;
//! let fit = TableModel::fit(&table, &options, spec, Recipe::standard(), &HoldOut::new(0), &mut Silent)?;
//! let prediction = fit.model.predict(&table)?;
//! fit.model.save("penguins.safetensors".as_ref())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use deepnet_core::checkpoint::{atomic_write, keys, load_model_bytes_with_metadata, model_bytes};
use deepnet_core::{
    DType, Device, History, Metrics, ModelSpec, Observer, Output, Recipe, Sequential, Tensor,
    TrainState, Trainer,
};

use crate::error::{DataError, Result};
use crate::fit::{check_fits, check_targets, fit_inputs, new_model, Use};
use crate::split::HoldOut;
use crate::table::{
    plain_preprocessing, saved_preprocessing, scores, target_rows, EncodeReport, Preprocessing,
    RawTable, TableOptions, TableSplits, Task,
};

/// A trained network and the preprocessing of its table.
#[derive(Clone, Debug)]
pub struct TableModel {
    /// The network, with the input scaling and class names of its training rows.
    pub model: Sequential,
    /// How the table's rows become the network's inputs, and its outputs target values.
    pub preprocessing: Preprocessing,
    /// The training history (empty for a model loaded from a file).
    pub history: History,
}

/// What [`TableModel::fit`] made and found.
#[derive(Clone, Debug)]
pub struct TableFit {
    /// The trained model.
    pub model: TableModel,
    /// The scores on the test rows (regression scores in the targets' own units), when the
    /// policy held some out.
    pub test: Option<Metrics>,
    /// The number of training, validation and test rows.
    pub rows: (usize, usize, usize),
    /// What the user should be told: columns dropped from the preprocessing.
    pub warnings: Vec<String>,
    /// The trainer's state after the last epoch (optimiser moments, seeded generator), from
    /// which [`TableModel::train_more`] goes on.
    pub state: TrainState,
}

/// A model's predictions for a table's rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// A classifier's: the predicted label and the probability of every class, per row.
    Classes {
        /// The class names, in the order of the probabilities.
        classes: Vec<String>,
        /// The predicted label of every row.
        labels: Vec<String>,
        /// Row-major probabilities, `classes.len()` per row.
        probabilities: Vec<f32>,
    },
    /// A regressor's: every target's value per row, in its own units.
    Values {
        /// The target columns.
        targets: Vec<String>,
        /// Row-major values, `targets.len()` per row.
        values: Vec<f32>,
    },
}

impl TableModel {
    /// Trains `spec` (whose `inputs` may be 0: the encoded width) on `table` with `recipe`, the
    /// rows held out by `policy`; `options` give the column roles and the dialect (its `task`
    /// follows the spec's output). `observer` hears every epoch.
    pub fn fit(
        table: &RawTable,
        options: &TableOptions,
        spec: ModelSpec,
        recipe: Recipe,
        policy: &HoldOut,
        observer: &mut dyn Observer,
    ) -> Result<TableFit> {
        Self::fit_threads(table, options, spec, recipe, policy, None, observer)
    }

    /// [`TableModel::fit`] on `threads` worker threads (`None`: candle's thread count); the
    /// weights do not depend on it.
    pub fn fit_threads(
        table: &RawTable,
        options: &TableOptions,
        mut spec: ModelSpec,
        recipe: Recipe,
        policy: &HoldOut,
        threads: Option<usize>,
        observer: &mut dyn Observer,
    ) -> Result<TableFit> {
        let source = table.source.as_str();
        let mut options = TableOptions {
            task: Task::of(spec.output),
            ..options.clone()
        };
        options.embedding_from(&spec);
        let (rows, labels) = target_rows(table, &options)?;
        check_targets(&spec, &labels, source, Use::Train)?;
        let splits = TableSplits::new(table, &options, &rows, &labels, policy, None)?;
        fit_inputs(
            &mut spec,
            splits.train.width(),
            Some(&splits.preprocessing),
            source,
        )?;
        spec.validate()?;
        check_fits(&spec, &splits.train, source, Use::Train)?;
        let mut model = new_model(&spec, &splits.train, recipe.seed, &mut |_| Ok(()))?;
        let device = Device::Cpu;
        let rows = (
            splits.train.len(),
            splits.val.as_ref().map_or(0, |v| v.len()),
            splits.test.as_ref().map_or(0, |t| t.len()),
        );
        // The training rows move into the tensor, not copied.
        let train = splits.train.into_train_data(spec.output, &device)?;
        let val = match &splits.val {
            Some(v) => Some(v.train_data(spec.output, &device)?),
            None => None,
        };
        let mut trainer = Trainer::new(recipe)?;
        if let Some(t) = threads {
            trainer = trainer.with_threads(t);
        }
        let history = trainer.fit_with(&mut model, &train, val.as_ref(), observer)?;
        let test = splits
            .test
            .as_ref()
            .map(|t| scores(&model, Some(&splits.preprocessing), t))
            .transpose()?;
        // Unseen categories in the held-out rows are deepnet's own split, not the user's data
        // to fix: only the preprocessing's warnings (dropped columns) are passed on.
        let warnings = splits.fit_warnings;
        Ok(TableFit {
            model: TableModel {
                model,
                preprocessing: splits.preprocessing,
                history,
            },
            test,
            rows,
            warnings,
            state: trainer.state().clone(),
        })
    }

    /// Trains the model further on every row of `table` that has a target, encoded by the
    /// model's own preprocessing (labels must be among its classes): `epochs` more epochs of
    /// `recipe`, going on from `state` (a fresh optimiser when `None`), without early stopping.
    /// Returns the state to go on from next time; the history grows by the epochs run.
    pub fn train_more(
        &mut self,
        table: &RawTable,
        recipe: Recipe,
        epochs: usize,
        state: Option<TrainState>,
        threads: Option<usize>,
        observer: &mut dyn Observer,
    ) -> Result<TrainState> {
        let (ds, _) = self.preprocessing.dataset(table, None)?;
        let output = self.model.spec().output;
        let data = ds.train_data(output, &Device::Cpu)?;
        let done = state.as_ref().map_or(0, |s| s.epoch);
        let recipe = Recipe {
            epochs: done + epochs,
            patience: None,
            ..recipe
        };
        let mut trainer = match state {
            // From the model's weights as they are (early stopping may have restored an
            // earlier epoch's than the state's last).
            Some(state) => {
                let state = TrainState {
                    weights: self.model.parameters(),
                    stopped: false,
                    ..state
                };
                Trainer::resume(recipe, state, &mut self.model)?
            }
            None => Trainer::new(recipe)?,
        };
        if let Some(t) = threads {
            trainer = trainer.with_threads(t);
        }
        let history = trainer.fit_with(&mut self.model, &data, None, observer)?;
        self.history = history;
        Ok(trainer.state().clone())
    }

    /// The predictions for every row of `table`, whose feature columns are found by name (other
    /// columns are ignored); categories not seen in training encode as zeros.
    pub fn predict(&self, table: &RawTable) -> Result<Prediction> {
        let rows: Vec<usize> = (0..table.len()).collect();
        let mut report = EncodeReport::default();
        let x = self.preprocessing.encode(table, &rows, &mut report)?;
        let x = Tensor::from_vec(x, (rows.len(), self.preprocessing.width()), &Device::Cpu)
            .map_err(deepnet_core::Error::from)?;
        let spec = self.model.spec();
        if spec.output == Output::Linear {
            let z = self.model.logits(&x)?;
            let z: Vec<f32> = z
                .flatten_all()
                .and_then(|z| z.to_vec1())
                .map_err(deepnet_core::Error::from)?;
            return Ok(Prediction::Values {
                targets: self.preprocessing.targets.clone(),
                values: self.preprocessing.target.to_original(&z),
            });
        }
        let classes = self.preprocessing.class_names().to_vec();
        let p: Vec<f32> = self
            .model
            .predict_proba(&x)?
            .flatten_all()
            .and_then(|p| p.to_vec1())
            .map_err(deepnet_core::Error::from)?;
        // A sigmoid gives P(positive) only: the negative class's probability is 1 − p.
        let probabilities = match spec.output {
            Output::Sigmoid => p.iter().flat_map(|&q| [1.0 - q, q]).collect(),
            _ => p,
        };
        let labels = self
            .model
            .predict_classes(&x)?
            .into_iter()
            .map(|c| {
                classes.get(c as usize).cloned().ok_or_else(|| {
                    DataError::Invalid(format!(
                        "the model predicts class {c} but its preprocessing names {} classes",
                        classes.len()
                    ))
                })
            })
            .collect::<Result<Vec<String>>>()?;
        Ok(Prediction::Classes {
            classes,
            labels,
            probabilities,
        })
    }

    /// Writes the checkpoint (atomically): the network with its preprocessing and input names,
    /// the file `deepnet predict`, `deepnet export` and `python/deepnet_load.py` read.
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(atomic_write(path, &self.to_bytes()?)?)
    }

    /// The bytes of the checkpoint [`TableModel::save`] writes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut meta = BTreeMap::new();
        meta.insert(
            keys::PREPROCESSING.to_string(),
            self.preprocessing.to_json(),
        );
        let names = serde_json::to_string(&self.preprocessing.input_names())
            .map_err(|e| DataError::Invalid(e.to_string()))?;
        meta.insert(keys::FEATURES.to_string(), names);
        Ok(model_bytes(&self.model, &meta)?)
    }

    /// Reads a checkpoint: of a model trained on a table (by [`TableModel::save`] or `deepnet
    /// train`), or of one trained on numeric data, whose inputs become numeric columns named as
    /// the checkpoint names them (`x0`, `x1`, ... when it does not), the target `y`
    /// ([`plain_preprocessing`]).
    pub fn load(path: &Path) -> Result<TableModel> {
        let bytes = std::fs::read(path).map_err(|cause| DataError::Io {
            path: path.to_path_buf(),
            cause,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// [`TableModel::load`] from a checkpoint's bytes; `name` names them in errors.
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<TableModel> {
        let (model, meta) = load_model_bytes_with_metadata(name, bytes, &Device::Cpu, DType::F32)?;
        let preprocessing = match saved_preprocessing(&meta, name)? {
            Some(p) => p,
            None => {
                let mut header: Vec<String> =
                    (0..model.spec().inputs).map(|i| format!("x{i}")).collect();
                header.push("y".into());
                plain_preprocessing(&model, &meta, name, &header, "the checkpoint")?
            }
        };
        Ok(TableModel {
            model,
            preprocessing,
            history: History::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;
    use deepnet_core::{Mlp, Silent};

    /// Two numeric columns with a missing cell, a category, and a class that depends on them.
    fn table(n: usize) -> RawTable {
        let x: Vec<f64> = (0..n)
            .map(|i| {
                if i % 13 == 5 {
                    f64::NAN
                } else {
                    (i as f64 * 0.37).sin()
                }
            })
            .collect();
        let colour: Vec<Option<String>> = (0..n)
            .map(|i| Some(["red", "green", "blue"][i % 3].to_string()))
            .collect();
        let y: Vec<Option<String>> = (0..n)
            .map(|i| {
                let hot = x[i].is_nan() || x[i] > 0.0 || i % 3 == 0;
                Some(if hot { "hot" } else { "cold" }.to_string())
            })
            .collect();
        RawTable::from_columns(
            "t",
            vec![
                ("x".into(), Column::Numbers(x)),
                ("colour".into(), Column::Text(colour)),
                ("y".into(), Column::Text(y)),
            ],
        )
        .unwrap()
    }

    #[test]
    fn fits_predicts_and_round_trips_through_its_checkpoint() {
        let t = table(200);
        let spec = Mlp::new(1)
            .dense(16)
            .relu()
            .dense(1)
            .sigmoid()
            .spec()
            .unwrap();
        let spec = ModelSpec { inputs: 0, ..spec };
        let recipe = Recipe {
            epochs: 40,
            lr: Some(0.01),
            ..Recipe::default()
        };
        let options = TableOptions::new(Task::Classification);
        let fit =
            TableModel::fit(&t, &options, spec, recipe, &HoldOut::new(1), &mut Silent).unwrap();
        // x, x.missing and three colours.
        assert_eq!(fit.model.model.spec().inputs, 5);
        assert_eq!(fit.rows, (144, 16, 40));
        assert!(fit.test.unwrap().accuracy.unwrap() > 0.8);
        let p = fit.model.predict(&t).unwrap();
        let Prediction::Classes {
            classes,
            labels,
            probabilities,
        } = &p
        else {
            panic!("a classifier predicts classes")
        };
        assert_eq!(labels.len(), 200);
        assert_eq!(probabilities.len(), 400);
        // The label is the class of the larger probability.
        for (l, q) in labels.iter().zip(probabilities.chunks(2)) {
            assert_eq!(*l, classes[usize::from(q[1] > 0.5)]);
        }
        let dir = std::env::temp_dir().join(format!("deepnet-table-model-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.safetensors");
        fit.model.save(&path).unwrap();
        let back = TableModel::load(&path).unwrap();
        assert_eq!(back.predict(&t).unwrap(), p);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
