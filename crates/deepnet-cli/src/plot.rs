//! `deepnet plot DIR`: redraws a run's figures from DIR/history.csv and its checkpoint, with the
//! figure code that `deepnet train` and `deepnet board` use.

use deepnet::checkpoint::keys;
use std::path::Path;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::atomic_write;
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::data::{synthetic, Dataset, SYNTHETIC_NAMES};
use deepnet::{DType, Device, History, Sequential};

use crate::args::{PlotArgs, TrainArgs};
use crate::figure::boundary::boundary_svg;
use crate::figure::history::loss_svg;

/// Writes `loss.svg` and, for 2-D classification data, `boundary.svg` into `dir`; `name` (the
/// data's) titles the boundary figure.
pub fn write_figures(
    dir: &Path,
    history: &History,
    model: &Sequential,
    data: Option<(&str, &Dataset)>,
) -> Result<()> {
    atomic_write(&dir.join("loss.svg"), loss_svg(history).as_bytes())?;
    if let Some((name, ds)) = data.filter(|(_, d)| d.width() == 2 && d.num_classes() > 0) {
        let title = format!("decision boundary on {name} (training rows)");
        atomic_write(
            &dir.join("boundary.svg"),
            boundary_svg(model, ds, &title)?.as_bytes(),
        )?;
    }
    Ok(())
}

/// Reads `history.csv` strictly: every line must be complete and valid.
pub fn read_history(path: &Path) -> Result<History> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let read = History::from_csv(&text);
    if let Some(problem) = read.problem {
        bail!("{}:{problem}", path.display());
    }
    Ok(read.history)
}

pub fn run(a: PlotArgs) -> Result<()> {
    let history = read_history(&a.dir.join("history.csv"))?;
    let ckpt = a.dir.join("model.safetensors");
    let (model, meta) = load_model_with_metadata(&ckpt, &Device::Cpu, DType::F32)?;
    // Regenerate a synthetic training set for the boundary plot.
    let run: Option<TrainArgs> = meta
        .get(keys::RUN)
        .and_then(|t| serde_json::from_str(t).ok());
    let data = match run.as_ref().and_then(|r| r.data.clone()) {
        Some(name) if SYNTHETIC_NAMES.contains(&name.as_str()) => Some((
            synthetic(&name, 1000, run.as_ref().and_then(|r| r.seed).unwrap_or(0))?,
            name,
        )),
        _ => None,
    };
    write_figures(
        &a.dir,
        &history,
        &model,
        data.as_ref().map(|(d, n)| (n.as_str(), d)),
    )?;
    println!("figures: {}", a.dir.join("loss.svg").display());
    Ok(())
}
