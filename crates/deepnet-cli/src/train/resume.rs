//! `--resume DIR`: the run's model and its saved arguments, with the explicit flags over them.

use deepnet::checkpoint::keys;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::{load_model_with_metadata, MODEL_FILE};
use deepnet::{Device, Sequential};

use crate::args::TrainArgs;

/// The `deepnet train` arguments a checkpoint was written with, when it has them.
pub fn saved_args(meta: &BTreeMap<String, String>) -> Option<serde_json::Result<TrainArgs>> {
    meta.get(keys::RUN).map(|t| serde_json::from_str(t))
}

/// Loads a run's model (and its checkpoint metadata) and merges its saved arguments under the
/// explicit ones.
pub fn load_run(dir: &Path, a: &mut TrainArgs) -> Result<(Sequential, BTreeMap<String, String>)> {
    let path = dir.join(MODEL_FILE);
    let (model, meta) = load_model_with_metadata(&path, &Device::Cpu, deepnet::DType::F32)?;
    let saved: TrainArgs = match saved_args(&meta) {
        Some(args) => args.with_context(|| {
            format!(
                "checkpoint {}: `{}` is not valid",
                path.display(),
                keys::RUN
            )
        })?,
        None => bail!(
            "checkpoint {}: no `{}`; --resume needs a directory written by `deepnet train`",
            path.display(),
            keys::RUN
        ),
    };
    let keep = a.clone();
    *a = TrainArgs {
        threads: keep.threads,
        resume: keep.resume.clone(),
        quiet: keep.quiet,
        ..saved.clone()
    };
    macro_rules! over {
        ($($f:ident),*) => { $( if keep.$f.is_some() { a.$f = keep.$f.clone(); } )* };
    }
    over!(
        data, epochs, batch_size, optimizer, lr, schedule, patience, val_split, test_split, seed,
        out
    );
    if !keep.target.is_empty() {
        a.target = keep.target.clone();
    }
    if keep.model.is_some() {
        eprintln!("note: --model is ignored with --resume; the run's own spec is used");
    }
    for flag in keep.table.differing_flags(&saved.table) {
        eprintln!(
            "note: {flag} is ignored with --resume; the run keeps how it read and encoded its table"
        );
    }
    Ok((model, meta))
}
