//! The model spec: the serde struct that `models/*.json` hold and every checkpoint carries.
//!
//! ```json
//! {
//!   "inputs": 30,
//!   "layers": [ {"type": "dense", "units": 16, "init": "he_normal"}, {"type": "relu"},
//!               {"type": "dense", "units": 1} ],
//!   "output": "sigmoid",
//!   "init": "xavier_uniform"
//! }
//! ```
//! Every entry of `layers` has one index, as in PyTorch's `nn.Sequential`: the dense layer at
//! index `i` owns the tensors `i.weight` (`[units, in]`) and `i.bias` (`[units]`).

use std::path::Path;

use serde::{Deserialize, Serialize};

mod recipe;

pub use recipe::{ClassWeight, Monitor, Recipe, Schedule};

use crate::activation::Activation;
use crate::embedding::total_categories;
pub use crate::embedding::EmbeddedColumn;
use crate::error::{Error, Result};
use crate::init::Init;

/// Default largest parameter count a spec may describe (10⁹ f32 weights = 4 GB); larger specs are
/// refused before anything is allocated. `DEEPNET_MAX_PARAMETERS` overrides it.
pub const MAX_PARAMETERS: u64 = 1_000_000_000;

/// The parameter limit: `DEEPNET_MAX_PARAMETERS` when set to a number, else [`MAX_PARAMETERS`].
pub fn max_parameters() -> u64 {
    std::env::var("DEEPNET_MAX_PARAMETERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_PARAMETERS)
}

/// A whole network: input width, layers, the output non-linearity and the default init.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Optional name, used for run directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number of input features. Optional in a spec file read with [`ModelSpec::read_unsized`]
    /// (absent is 0, filled in from the data before the model is built).
    #[serde(default)]
    pub inputs: usize,
    /// The layers, applied in order.
    pub layers: Vec<LayerSpec>,
    /// The output non-linearity, folded into the loss.
    pub output: Output,
    /// Default initialisation of dense layers without their own `init`.
    #[serde(default)]
    pub init: Init,
    /// Members of a deep ensemble: `layers` describes one member, the model holds this many
    /// (each with its own initial weights), trained together on the same batches, and its output
    /// is their mean prediction (see [`crate::ensemble`]). 1 is a single network [default: 1].
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub ensemble: usize,
    /// Optional training recipe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train: Option<Recipe>,
}

/// One entry of `layers`, tagged by `"type"`: `"dense"`, `"dropout"` or an [`Activation`]'s name.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerSpec {
    /// Fully connected layer y = x·Wᵀ + b.
    Dense {
        /// Output width.
        units: usize,
        /// Initialisation; the spec's top-level `init` when absent.
        init: Option<Init>,
        /// Whether the layer has a bias (default true).
        bias: bool,
    },
    /// Inverted dropout: zeroes each unit with probability `rate` in training, identity at inference.
    Dropout {
        /// Probability of dropping a unit, in [0, 1).
        rate: f64,
    },
    /// Periodic embeddings of the input features ([`crate::periodic`]): each feature becomes
    /// `units` values ReLU(W·[sin 2πcx, cos 2πcx] + b). Only as the first layer.
    Periodic {
        /// Learned frequencies per feature (k).
        frequencies: usize,
        /// Values per feature (d).
        units: usize,
        /// Standard deviation of the initial frequencies.
        sigma: f64,
    },
    /// Embeddings of categorical columns ([`crate::embedding`]): each of `columns` (inputs
    /// holding category indices) becomes `units` learned values. Only as the first layer. Left
    /// empty, `columns` is filled in by table training with every categorical column of at
    /// least `min_categories` categories (and the layer is left out when there is none).
    Embedding {
        /// Values per embedded column (d).
        units: usize,
        /// The embedded inputs, in input order.
        columns: Vec<EmbeddedColumn>,
        /// For table training: the fewest categories a column needs to be embedded.
        min_categories: usize,
    },
    /// An element-wise activation.
    Activation(Activation),
}

/// The serde form of the two layers with parameters of their own.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Structural {
    Dense {
        units: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        init: Option<Init>,
        #[serde(default = "default_true", skip_serializing_if = "is_true")]
        bias: bool,
    },
    Dropout {
        rate: f64,
    },
    Periodic {
        #[serde(default = "default_frequencies")]
        frequencies: usize,
        #[serde(default = "default_periodic_units")]
        units: usize,
        #[serde(default = "default_sigma")]
        sigma: f64,
    },
    Embedding {
        #[serde(default = "default_embedding_units")]
        units: usize,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        columns: Vec<EmbeddedColumn>,
        #[serde(default = "default_min_categories")]
        min_categories: usize,
    },
}

/// An embedding layer's values per column, by default.
pub const DEFAULT_EMBEDDING_UNITS: usize = 8;

/// The fewest categories for which table training embeds a column instead of one-hot encoding
/// it, by default. Measured on seven tables with columns of 24 to 125 categories (3 seeds,
/// docs/tables.md): embedding columns of 45 to 57 categories gained up to +0.05 R² (two losses,
/// −0.011 and −0.004), while embedding those of 24 and 27 lost (−0.001 and −0.016).
pub const DEFAULT_MIN_CATEGORIES: usize = 40;

fn default_embedding_units() -> usize {
    DEFAULT_EMBEDDING_UNITS
}
fn default_min_categories() -> usize {
    DEFAULT_MIN_CATEGORIES
}

/// A periodic layer's defaults (Gorishniy et al. 2022 and RealMLP's: 16 frequencies, σ 0.1; 4
/// values per feature).
fn default_frequencies() -> usize {
    16
}
fn default_periodic_units() -> usize {
    4
}
fn default_sigma() -> f64 {
    0.1
}

impl Serialize for LayerSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            LayerSpec::Dense { units, init, bias } => Structural::Dense {
                units: *units,
                init: *init,
                bias: *bias,
            }
            .serialize(s),
            LayerSpec::Dropout { rate } => Structural::Dropout { rate: *rate }.serialize(s),
            LayerSpec::Periodic {
                frequencies,
                units,
                sigma,
            } => Structural::Periodic {
                frequencies: *frequencies,
                units: *units,
                sigma: *sigma,
            }
            .serialize(s),
            LayerSpec::Embedding {
                units,
                columns,
                min_categories,
            } => Structural::Embedding {
                units: *units,
                columns: columns.clone(),
                min_categories: *min_categories,
            }
            .serialize(s),
            LayerSpec::Activation(a) => a.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for LayerSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let kind = value.get("type").and_then(|t| t.as_str()).unwrap_or("");
        if matches!(kind, "dense" | "dropout" | "periodic" | "embedding") {
            return match Structural::deserialize(value).map_err(D::Error::custom)? {
                Structural::Dense { units, init, bias } => {
                    Ok(LayerSpec::Dense { units, init, bias })
                }
                Structural::Dropout { rate } => Ok(LayerSpec::Dropout { rate }),
                Structural::Periodic {
                    frequencies,
                    units,
                    sigma,
                } => Ok(LayerSpec::Periodic {
                    frequencies,
                    units,
                    sigma,
                }),
                Structural::Embedding {
                    units,
                    columns,
                    min_categories,
                } => Ok(LayerSpec::Embedding {
                    units,
                    columns,
                    min_categories,
                }),
            };
        }
        let act = Activation::deserialize(&value).map_err(|e| {
            let msg = e.to_string();
            match msg.strip_prefix("unknown variant ") {
                // Name the two structural layers next to the activations serde lists.
                Some(rest) => D::Error::custom(format!(
                    "unknown variant {}",
                    rest.replacen(
                        "expected one of ",
                        "expected one of `dense`, `dropout`, `periodic`, `embedding`, ",
                        1
                    )
                )),
                None => D::Error::custom(msg),
            }
        })?;
        // Unit variants ignore extra keys; refuse them as the other layers do.
        let known = serde_json::to_value(act).map_err(D::Error::custom)?;
        if let (Some(given), Some(known)) = (value.as_object(), known.as_object()) {
            if let Some(k) = given.keys().find(|k| !known.contains_key(*k)) {
                return Err(D::Error::custom(format!("unknown field `{k}`")));
            }
        }
        Ok(LayerSpec::Activation(act))
    }
}

fn default_true() -> bool {
    true
}
fn one() -> usize {
    1
}
fn is_one(n: &usize) -> bool {
    *n == 1
}

/// Most members an ensemble may have.
pub const MAX_ENSEMBLE: usize = 64;
fn is_true(b: &bool) -> bool {
    *b
}

/// The output non-linearity, which also selects the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Binary classification: last layer has 1 unit, loss is binary cross-entropy.
    Sigmoid,
    /// Multi-class classification: softmax over the last layer, loss is cross-entropy.
    Softmax,
    /// Regression: identity output, loss is mean squared error.
    Linear,
}

impl Output {
    /// The spec name: `"sigmoid"`, `"softmax"` or `"linear"`.
    pub fn name(self) -> &'static str {
        match self {
            Output::Sigmoid => "sigmoid",
            Output::Softmax => "softmax",
            Output::Linear => "linear",
        }
    }
}

impl LayerSpec {
    /// The spec's `type` name.
    pub fn type_name(&self) -> String {
        match self {
            LayerSpec::Dense { .. } => "dense".into(),
            LayerSpec::Dropout { .. } => "dropout".into(),
            LayerSpec::Periodic { .. } => "periodic".into(),
            LayerSpec::Embedding { .. } => "embedding".into(),
            LayerSpec::Activation(a) => a.name(),
        }
    }
}

impl ModelSpec {
    /// Parses and validates a spec from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        let spec = Self::from_json_unsized(text)?;
        spec.validate()?;
        Ok(spec)
    }

    /// Parses a spec whose `inputs` may be absent (0) and validates everything else.
    pub fn from_json_unsized(text: &str) -> Result<Self> {
        let spec: ModelSpec = serde_json::from_str(text).map_err(|e| Error::Spec(e.to_string()))?;
        let mut sized = spec.clone();
        sized.inputs = sized.inputs.max(1);
        sized.validate_with(spec.inputs == 0)?;
        Ok(spec)
    }

    /// Reads, parses and validates a spec file; errors name the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let spec = Self::read_unsized(&path)?;
        spec.validate().map_err(|e| match e {
            Error::Spec(msg) => Error::Spec(format!("{}: {msg}", path.as_ref().display())),
            other => other,
        })?;
        Ok(spec)
    }

    /// [`ModelSpec::from_file`] for a spec whose `"inputs"` may be left out: it is then 0, to be
    /// set from the data (the `deepnet` command sets it to the width after encoding) before
    /// [`ModelSpec::validate`] passes.
    pub fn read_unsized(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut spec = Self::from_json_unsized(&text).map_err(|e| match e {
            Error::Spec(msg) => Error::Spec(format!("{}: {msg}", path.display())),
            other => other,
        })?;
        if spec.name.is_none() {
            spec.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(spec)
    }

    /// The spec as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The recipe to train this spec with: its `"train"` object, or [`Recipe::standard`].
    pub fn recipe(&self) -> Recipe {
        self.train.clone().unwrap_or_else(Recipe::standard)
    }

    /// The inputs that the first layer embeds as category indices (none without an embedding
    /// layer).
    pub fn embedded_columns(&self) -> &[EmbeddedColumn] {
        match self.layers.first() {
            Some(LayerSpec::Embedding { columns, .. }) => columns,
            _ => &[],
        }
    }

    /// The embedding layer's plan, when the first layer is one.
    pub(crate) fn embedding_plan(&self) -> Option<crate::embedding::Plan> {
        match self.layers.first() {
            Some(LayerSpec::Embedding { units, columns, .. }) => {
                Some(crate::embedding::Plan::new(self.inputs, columns, *units))
            }
            _ => None,
        }
    }

    /// Width of the network's output (units of the last dense layer).
    pub fn output_units(&self) -> usize {
        self.widths().last().copied().unwrap_or(self.inputs)
    }

    /// Output width of every layer, in order (one member's, for an ensemble).
    pub fn widths(&self) -> Vec<usize> {
        let mut width = self.inputs;
        self.layers
            .iter()
            .map(|l| {
                match l {
                    LayerSpec::Dense { units, .. } => width = *units,
                    LayerSpec::Periodic { units, .. } => width *= *units,
                    LayerSpec::Embedding { units, columns, .. } => {
                        width = width
                            .saturating_add(columns.len().saturating_mul(units.saturating_sub(1)))
                    }
                    _ => {}
                }
                width
            })
            .collect()
    }

    /// Name and shape of every parameter tensor, in model order (`"0.weight"` `[units, in]`, ...).
    /// An ensemble of K members stacks theirs: `[K·units, in]` (member m owns rows
    /// `m·units..(m + 1)·units`, each reading its own member's input, the first layer the shared
    /// input) and bias `[K·units]`.
    pub fn parameter_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let k = self.ensemble.max(1);
        let mut width = self.inputs;
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            match l {
                LayerSpec::Dense { units, bias, .. } => {
                    out.push((format!("{i}.weight"), vec![k * units, width]));
                    if *bias {
                        out.push((format!("{i}.bias"), vec![k * units]));
                    }
                    width = *units;
                }
                LayerSpec::Periodic {
                    frequencies, units, ..
                } => {
                    out.push((format!("{i}.frequency"), vec![width, *frequencies]));
                    out.push((format!("{i}.weight"), vec![*units, 2 * frequencies]));
                    out.push((format!("{i}.bias"), vec![*units]));
                    width *= *units;
                }
                LayerSpec::Embedding { units, columns, .. } => {
                    out.push((
                        format!("{i}.weight"),
                        vec![total_categories(columns), *units],
                    ));
                    width =
                        width.saturating_add(columns.len().saturating_mul(units.saturating_sub(1)));
                }
                _ => {}
            }
        }
        out
    }

    /// Total number of trainable parameters (of every member of an ensemble; a periodic
    /// layer's are shared by the members).
    pub fn parameter_count(&self) -> u64 {
        let mut width = self.inputs as u64;
        let (mut dense, mut shared) = (0u64, 0u64);
        for l in &self.layers {
            match l {
                LayerSpec::Dense { units, bias, .. } => {
                    let u = *units as u64;
                    dense = dense
                        .saturating_add(width.saturating_mul(u))
                        .saturating_add(if *bias { u } else { 0 });
                    width = u;
                }
                LayerSpec::Periodic {
                    frequencies, units, ..
                } => {
                    let (k, d) = (*frequencies as u64, *units as u64);
                    shared = shared
                        .saturating_add(width.saturating_mul(k))
                        .saturating_add(d.saturating_mul(k.saturating_mul(2).saturating_add(1)));
                    width = width.saturating_mul(d);
                }
                LayerSpec::Embedding { units, columns, .. } => {
                    let (n, d, c) = (
                        total_categories(columns) as u64,
                        *units as u64,
                        columns.len() as u64,
                    );
                    shared = shared.saturating_add(n.saturating_mul(d));
                    width = width.saturating_add(c.saturating_mul(d.saturating_sub(1)));
                }
                _ => {}
            }
        }
        dense
            .saturating_mul(self.ensemble.max(1) as u64)
            .saturating_add(shared)
    }

    /// Checks that the spec describes a network deepnet can build; errors name the entry.
    pub fn validate(&self) -> Result<()> {
        self.validate_with(false)
    }

    /// [`ModelSpec::validate`]; `inputs_unknown` lets an embedding layer's
    /// `columns` be empty or past `inputs`, as table training fills them in.
    fn validate_with(&self, inputs_unknown: bool) -> Result<()> {
        if self.inputs == 0 {
            return Err(Error::Spec(
                "`inputs` is missing or 0; set it to the number of input features".into(),
            ));
        }
        if !(1..=MAX_ENSEMBLE).contains(&self.ensemble) {
            return Err(Error::Spec(format!(
                "`ensemble` must be between 1 and {MAX_ENSEMBLE} members, got {}",
                self.ensemble
            )));
        }
        let Some(last) = self.layers.last() else {
            return Err(Error::Spec(
                "`layers` is empty; add at least one dense layer".into(),
            ));
        };
        for (i, layer) in self.layers.iter().enumerate() {
            let at = format!("layers[{i}] ({})", layer.type_name());
            match layer {
                LayerSpec::Dense { units: 0, .. } => {
                    return Err(Error::Spec(format!("{at}: `units` must be at least 1")))
                }
                LayerSpec::Activation(a) => {
                    a.check().map_err(|e| Error::Spec(format!("{at}: {e}")))?
                }
                LayerSpec::Dropout { rate } if !(0.0..1.0).contains(rate) => {
                    return Err(Error::Spec(format!(
                        "{at}: `rate` must be in [0, 1), got {rate}"
                    )))
                }
                LayerSpec::Periodic { .. } if i > 0 => {
                    return Err(Error::Spec(format!(
                        "{at}: a periodic layer embeds the input features, so it must be the first layer"
                    )))
                }
                LayerSpec::Periodic {
                    frequencies,
                    units,
                    sigma,
                } => {
                    if *frequencies == 0 || *units == 0 {
                        return Err(Error::Spec(format!(
                            "{at}: `frequencies` and `units` must be at least 1, got {frequencies} and {units}"
                        )));
                    }
                    if !(*sigma > 0.0 && sigma.is_finite()) {
                        return Err(Error::Spec(format!(
                            "{at}: `sigma` must be positive and finite, got {sigma}"
                        )));
                    }
                }
                LayerSpec::Embedding { .. } if i > 0 => {
                    return Err(Error::Spec(format!(
                        "{at}: an embedding layer reads category indices from the input, so it must be the first layer"
                    )))
                }
                LayerSpec::Embedding {
                    units,
                    columns,
                    min_categories,
                } => self.check_embedding(&at, *units, columns, *min_categories, inputs_unknown)?,
                _ => {}
            }
        }
        let last_index = self.layers.len() - 1;
        let LayerSpec::Dense { units, .. } = last else {
            return Err(Error::Spec(format!(
                "layers[{last_index}] ({}): the last layer must be dense; the output non-linearity belongs in `output`",
                last.type_name()
            )));
        };
        match (self.output, *units) {
            (Output::Sigmoid, u) if u != 1 => Err(Error::Spec(format!(
                "layers[{last_index}] (dense): output `sigmoid` needs 1 unit in the last layer, found {u} (use `softmax` for {u} classes)"
            ))),
            (Output::Softmax, 1) => Err(Error::Spec(format!(
                "layers[{last_index}] (dense): output `softmax` needs at least 2 units in the last layer, found 1 (use `sigmoid` for binary)"
            ))),
            _ => Ok(()),
        }?;
        let count = self.parameter_count();
        let limit = max_parameters();
        if count > limit {
            return Err(Error::Spec(format!(
                "the network has {count} parameters, more than the limit of {limit} (set DEEPNET_MAX_PARAMETERS to change it)"
            )));
        }
        if let Some(train) = &self.train {
            train.validate().map_err(|e| match e {
                Error::Recipe { field, problem } => {
                    Error::Spec(format!("train.{field}: {problem}"))
                }
                other => other,
            })?;
        }
        Ok(())
    }

    /// The checks of an embedding layer (see [`ModelSpec::validate_with`]).
    fn check_embedding(
        &self,
        at: &str,
        units: usize,
        columns: &[EmbeddedColumn],
        min_categories: usize,
        inputs_unknown: bool,
    ) -> Result<()> {
        if units == 0 {
            return Err(Error::Spec(format!("{at}: `units` must be at least 1")));
        }
        if min_categories < 2 {
            return Err(Error::Spec(format!(
                "{at}: `min_categories` must be at least 2, got {min_categories}"
            )));
        }
        if columns.is_empty() && !inputs_unknown {
            return Err(Error::Spec(format!(
                "{at}: `columns` is empty; list the inputs that hold category indices as {{\"input\": i, \"categories\": n}} (table training fills them in)"
            )));
        }
        for (k, c) in columns.iter().enumerate() {
            if c.categories == 0 {
                return Err(Error::Spec(format!(
                    "{at}: columns[{k}]: `categories` must be at least 1"
                )));
            }
            if !inputs_unknown && c.input >= self.inputs {
                return Err(Error::Spec(format!(
                    "{at}: columns[{k}]: input {} is past the {} inputs",
                    c.input, self.inputs
                )));
            }
            if k > 0 && c.input <= columns[k - 1].input {
                return Err(Error::Spec(format!(
                    "{at}: columns[{k}]: inputs must be listed once each, in increasing order; {} follows {}",
                    c.input,
                    columns[k - 1].input
                )));
            }
        }
        Ok(())
    }

    /// Warnings about a valid but dubious spec, e.g. a hidden layer that starts symmetric.
    pub fn warnings(&self) -> Vec<String> {
        let last_dense = self
            .layers
            .iter()
            .rposition(|l| matches!(l, LayerSpec::Dense { .. }));
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            if let LayerSpec::Dense { init, .. } = l {
                let init = init.unwrap_or(self.init);
                if Some(i) != last_dense && init.is_symmetric() {
                    out.push(format!(
                        "layers[{i}] (dense) is a hidden layer initialised with {init:?}: all its units start identical and stay identical (symmetry); use a random init such as he_normal"
                    ));
                }
            }
        }
        out
    }
}
