//! `deepnet gradcheck`: backprop against two-sided finite differences in f64.

use anyhow::{bail, Result};
use deepnet::data::load_source;
use deepnet::data::table::{whole_table, RawTable, TableOptions, Task};
use deepnet::{gradcheck, DType, Device, InputScaling, ModelSpec, Output, Rng, Sequential, Tensor};

use crate::args::GradcheckArgs;
use crate::data::tensors;
use crate::table::is_table;
use deepnet::data::{check_fits, Use};

/// Largest relative difference accepted.
const TOLERANCE: f64 = 1e-6;

pub fn run(a: GradcheckArgs) -> Result<()> {
    if a.samples == 0 {
        bail!("--samples must be at least 1");
    }
    let spec = ModelSpec::from_file(&a.model)?;
    let mut model = Sequential::new(&spec, 0, &Device::Cpu, DType::F64)?;
    let (x, y) = match &a.data {
        Some(source) => {
            let ds = if is_table(source) {
                // The table reader, as `deepnet train` reads the file: the last column is the
                // target, classes or values as the spec's output says.
                let options = TableOptions::new(Task::of(spec.output));
                let table = RawTable::read(source, &options.dialect)?;
                whole_table(&table, &options)?.0
            } else {
                load_source(source, 0)?.data
            };
            check_fits(&spec, &ds, source, Use::Score)?;
            let idx: Vec<usize> = (0..a.samples.min(ds.len())).collect();
            let ds = ds.subset(&idx);
            model.set_input_scaling(Some(InputScaling::fit(&ds.features, ds.width())?))?;
            let t = tensors(&ds, &spec)?;
            (t.x, t.y)
        }
        None => random_batch(&spec, a.samples)?,
    };
    let report = gradcheck(&model, &x, &y, 1e-6)?;
    let mut worst: f64 = 0.0;
    println!("{:<12} {:>22}", "parameter", "relative difference");
    for r in &report {
        println!("{:<12} {:>22.3e}", r.name, r.relative_difference);
        worst = worst.max(r.relative_difference);
    }
    println!("max_relative_difference: {worst:.3e}");
    if worst > TOLERANCE {
        bail!("gradient check failed: max relative difference {worst:.3e} exceeds {TOLERANCE:e}");
    }
    Ok(())
}

fn random_batch(spec: &ModelSpec, n: usize) -> Result<(Tensor, Tensor)> {
    let mut rng = Rng::new(1);
    let dev = Device::Cpu;
    let mut x: Vec<f64> = (0..n * spec.inputs).map(|_| rng.normal()).collect();
    // An embedding layer's inputs hold category indices, the unseen one included.
    for row in x.chunks_exact_mut(spec.inputs.max(1)) {
        for c in spec.embedded_columns() {
            row[c.input] = rng.below(c.categories + 1) as f64;
        }
    }
    let x = Tensor::from_vec(x, (n, spec.inputs), &dev)?;
    let k = spec.output_units();
    let y = match spec.output {
        Output::Sigmoid => Tensor::from_vec(
            (0..n).map(|_| rng.below(2) as f64).collect::<Vec<_>>(),
            (n, 1),
            &dev,
        )?,
        Output::Softmax => Tensor::from_vec(
            (0..n).map(|_| rng.below(k) as u32).collect::<Vec<_>>(),
            n,
            &dev,
        )?,
        Output::Linear => Tensor::from_vec(
            (0..n * k).map(|_| rng.normal()).collect::<Vec<_>>(),
            (n, k),
            &dev,
        )?,
    };
    Ok((x, y))
}
