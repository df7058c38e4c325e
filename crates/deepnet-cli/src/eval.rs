//! `deepnet eval`: accuracy and loss of a checkpoint on a dataset.

use anyhow::Result;
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::data::load_source;
use deepnet::{evaluate, DType, Device};

use crate::args::EvalArgs;
use crate::data::{align_classes, check_fits, tensors, Use};
use crate::train::saved_args;

pub fn run(a: EvalArgs) -> Result<()> {
    let (model, meta) = load_model_with_metadata(&a.checkpoint, &Device::Cpu, DType::F32)?;
    // The target column: --target, else the one the checkpoint was trained on.
    let trained_on = saved_args(&meta)
        .and_then(|run| run.ok())
        .and_then(|run| run.target);
    let target = a.target.clone().or(trained_on);
    let source = load_source(&a.data, target.as_deref(), 0)?;
    let ds = source.test.unwrap_or(source.data);
    check_fits(model.spec(), &ds, &a.data, Use::Score)?;
    let ds = align_classes(&ds, model.class_names(), &a.data)?;
    let t = tensors(&ds, model.spec())?;
    let m = evaluate(&model, &t.x, &t.y)?;
    println!("rows: {}", ds.len());
    if let Some(acc) = m.accuracy {
        println!("accuracy: {acc:.4}");
    }
    println!("loss: {:.4}", m.loss);
    if let Some(b) = &m.binary {
        println!("precision: {:.4}", b.precision);
        println!("recall: {:.4}", b.recall);
        println!("f1: {:.4}", b.f1);
        let [[tn, fp], [fn_, tp]] = b.confusion;
        println!("confusion_matrix: [[{tn}, {fp}], [{fn_}, {tp}]]  (rows: true 0/1, columns: predicted 0/1)");
    }
    Ok(())
}
