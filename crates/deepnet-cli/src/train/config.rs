//! The recipe of a run: the spec's (its `"train"` object, or the standard recipe) with the
//! command-line flags over it. The rules and their messages are the [`Recipe`]'s; an error in a
//! field that a flag set names the flag.

use anyhow::{anyhow, Result};
use deepnet::{ModelSpec, Recipe, Schedule};

use crate::args::TrainArgs;

/// The spec's recipe with the explicit flags over it, validated against the spec.
pub fn recipe(spec: &ModelSpec, a: &TrainArgs) -> Result<Recipe> {
    let mut r = spec.recipe();
    if let Some(kind) = a.optimizer {
        r.optimizer = kind;
    }
    if a.lr.is_some() {
        r.lr = a.lr;
    }
    if let Some(e) = a.epochs {
        r.epochs = e;
    }
    if a.batch_size.is_some() {
        r.batch_size = a.batch_size;
    }
    if let Some(s) = &a.schedule {
        r.schedule = Schedule::named(s, r.epochs)?;
    }
    if a.patience.is_some() {
        r.patience = a.patience;
    }
    if let Some(s) = a.seed {
        r.seed = s;
    }
    if a.table.class_weight.is_some() {
        r.class_weight = a.table.class_weight.clone();
    }
    // With member validation, --val-split is the fraction each member holds out (0: none).
    if let (Some(_), Some(f)) = (r.member_validation, a.val_split) {
        r.member_validation = (f > 0.0).then_some(f);
    }
    r.validate_for(spec).map_err(|e| match e {
        deepnet::Error::Recipe { field, problem } if flag_given(a, field) => {
            let flag = match field {
                "member_validation" => "val-split".to_string(),
                f => f.replace('_', "-"),
            };
            anyhow!("--{flag} {problem}")
        }
        other => other.in_spec().into(),
    })?;
    Ok(r)
}

/// Whether the recipe field `field` was set by its flag.
fn flag_given(a: &TrainArgs, field: &str) -> bool {
    match field {
        "optimizer" => a.optimizer.is_some(),
        "lr" => a.lr.is_some(),
        "epochs" => a.epochs.is_some(),
        "batch_size" => a.batch_size.is_some(),
        "schedule" => a.schedule.is_some(),
        "patience" => a.patience.is_some(),
        "class_weight" => a.table.class_weight.is_some(),
        "member_validation" => a.val_split.is_some(),
        _ => false,
    }
}
