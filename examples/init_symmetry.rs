//! Why weights start random: the same deep network trained from zero initialisation and from
//! random (Xavier) initialisation. From zeros every hidden unit of a layer computes the same
//! function, receives the same gradient and gets the same update, so the units stay identical
//! forever — the layer behaves like a single unit and the network cannot fit `circles`. Random
//! initialisation breaks that symmetry.
//!
//! Run: `cargo run --release --example init_symmetry`
use anyhow::Result;
use deepnet::data::{split, synthetic};
use deepnet::{evaluate, Device, Init, Layer, Mlp, OptimizerKind, Recipe, Sequential, Trainer};

/// Distinct rows (hidden units) of each hidden dense layer's weight matrix.
fn distinct_units(model: &Sequential) -> Result<Vec<usize>> {
    let dense: Vec<_> = model
        .layers()
        .iter()
        .filter_map(|l| match l {
            Layer::Dense(d) => Some(d),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for d in &dense[..dense.len() - 1] {
        let rows: Vec<Vec<f32>> = d.weight().to_vec2()?;
        let mut distinct: Vec<&Vec<f32>> = Vec::new();
        for r in &rows {
            if !distinct.contains(&r) {
                distinct.push(r);
            }
        }
        out.push(distinct.len());
    }
    Ok(out)
}

fn main() -> Result<()> {
    let data = synthetic("circles", 1000, 0)?;
    let (train, test) = split(&data, 0.2, 0, true)?;
    let (train, test) = (
        train.train_data(deepnet::Output::Sigmoid, &Device::Cpu)?,
        test.train_data(deepnet::Output::Sigmoid, &Device::Cpu)?,
    );
    println!("2-16-16-1 tanh network on circles, 300 epochs of Adam");
    for (name, init) in [
        ("zeros", Init::Zeros),
        ("xavier_uniform", Init::XavierUniform),
    ] {
        let mut model = Mlp::new(2)
            .init(init)
            .dense(16)
            .tanh()
            .dense(16)
            .tanh()
            .dense(1)
            .sigmoid()
            .build(0)?;
        let config = Recipe {
            optimizer: OptimizerKind::Adam,
            lr: Some(0.01),
            batch_size: Some(32),
            epochs: 300,
            ..Recipe::default()
        };
        Trainer::new(config)?.fit(&mut model, &train, None)?;
        let acc = evaluate(&model, &test.x, &test.y)?
            .accuracy
            .unwrap_or(f64::NAN);
        let units = distinct_units(&model)?;
        println!("{name}_test_accuracy: {acc:.4}");
        println!(
            "{name}_distinct_hidden_units: {} (of 16 per layer)",
            units
                .iter()
                .map(|u| u.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
