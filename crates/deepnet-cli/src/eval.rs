//! `deepnet eval`: a checkpoint's figures on a dataset. A CSV file goes through the checkpoint's
//! preprocessing (feature columns by name, other columns ignored; the target defaults to the
//! training target) and regression figures are in the targets' own units.

use anyhow::{bail, Result};
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::data::load_source;
use deepnet::data::table::{scores, RawTable};
use deepnet::{DType, Device, Metrics};

use crate::args::EvalArgs;
use crate::table::{dialect, is_table, plain_preprocessing, regression_lines, saved_preprocessing};
use crate::train::saved_args;
use deepnet::data::{align_classes, check_fits, Use};

pub fn run(a: EvalArgs) -> Result<()> {
    let (model, meta) = load_model_with_metadata(&a.checkpoint, &Device::Cpu, DType::F32)?;
    // The target column(s): --target, else the ones the checkpoint was trained on.
    let trained_on = saved_args(&meta)
        .and_then(|run| run.ok())
        .map(|run| run.target)
        .unwrap_or_default();
    let targets = if a.target.is_empty() {
        trained_on
    } else {
        a.target.clone()
    };
    if !is_table(&a.data) {
        let source = load_source(&a.data, 0)?;
        let ds = source.test.unwrap_or(source.data);
        check_fits(model.spec(), &ds, &a.data, Use::Score)?;
        let ds = align_classes(&ds, model.class_names(), &a.data)?;
        let m = scores(&model, None, &ds)?;
        println!("rows: {}", ds.len());
        print_metrics(
            &m,
            model.class_names().unwrap_or_default(),
            &ds.target_names(),
        );
        return Ok(());
    }
    let saved = saved_preprocessing(&meta, &a.checkpoint)?;
    let has_own = saved.is_some();
    let base = saved.as_ref().map(|p| p.dialect()).unwrap_or_default();
    let table = RawTable::read(&a.data, &dialect(a.delimiter.as_deref(), None, base)?)?;
    let mut pre = match saved {
        Some(p) => p,
        None => plain_preprocessing(&model, &meta, &a.checkpoint, &table.header, &a.data)?,
    };
    if !targets.is_empty() {
        if targets.len() != pre.targets.len() {
            bail!(
                "--target names {} column{}, but the model predicts {}",
                targets.len(),
                if targets.len() == 1 { "" } else { "s" },
                pre.targets.len()
            );
        }
        pre.targets = targets;
    } else if !has_own && pre.targets.len() > 1 {
        bail!(
            "--target is needed: the checkpoint does not name its {} targets",
            pre.targets.len()
        );
    }
    let (ds, report) = pre.dataset(&table, None)?;
    for w in report.warnings() {
        eprintln!("warning: {w}");
    }
    check_fits(model.spec(), &ds, &a.data, Use::Score)?;
    let m = scores(&model, Some(&pre), &ds)?;
    println!("rows: {}", ds.len());
    print_metrics(&m, pre.class_names(), &pre.targets);
    Ok(())
}

/// `accuracy`, `loss`; the positive class's precision, recall, F1 and the named confusion
/// matrix (binary); per-class figures and `macro_f1` (several classes); RMSE, MAE and R²
/// (regression).
fn print_metrics(m: &Metrics, classes: &[String], targets: &[String]) {
    let name = |i: usize| classes.get(i).cloned().unwrap_or_else(|| i.to_string());
    if let Some(acc) = m.accuracy {
        println!("accuracy: {acc:.4}");
    }
    println!("loss: {:.4}", m.loss);
    if let Some(b) = &m.binary {
        println!("positive_class: {}", name(1));
        println!("precision: {:.4}", b.precision);
        println!("recall: {:.4}", b.recall);
        println!("f1: {:.4}", b.f1);
        let [[tn, fp], [fn_, tp]] = b.confusion;
        println!(
            "confusion_matrix: [[{tn}, {fp}], [{fn_}, {tp}]]  (rows: true {0}/{1}, columns: predicted {0}/{1})",
            name(0),
            name(1)
        );
    }
    if let Some(per_class) = &m.per_class {
        for (i, s) in per_class.iter().enumerate() {
            let c = name(i);
            println!("precision_{c}: {:.4}", s.precision);
            println!("recall_{c}: {:.4}", s.recall);
            println!("f1_{c}: {:.4}", s.f1);
        }
        if let Some(f1) = m.macro_f1() {
            println!("macro_f1: {f1:.4}");
        }
    }
    if let Some(scores) = &m.per_target {
        for (key, value) in regression_lines("", targets, scores) {
            println!("{key}: {value}");
        }
    }
}
