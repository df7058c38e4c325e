//! The network a table gets when no spec is given: the task read from the target column(s) and
//! a 64-32 ReLU MLP with the output that task needs, trained by [`deepnet_core::Recipe::standard`]
//! as an ensemble whose members validate on their own rows, with label smoothing for classes and
//! dropout for values; its numeric columns also over quantile bins ([`DEFAULT_BINS`]).
//! Each choice was measured on the fourteen public tables of `benches/tables.py` (3 or 10 seeds;
//! see docs/tables.md).

use deepnet_core::spec::{DEFAULT_EMBEDDING_UNITS, DEFAULT_MIN_CATEGORIES};
use deepnet_core::{LayerSpec, Mlp, ModelSpec, Output, Recipe};

use crate::error::{DataError, Result};
use crate::table::bins::Bins;
use crate::table::preprocessing::{target_columns, TableOptions, Task};
use crate::table::raw::RawTable;
use crate::table::targets::class_name;

/// A numeric target of whole numbers with at most this many distinct values is a class label;
/// more make a regression target.
pub const MAX_INTEGER_CLASSES: usize = 20;

/// The hidden layers of the default network.
pub const DEFAULT_HIDDEN: [usize; 2] = [64, 32];

/// Label smoothing of the default classifier's training loss (mean test accuracy +0.004 over the
/// benchmark's seven classification tables, better on six, worse on none).
pub const DEFAULT_LABEL_SMOOTHING: f64 = 0.1;

/// Dropout after every hidden layer of the default regressor: with an ensemble, mean test R²
/// +0.008 over the benchmark's seven regression tables, better on six (dropout alone +0.004,
/// the ensemble alone +0.005; 0.15 and 0.2 gained less). Classifiers lost accuracy with it
/// (−0.004).
pub const DEFAULT_REGRESSION_DROPOUT: f64 = 0.1;

/// The quantile bins of the default network's numeric inputs: one per 256 training rows, at most
/// 16, none under 1,024 rows (see [`crate::table::bins`]). On the five benchmark tables that
/// large, mean test R² +0.012 on three regression tables (Computers +0.028, SLID +0.006,
/// diamonds +0.003) and accuracy −0.004 on two classification tables (Chile −0.007, Benefits
/// +0.000); over all fourteen, mean rank 2.00 against 2.29 without. Smaller tables lost with bins
/// (Salaries −0.08, Housing −0.03 R² with 16).
pub const DEFAULT_BINS: Bins = Bins::PerRows;

/// The fraction of the training rows each member of the default ensemble holds out, its own, to
/// validate on (`Recipe::member_validation`), in place of validation rows shared by the members:
/// one eighth, so that with [`DEFAULT_ENSEMBLE`] members the training rows fall into eight folds
/// and member m trains on seven and stops early on the eighth, as in k-fold cross-validation.
/// Over the benchmark's seven regression tables and ten seeds, each member holding out its own
/// 10% gained +0.0057 mean test R² over one split shared by three members (better on six); an
/// ensemble of nine sharing one split gained +0.0005.
pub const DEFAULT_MEMBER_VALIDATION: f64 = 0.125;

/// Members of the default ensemble, for classes and values alike. With their own validation
/// rows ([`DEFAULT_MEMBER_VALIDATION`]), more members gain, on every one of the benchmark's seven
/// regression tables over ten seeds, against three holding out 10% each: mean test R² +0.0024
/// with five holding out 10%, +0.0029 with five folds, +0.0044 with seven holding out 10%,
/// **+0.0051 with eight folds** (Boston +0.018, Salaries +0.008) and +0.0043 with ten folds, at
/// 2.1, 3.2 and 4.3 times the training time for five, eight and ten. Without their own validation
/// rows five gained no more than three. On the seven classification tables over ten seeds,
/// against one network, eight folds gained +0.0008 accuracy (better on four, worse on two; within
/// chance) and lowered the test log loss by 0.004 (better on five), at 2.8 times the time.
pub const DEFAULT_ENSEMBLE: usize = 8;

/// The task of `table`'s target column(s) (`options.targets`, else the last column): several
/// targets are values; one is classes when any present cell is not a number, or when every cell
/// is a whole number and there are at most [`MAX_INTEGER_CLASSES`] distinct ones; else values.
pub fn infer_task(table: &RawTable, options: &TableOptions) -> Result<Task> {
    let probe = TableOptions {
        task: Task::Regression,
        ..options.clone()
    };
    let targets = target_columns(table, &probe)?;
    if targets.len() > 1 {
        return Ok(Task::Regression);
    }
    let col = &table.columns[targets[0]];
    // Whole numbers by value (`3` and `3.0` are one class, as `class_name` reads them).
    let mut distinct = std::collections::BTreeSet::new();
    let mut whole = true;
    for r in (0..table.len()).filter(|&r| !col.is_missing(r)) {
        match col.number(r) {
            None => return Ok(Task::Classification),
            Some(v) => {
                whole &= v.fract() == 0.0;
                if whole && distinct.len() <= MAX_INTEGER_CLASSES {
                    distinct.insert(v as i64);
                }
            }
        }
    }
    Ok(if whole && distinct.len() <= MAX_INTEGER_CLASSES {
        Task::Classification
    } else {
        Task::Regression
    })
}

/// The default spec for `table` (inputs 0: the encoded width): [`DEFAULT_HIDDEN`] ReLU layers,
/// then a sigmoid unit for two classes, a softmax over more, or one linear unit per target.
/// Both train as an ensemble of [`DEFAULT_ENSEMBLE`] whose members validate on their own rows
/// ([`DEFAULT_MEMBER_VALIDATION`]); classes with [`DEFAULT_LABEL_SMOOTHING`], values with
/// [`DEFAULT_REGRESSION_DROPOUT`] after every hidden layer. Named `name`.
pub fn default_spec(table: &RawTable, options: &TableOptions, name: &str) -> Result<ModelSpec> {
    let task = infer_task(table, options)?;
    let probe = TableOptions {
        task,
        ..options.clone()
    };
    let targets = target_columns(table, &probe)?;
    let mut mlp = Mlp::new(1);
    for units in DEFAULT_HIDDEN {
        mlp = mlp.dense(units).relu();
        if task == Task::Regression {
            mlp = mlp.dropout(DEFAULT_REGRESSION_DROPOUT);
        }
    }
    let mlp = match task {
        Task::Regression => mlp.dense(targets.len()).linear(),
        Task::Classification => {
            let col = &table.columns[targets[0]];
            let mut classes = std::collections::BTreeSet::new();
            for r in 0..table.len() {
                if let Some(cell) = col.cell(r) {
                    classes.insert(class_name(&cell));
                }
            }
            match classes.len() {
                0 | 1 => {
                    return Err(DataError::Empty {
                        path: table.source.clone(),
                        msg: format!(
                            "the target `{}` has {} class; a classifier needs at least two",
                            table.header[targets[0]],
                            classes.len()
                        ),
                    })
                }
                2 => mlp.dense(1).sigmoid(),
                k => mlp.dense(k).softmax(),
            }
        }
    };
    let mut spec = mlp.name(name).spec()?;
    // Columns of many categories are embedded; the layer goes when the table has none.
    spec.layers.insert(
        0,
        LayerSpec::Embedding {
            units: DEFAULT_EMBEDDING_UNITS,
            columns: Vec::new(),
            min_categories: DEFAULT_MIN_CATEGORIES,
        },
    );
    spec.ensemble = DEFAULT_ENSEMBLE;
    spec.train = Some(Recipe {
        member_validation: Some(DEFAULT_MEMBER_VALIDATION),
        label_smoothing: match task {
            Task::Classification => DEFAULT_LABEL_SMOOTHING,
            Task::Regression => 0.0,
        },
        ..Recipe::standard()
    });
    Ok(ModelSpec { inputs: 0, ..spec })
}

/// A default spec in words, for the `model:` line: `64-32 relu, output softmax, label smoothing
/// 0.1, ensemble of 8` or `64-32 relu, dropout 0.1, output linear, ensemble of 8`.
pub fn describe(spec: &ModelSpec) -> String {
    let units: Vec<String> = spec
        .layers
        .iter()
        .filter_map(|l| match l {
            LayerSpec::Dense { units, .. } => Some(units.to_string()),
            _ => None,
        })
        .collect();
    let hidden = units[..units.len().saturating_sub(1)].join("-");
    let mut out = format!("{hidden} relu");
    if let Some(rate) = spec.layers.iter().find_map(|l| match l {
        LayerSpec::Dropout { rate } => Some(*rate),
        _ => None,
    }) {
        out.push_str(&format!(", dropout {rate}"));
    }
    out.push_str(&format!(", output {}", spec.output.name()));
    let smoothing = spec.train.as_ref().map_or(0.0, |r| r.label_smoothing);
    if smoothing > 0.0 && spec.output != Output::Linear {
        out.push_str(&format!(", label smoothing {smoothing}"));
    }
    if spec.ensemble > 1 {
        out.push_str(&format!(", ensemble of {}", spec.ensemble));
    }
    out
}
