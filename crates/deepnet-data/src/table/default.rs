//! The network a table gets when no spec is given: the task read from the target column(s) and
//! a 64-32 ReLU MLP with the output that task needs, trained by [`deepnet_core::Recipe::standard`]
//! (the spec has no `"train"` object).

use deepnet_core::{Mlp, ModelSpec};

use crate::error::{DataError, Result};
use crate::table::preprocessing::{target_columns, TableOptions, Task};
use crate::table::raw::RawTable;
use crate::table::targets::class_name;

/// A numeric target of whole numbers with at most this many distinct values is a class label;
/// more make a regression target.
pub const MAX_INTEGER_CLASSES: usize = 20;

/// The hidden layers of the default network.
pub const DEFAULT_HIDDEN: [usize; 2] = [64, 32];

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
/// Named `name`.
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
    let spec = mlp.name(name).spec()?;
    Ok(ModelSpec { inputs: 0, ..spec })
}
