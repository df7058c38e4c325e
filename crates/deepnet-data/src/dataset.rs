//! The in-memory dataset: row-major f32 features `[n, d]` and labels.

use deepnet_core::{DType, Device, Output, Tensor};

use crate::error::{DataError, Result};

/// Targets of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Class indices `0..names.len()`, with the class names in index order.
    Classes {
        /// Class index of every row.
        ids: Vec<u32>,
        /// Name of every class.
        names: Vec<String>,
    },
    /// Real-valued targets (regression): `names.len()` per row, row-major.
    Values {
        /// Row-major target values, `rows × names.len()`.
        values: Vec<f32>,
        /// Name of every target column.
        names: Vec<String>,
    },
}

impl Labels {
    /// The labels of the rows at `indices`, in that order.
    pub fn at(&self, indices: &[usize]) -> Labels {
        match self {
            Labels::Classes { ids, names } => Labels::Classes {
                ids: indices.iter().map(|&i| ids[i]).collect(),
                names: names.clone(),
            },
            Labels::Values { values, names } => {
                let t = names.len();
                Labels::Values {
                    values: indices
                        .iter()
                        .flat_map(|&i| values[i * t..(i + 1) * t].iter().copied())
                        .collect(),
                    names: names.clone(),
                }
            }
        }
    }
}

/// Features and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Human-readable name (`"breast-cancer"`, a file name, ...).
    pub name: String,
    /// Row-major features, `len() × width()` values.
    pub features: Vec<f32>,
    /// Name of every feature column.
    pub feature_names: Vec<String>,
    /// Targets.
    pub labels: Labels,
}

impl Dataset {
    /// Builds a dataset, checking that features, names and labels agree in size.
    pub fn new(
        name: impl Into<String>,
        features: Vec<f32>,
        feature_names: Vec<String>,
        labels: Labels,
    ) -> Result<Self> {
        let name = name.into();
        let d = feature_names.len();
        let n = match &labels {
            Labels::Classes { ids, names } => {
                if let Some(bad) = ids.iter().find(|&&i| i as usize >= names.len()) {
                    return Err(DataError::Invalid(format!(
                        "{name}: label {bad} out of range for {} classes",
                        names.len()
                    )));
                }
                ids.len()
            }
            Labels::Values { values, names } => {
                if names.is_empty() || values.len() % names.len() != 0 {
                    return Err(DataError::Invalid(format!(
                        "{name}: {} target values do not make rows of {} targets",
                        values.len(),
                        names.len()
                    )));
                }
                values.len() / names.len()
            }
        };
        if d == 0 || features.len() != n * d {
            return Err(DataError::Invalid(format!(
                "{name}: {} feature values do not make {n} rows of {d} features",
                features.len()
            )));
        }
        Ok(Dataset {
            name,
            features,
            feature_names,
            labels,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.features.len() / self.width().max(1)
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Number of features per row.
    pub fn width(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of classes (0 for regression).
    pub fn num_classes(&self) -> usize {
        match &self.labels {
            Labels::Classes { names, .. } => names.len(),
            Labels::Values { .. } => 0,
        }
    }

    /// Class names (empty for regression).
    pub fn class_names(&self) -> &[String] {
        match &self.labels {
            Labels::Classes { names, .. } => names,
            Labels::Values { .. } => &[],
        }
    }

    /// Target values per row: 1 for classes, the number of target columns for regression.
    pub fn targets_per_row(&self) -> usize {
        match &self.labels {
            Labels::Classes { .. } => 1,
            Labels::Values { names, .. } => names.len(),
        }
    }

    /// Names of the target columns (regression), or `["target"]` for classes.
    pub fn target_names(&self) -> Vec<String> {
        match &self.labels {
            Labels::Classes { .. } => vec!["target".into()],
            Labels::Values { names, .. } => names.clone(),
        }
    }

    /// Class index of every row (`None` for regression).
    pub fn class_ids(&self) -> Option<&[u32]> {
        match &self.labels {
            Labels::Classes { ids, .. } => Some(ids),
            Labels::Values { .. } => None,
        }
    }

    /// The rows at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let d = self.width();
        let mut features = Vec::with_capacity(indices.len() * d);
        for &i in indices {
            features.extend_from_slice(&self.features[i * d..(i + 1) * d]);
        }
        Dataset {
            name: self.name.clone(),
            features,
            feature_names: self.feature_names.clone(),
            labels: self.labels_at(indices),
        }
    }

    /// [`Dataset::subset`] without a second feature buffer: the rows at `indices` (each at most
    /// once) are swapped into place in this dataset's own buffer, which is then cut to length —
    /// for holding out part of a large dataset without copying the rest.
    pub fn into_subset(mut self, indices: &[usize]) -> Result<Dataset> {
        let (d, n) = (self.width(), self.len());
        // at[p]: the original row now at position p; pos[r]: where original row r is now.
        let mut at: Vec<usize> = (0..n).collect();
        let mut pos: Vec<usize> = (0..n).collect();
        for (i, &r) in indices.iter().enumerate() {
            if r >= n {
                return Err(DataError::Invalid(format!(
                    "{}: row {r} of {n} does not exist",
                    self.name
                )));
            }
            // Positions before i hold the rows already placed, so a row found there was asked for twice.
            let p = pos[r];
            if p < i {
                return Err(DataError::Invalid(format!(
                    "{}: row {r} is asked for twice",
                    self.name
                )));
            }
            if p > i {
                let (head, tail) = self.features.split_at_mut(p * d);
                head[i * d..(i + 1) * d].swap_with_slice(&mut tail[..d]);
                let moved = at[i];
                (at[i], at[p]) = (r, moved);
                (pos[r], pos[moved]) = (i, p);
            }
        }
        self.labels = self.labels_at(indices);
        self.features.truncate(indices.len() * d);
        self.features.shrink_to_fit();
        Ok(self)
    }

    /// The labels of the rows at `indices`, in that order.
    fn labels_at(&self, indices: &[usize]) -> Labels {
        self.labels.at(indices)
    }

    /// Features as an f32 tensor `[n, d]`.
    pub fn features_tensor(&self, device: &Device) -> Result<Tensor> {
        Ok(
            Tensor::from_slice(&self.features, (self.len(), self.width()), device)
                .map_err(deepnet_core::Error::from)?,
        )
    }

    /// Features and targets paired for the trainer (see [`Dataset::targets_tensor`]).
    pub fn train_data(&self, output: Output, device: &Device) -> Result<deepnet_core::TrainData> {
        Ok(deepnet_core::TrainData::new(
            self.features_tensor(device)?,
            self.targets_tensor(output, device)?,
        )?)
    }

    /// [`Dataset::train_data`] without copying the features: they move into the tensor.
    pub fn into_train_data(
        self,
        output: Output,
        device: &Device,
    ) -> Result<deepnet_core::TrainData> {
        let y = self.targets_tensor(output, device)?;
        let (n, d) = (self.len(), self.width());
        let x =
            Tensor::from_vec(self.features, (n, d), device).map_err(deepnet_core::Error::from)?;
        Ok(deepnet_core::TrainData::new(x, y)?)
    }

    /// Targets in the form the loss of `output` expects: f32 `[n, 1]` 0/1 for sigmoid, u32 `[n]`
    /// class indices for softmax, f32 `[n, t]` values for linear (`t` target columns).
    pub fn targets_tensor(&self, output: Output, device: &Device) -> Result<Tensor> {
        let n = self.len();
        let t = match (&self.labels, output) {
            (Labels::Classes { names, .. }, Output::Sigmoid) if names.len() > 2 => {
                return Err(DataError::Invalid(format!(
                    "{}: {} classes, but output `sigmoid` is binary; use `softmax` with {} units",
                    self.name,
                    names.len(),
                    names.len()
                )))
            }
            (Labels::Classes { ids, .. }, Output::Sigmoid) => {
                let v: Vec<f32> = ids.iter().map(|&i| i as f32).collect();
                Tensor::from_vec(v, (n, 1), device)
            }
            (Labels::Classes { ids, names }, Output::Linear) => {
                // Labels read as classes are numbers only when every name is one.
                let values = numeric_names(names).ok_or_else(|| {
                    DataError::Invalid(format!(
                        "{}: the target holds text labels ({}), which output `linear` cannot fit; use `sigmoid` or `softmax`",
                        self.name,
                        preview(names)
                    ))
                })?;
                let v: Vec<f32> = ids.iter().map(|&i| values[i as usize]).collect();
                Tensor::from_vec(v, (n, 1), device)
            }
            (Labels::Classes { ids, .. }, Output::Softmax) => Tensor::from_slice(ids, n, device),
            (Labels::Values { values, names }, Output::Linear) => {
                Tensor::from_slice(values, (n, names.len()), device)
            }
            (Labels::Values { .. }, _) => {
                return Err(DataError::Invalid(format!(
                    "{}: the target holds real values, which need output `linear`, not classes",
                    self.name
                )))
            }
        };
        Ok(t.and_then(|t| {
            t.to_dtype(if output == Output::Softmax {
                DType::U32
            } else {
                DType::F32
            })
        })
        .map_err(deepnet_core::Error::from)?)
    }
}

/// The class names as numbers, when every one of them is a finite number.
pub fn numeric_names(names: &[String]) -> Option<Vec<f32>> {
    names
        .iter()
        .map(|n| n.trim().parse::<f32>().ok().filter(|v| v.is_finite()))
        .collect()
}

/// The first few names in backticks, for error messages.
pub fn preview(names: &[String]) -> String {
    let mut s: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
    if names.len() > 3 {
        s.push("...".into());
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepnet_core::Rng;

    /// 40 rows of 3 features, every value distinct, with class and value labels.
    fn rows(labels: &str) -> Dataset {
        let n = 40;
        let features = (0..n * 3).map(|v| v as f32).collect();
        let labels = match labels {
            "classes" => Labels::Classes {
                ids: (0..n as u32).map(|i| i % 3).collect(),
                names: vec!["a".into(), "b".into(), "c".into()],
            },
            _ => Labels::Values {
                values: (0..n * 2).map(|v| -(v as f32)).collect(),
                names: vec!["y1".into(), "y2".into()],
            },
        };
        let names = vec!["f0".into(), "f1".into(), "f2".into()];
        Dataset::new("rows", features, names, labels).unwrap()
    }

    #[test]
    fn into_subset_is_subset_without_the_copy() {
        let mut rng = Rng::new(3);
        for labels in ["classes", "values"] {
            let ds = rows(labels);
            for take in [0, 1, 7, 39, 40] {
                for _ in 0..20 {
                    let mut order: Vec<usize> = (0..ds.len()).collect();
                    rng.shuffle(&mut order);
                    order.truncate(take);
                    assert_eq!(
                        ds.clone().into_subset(&order).unwrap(),
                        ds.subset(&order),
                        "{labels}, {order:?}"
                    );
                }
            }
            let sorted: Vec<usize> = (5..25).collect();
            assert_eq!(ds.clone().into_subset(&sorted).unwrap(), ds.subset(&sorted));
        }
    }

    #[test]
    fn into_subset_refuses_repeated_and_missing_rows() {
        let err = rows("classes").into_subset(&[3, 8, 3]).unwrap_err();
        assert_eq!(err.to_string(), "rows: row 3 is asked for twice");
        let err = rows("classes").into_subset(&[3, 40]).unwrap_err();
        assert_eq!(err.to_string(), "rows: row 40 of 40 does not exist");
    }
}
