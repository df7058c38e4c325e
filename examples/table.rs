//! A CSV table as you have it, through the library: the same steps as `deepnet train`, `eval`
//! and `predict`, in a few lines. The raw Palmer penguins table has text categories, `NA` cells,
//! ID and free-text columns; `TableModel` holds out test and validation rows, learns the
//! preprocessing from the training rows, trains with the standard recipe, scores the test rows,
//! predicts new rows given as columns in memory, and saves a checkpoint `deepnet predict` reads.
//!
//! Run: `cargo run --release --example table`
use anyhow::Result;
use deepnet::data::table::{Column, RawTable, TableOptions, Task};
use deepnet::data::{HoldOut, Prediction, TableModel};
use deepnet::{ModelSpec, Recipe, Silent};

fn main() -> Result<()> {
    let table = RawTable::read("tests/fixtures/penguins-raw.csv", &Default::default())?;
    let mut options = TableOptions::new(Task::Classification);
    options.targets = vec!["Species".into()];
    options.ignore = [
        "studyName",
        "Sample Number",
        "Region",
        "Stage",
        "Individual ID",
    ]
    .into_iter()
    .chain(["Date Egg", "Comments"])
    .map(String::from)
    .collect();
    // 64-32 ReLU, softmax; `inputs` left out: it becomes the encoded width.
    let spec = ModelSpec::read_unsized("models/penguins.json")?;
    let fit = TableModel::fit(
        &table,
        &options,
        spec,
        Recipe::standard(),
        &HoldOut::new(0),
        &mut Silent,
    )?;
    let (train, val, test) = fit.rows;
    println!("rows: {train} training, {val} validation, {test} test");
    println!("inputs: {}", fit.model.model.spec().inputs);
    let metrics = fit.test.expect("a test split");
    println!("test_accuracy: {:.4}", metrics.accuracy.unwrap_or(f64::NAN));

    // Two new birds, as columns in memory: a missing cell is None (text) or NaN (numbers).
    let text = |v: [Option<&str>; 2]| Column::Text(v.map(|c| c.map(String::from)).to_vec());
    let new = RawTable::from_columns(
        "new birds",
        vec![
            ("Island".into(), text([Some("Dream"), Some("Biscoe")])),
            (
                "Culmen Length (mm)".into(),
                Column::Numbers(vec![49.5, f64::NAN]),
            ),
            (
                "Culmen Depth (mm)".into(),
                Column::Numbers(vec![19.0, f64::NAN]),
            ),
            (
                "Flipper Length (mm)".into(),
                Column::Numbers(vec![200.0, 215.0]),
            ),
            (
                "Body Mass (g)".into(),
                Column::Numbers(vec![3800.0, f64::NAN]),
            ),
            ("Sex".into(), text([Some("MALE"), None])),
            ("Clutch Completion".into(), text([Some("Yes"), Some("Yes")])),
            (
                "Delta 15 N (o/oo)".into(),
                Column::Numbers(vec![9.6, f64::NAN]),
            ),
            (
                "Delta 13 C (o/oo)".into(),
                Column::Numbers(vec![-24.5, f64::NAN]),
            ),
        ],
    )?;
    if let Prediction::Classes { labels, .. } = fit.model.predict(&new)? {
        println!("predicted: {}", labels.join(" | "));
    }
    let path = std::env::temp_dir().join("deepnet-table-example.safetensors");
    fit.model.save(&path)?;
    println!("saved: {}", path.display());
    Ok(())
}
