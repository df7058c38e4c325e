//! Real tables through the `deepnet` binary: a public table with string categories, missing
//! cells, ID and free-text columns (tests/fixtures/penguins-raw.csv) trained with no hand
//! preprocessing, several targets, binary and multi-class figures with class names, predictions
//! in the targets' own units checked against numpy, and one `error:` line per mistake.

mod common;

use std::path::Path;

use common::{fails, number, numpy_loader_matches, ok, python, root, temp};

const PENGUINS: &str = "tests/fixtures/penguins-raw.csv";
const IDS: [&str; 6] = [
    "--ignore",
    "Sample Number",
    "--ignore",
    "Individual ID",
    "--ignore",
    "Comments",
];

fn spec(dir: &Path, units: usize, output: &str) -> String {
    let p = dir.join(format!("{output}{units}.json"));
    std::fs::write(
        &p,
        format!(
            r#"{{"layers": [{{"type": "dense", "units": 32}}, {{"type": "relu"}}, {{"type": "dense", "units": {units}}}], "output": "{output}", "train": {{"epochs": 60, "patience": 10, "batch_size": 32}}}}"#
        ),
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_raw_public_table_trains_evaluates_and_predicts_with_no_hand_preprocessing() {
    let dir = temp("species");
    let run = dir.join("run");
    let mut args = vec![
        "train",
        "--model",
        "",
        "--data",
        PENGUINS,
        "--target",
        "Species",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
    ];
    let s = spec(&dir, 3, "softmax");
    args[2] = &s;
    args.extend(IDS);
    let (out, err) = ok(&args);
    // The spec has no `inputs`: it is the width after encoding, and the saved spec records it.
    assert!(err.contains("inputs, "), "{err}");
    assert!(number(&out, "test_accuracy") >= 0.95, "{out}");
    assert!(number(&out, "test_macro_f1") >= 0.9, "{out}");
    let ckpt = run.join("model.safetensors");
    let (insp, _) = ok(&["inspect", "--json", ckpt.to_str().unwrap()]);
    assert!(insp.contains("deepnet.preprocessing"), "{insp}");
    // inspect says what other files are.
    let state = run.join("train_state.safetensors");
    let (insp, _) = ok(&["inspect", state.to_str().unwrap()]);
    assert!(insp.contains("kind: training state"), "{insp}");
    assert!(insp.contains("0.weight.exp_avg "), "{insp}");
    assert_eq!(
        fails(&["inspect", PENGUINS]),
        format!("error: {PENGUINS} is not a checkpoint: it starts with text (`studyName,Sample Number,Species,Region,Island,Stage,Individu`), as a CSV or text file does; `deepnet inspect` reads the .safetensors files `deepnet train` writes")
    );

    // eval reads the features by name through the checkpoint and defaults the target.
    let (ev, _) = ok(&[
        "eval",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--data",
        PENGUINS,
    ]);
    assert_eq!(number(&ev, "rows"), 344.0);
    for class in [
        "Adelie Penguin (Pygoscelis adeliae)",
        "Chinstrap penguin (Pygoscelis antarctica)",
        "Gentoo penguin (Pygoscelis papua)",
    ] {
        assert!(number(&ev, &format!("f1_{class}")) > 0.8, "{ev}");
    }
    let f1s: Vec<f64> = ev
        .lines()
        .filter(|l| l.starts_with("f1_"))
        .map(|l| l.rsplit(": ").next().unwrap().parse().unwrap())
        .collect();
    let macro_f1 = f1s.iter().sum::<f64>() / 3.0;
    assert!((number(&ev, "macro_f1") - macro_f1).abs() < 1e-4, "{ev}");

    // predict on the raw rows, with the columns in another order and the target removed.
    let text = std::fs::read_to_string(root().join(PENGUINS)).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let keep: Vec<usize> = (0..header.len())
        .rev()
        .filter(|&i| header[i] != "Species")
        .collect();
    let mut w = csv::Writer::from_path(dir.join("new.csv")).unwrap();
    w.write_record(keep.iter().map(|&i| &header[i])).unwrap();
    let mut truth = Vec::new();
    for r in rdr.records() {
        let r = r.unwrap();
        truth.push(r[2].to_string());
        w.write_record(keep.iter().map(|&i| &r[i])).unwrap();
    }
    w.flush().unwrap();
    let pred = dir.join("pred.csv");
    ok(&[
        "predict",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--input",
        dir.join("new.csv").to_str().unwrap(),
        "--output",
        pred.to_str().unwrap(),
    ]);
    let p = std::fs::read_to_string(&pred).unwrap();
    let labels: Vec<String> = csv::Reader::from_reader(p.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let hits = labels.iter().zip(&truth).filter(|(a, b)| a == b).count();
    assert!(
        (hits as f64 / 344.0 - number(&ev, "accuracy")).abs() < 5e-5,
        "predict and eval disagree"
    );
    let python = python(&["numpy", "safetensors"]);
    numpy_loader_matches(&python, &ckpt, &dir.join("new.csv"), &pred);
}

#[test]
fn several_regression_targets_are_learned_and_predicted_in_their_own_units() {
    let dir = temp("mass");
    let run = dir.join("run");
    let s = spec(&dir, 2, "linear");
    let mut args = vec![
        "train",
        "--model",
        &s,
        "--data",
        PENGUINS,
        "--target",
        "Body Mass (g)",
        "--target",
        "Flipper Length (mm)",
        "--ignore",
        "Species",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(IDS);
    let (out, err) = ok(&args);
    // Two rows have neither measurement.
    assert!(
        err.contains("skipped 2 of 344 rows whose target is missing"),
        "{err}"
    );
    for key in [
        "test_r2_Body Mass (g)",
        "test_r2_Flipper Length (mm)",
        "test_r2",
    ] {
        assert!(number(&out, key) > 0.5, "{key}: {out}");
    }
    // RMSE is in grams: the body masses' spread is ~800 g.
    let rmse = number(&out, "test_rmse_Body Mass (g)");
    assert!(rmse > 50.0 && rmse < 800.0, "{out}");
    assert!(run.join("fit.svg").exists());
    let history = std::fs::read_to_string(run.join("history.csv")).unwrap();
    assert!(history
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(10)
        .unwrap()
        .parse::<f64>()
        .is_ok());

    let ckpt = run.join("model.safetensors");
    let (ev, err) = ok(&[
        "eval",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--data",
        PENGUINS,
    ]);
    assert!(
        err.contains("skipped 2 rows whose target is missing"),
        "{err}"
    );
    assert_eq!(number(&ev, "rows"), 342.0);
    let mean = (number(&ev, "r2_Body Mass (g)") + number(&ev, "r2_Flipper Length (mm)")) / 2.0;
    assert!((number(&ev, "r2") - mean).abs() < 1e-4, "{ev}");

    let pred = dir.join("pred.csv");
    ok(&[
        "predict",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--input",
        PENGUINS,
        "--output",
        pred.to_str().unwrap(),
    ]);
    let p = std::fs::read_to_string(&pred).unwrap();
    assert!(p.starts_with("Body Mass (g),Flipper Length (mm)\n"), "{p}");
    let python = python(&["numpy", "safetensors"]);
    numpy_loader_matches(&python, &ckpt, &root().join(PENGUINS), &pred);
}

#[test]
fn binary_figures_name_the_positive_class() {
    let dir = temp("binary");
    // `fraud` is rare: with no --positive it is the positive class.
    let mut text = String::from("id;amount;channel;label\r\n");
    for i in 0..300 {
        let fraud = i % 5 == 0;
        let amount = if fraud { 900 + i % 50 } else { 100 + i % 400 };
        let channel = ["web", "shop", "phone"][i % 3];
        let label = if fraud { "fraud" } else { "ok" };
        text.push_str(&format!("{i};{amount};{channel};{label}\r\n"));
    }
    let data = dir.join("tx.csv");
    std::fs::write(&data, text).unwrap();
    let run = dir.join("run");
    let s = spec(&dir, 1, "sigmoid");
    let (out, err) = ok(&[
        "train",
        "--model",
        &s,
        "--data",
        data.to_str().unwrap(),
        "--ignore",
        "id",
        "--out",
        run.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        err.contains("positive class: `fraud` (the less frequent class; set it with --positive)"),
        "{err}"
    );
    assert!(number(&out, "test_recall") > 0.9, "{out}");
    let ckpt = run.join("model.safetensors");
    let (ev, _) = ok(&[
        "eval",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(ev.contains("positive_class: fraud\n"), "{ev}");
    assert!(
        ev.contains("(rows: true ok/fraud, columns: predicted ok/fraud)"),
        "{ev}"
    );
    // --positive picks the other class; balanced class weights are accepted and recorded.
    let (_, err) = ok(&[
        "train",
        "--model",
        &s,
        "--data",
        data.to_str().unwrap(),
        "--ignore",
        "id",
        "--positive",
        "ok",
        "--class-weight",
        "balanced",
        "--epochs",
        "2",
        "--out",
        dir.join("run2").to_str().unwrap(),
        "--quiet",
    ]);
    assert!(err.contains("positive class: `ok` (--positive)"), "{err}");
    assert!(err.contains("balanced class weights"), "{err}");
}

#[test]
fn table_mistakes_are_one_error_line() {
    let dir = temp("mistakes");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let rows: String = (0..40)
        .map(|i| format!("{i},{},c{},{}\n", i % 7, i % 3, i % 2))
        .collect();
    let data = write("t.csv", &format!("id,x,cat,y\n{rows}"));
    let s = spec(&dir, 1, "sigmoid");
    let out = dir.join("run");
    let train = |extra: &[&str]| {
        let mut a = vec![
            "train",
            "--model",
            &s,
            "--data",
            &data,
            "--epochs",
            "1",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        fails(&a)
    };
    assert_eq!(
        train(&["--target", "label"]),
        format!("error: {data}: no column `label` (--target); the header has: id, x, cat, y")
    );
    assert_eq!(
        train(&["--ignore", "ID"]),
        format!("error: {data}: no column `ID` (--ignore); the header has: id, x, cat, y")
    );
    assert_eq!(
        train(&["--ignore", "y"]),
        format!("error: {data}: column `y` is the target; it cannot also be ignored")
    );
    assert_eq!(
        train(&["--max-categories", "2"]),
        format!("error: {data}: column `cat` has 3 distinct values, more than the limit of 2 for a categorical column; ignore it with --ignore cat if it is an ID or free text, or raise --max-categories")
    );
    assert_eq!(
        train(&["--positive", "2"]),
        format!("error: {data}: --positive `2` is not one of the target's labels (0, 1)")
    );
    assert_eq!(
        train(&["--delimiter", "ab"]),
        "error: --delimiter: the delimiter must be one character (or `tab`), got `ab`"
    );
    let missing = write("m.csv", &format!("id,x,cat,y\n{rows}1,,c1,0\n"));
    let line = 42;
    assert_eq!(
        fails(&[
            "train", "--model", &s, "--data", &missing, "--missing", "error", "--quiet", "--out",
            out.to_str().unwrap()
        ]),
        format!("error: {missing}:{line}: column `x`: missing cell; this model refuses missing values (--missing error)")
    );
    let crlf = write(
        "crlf.csv",
        &format!("id,x,cat,y\r\n{}", rows.replace('\n', "\r\n")).replace("\r\n5,5,", "\r\n5,inf,"),
    );
    assert_eq!(
        fails(&[
            "train",
            "--model",
            &s,
            "--data",
            &crlf,
            "--quiet",
            "--out",
            out.to_str().unwrap()
        ]),
        format!("error: {crlf}:7: column `x`: `inf` is inf; values must be finite numbers")
    );
    let linear2 = spec(&dir, 2, "linear");
    assert_eq!(
        fails(&["train", "--model", &linear2, "--data", &data, "--target", "x", "--ignore", "y", "--quiet", "--out", out.to_str().unwrap()]),
        format!("error: the model's linear output has 2 units but data `{data}` has 1 target column (x); set the last dense layer's `units` to 1")
    );
    let softmax = spec(&dir, 3, "softmax");
    assert_eq!(
        fails(&["train", "--model", &softmax, "--data", &data, "--target", "y", "--target", "x", "--quiet", "--out", out.to_str().unwrap()]),
        format!("error: {data}: 2 target columns, but a classifier predicts one; several targets need output `linear`")
    );
}

/// The library's `TableModel` and `deepnet train` are the same code: on the same table, options
/// and seed they train the same network, and each one's checkpoint predicts the same through
/// `deepnet predict` as the library's `predict`.
#[test]
fn the_library_table_model_and_the_command_agree() {
    use deepnet::data::table::{RawTable, TableOptions, Task};
    use deepnet::data::{HoldOut, Prediction, TableModel};
    use deepnet::{ModelSpec, Recipe, Silent};

    let dir = temp("library-agrees");
    let ignore = ["Sample Number", "Individual ID", "Comments", "Date Egg"];
    let mut args = vec![
        "train",
        "--model",
        "models/penguins.json",
        "--data",
        PENGUINS,
        "--target",
        "Species",
        "--quiet",
        "--epochs",
        "30",
        "--out",
    ];
    let run = dir.join("run");
    args.push(run.to_str().unwrap());
    for c in ignore {
        args.extend(["--ignore", c]);
    }
    ok(&args);

    let table = RawTable::read(root().join(PENGUINS), &Default::default()).unwrap();
    let mut options = TableOptions::new(Task::Classification);
    options.targets = vec!["Species".into()];
    options.ignore = ignore.iter().map(|s| s.to_string()).collect();
    let spec = ModelSpec::read_unsized(root().join("models/penguins.json")).unwrap();
    let recipe = Recipe {
        epochs: 30,
        ..Recipe::standard()
    };
    let fit = TableModel::fit(
        &table,
        &options,
        spec,
        recipe,
        &HoldOut::new(0),
        &mut Silent,
    )
    .unwrap();
    let library_ckpt = dir.join("library.safetensors");
    fit.model.save(&library_ckpt).unwrap();
    let Prediction::Classes {
        classes,
        labels,
        probabilities,
    } = fit.model.predict(&table).unwrap()
    else {
        panic!("a classifier")
    };

    for ckpt in [run.join("model.safetensors"), library_ckpt] {
        let (out, _) = ok(&[
            "predict",
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--input",
            PENGUINS,
        ]);
        let mut lines = out.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header[0], "prediction");
        let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
        assert_eq!(rows.len(), labels.len());
        for (r, row) in rows.iter().enumerate() {
            assert_eq!(row[0], labels[r], "{}: row {r}", ckpt.display());
            for (k, class) in classes.iter().enumerate() {
                let col = header
                    .iter()
                    .position(|h| *h == format!("p_{class}"))
                    .unwrap();
                let p: f32 = row[col].parse().unwrap();
                let q = probabilities[r * classes.len() + k];
                assert!(
                    (p - q).abs() <= 1e-6,
                    "{}: row {r} {class}: {p} vs {q}",
                    ckpt.display()
                );
            }
        }
    }
}

/// The fields of a CSV line as `deepnet predict` writes it (quoted when they hold a comma).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

#[test]
fn without_a_spec_a_table_gets_the_default_network_for_its_target() {
    let dir = temp("default-spec");
    let run = |target: &str, out: &str| {
        let out_dir = dir.join(out);
        let mut args = vec!["train", "--data", PENGUINS, "--target", target, "--quiet"];
        args.extend(IDS);
        args.extend(["--epochs", "3", "--out", out_dir.to_str().unwrap()]);
        let (stdout, stderr) = ok(&args);
        let spec = deepnet::checkpoint::read_checkpoint(&out_dir.join("model.safetensors"))
            .unwrap()
            .metadata["deepnet.spec"]
            .clone();
        (stdout, stderr, spec)
    };
    // Text labels: classes, a softmax over the three species.
    let (stdout, stderr, spec) = run("Species", "species");
    assert!(
        stderr.contains(
            "model: no --model, so the default for this table: 64-32 relu, output softmax, label smoothing 0.1, ensemble of 8\n"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("test_accuracy: "), "{stdout}");
    // `Date Egg` has 50 dates: embedded, one input instead of 50.
    assert!(
        stderr.contains(
            "embedding: `Date Egg` (50 categories) in 8 values each, instead of one-hot\n"
        ),
        "{stderr}"
    );
    let spec: deepnet::ModelSpec = serde_json::from_str(&spec).unwrap();
    // 26 encoded inputs, the date's index becoming 8 values (a 50 × 8 table the members share):
    // 33 → 64 → 32 → 3 in each of 8 members, 400 + 8·((33·64 + 64) + (64·32 + 32) + (32·3 + 3))
    // weights.
    assert_eq!(spec.inputs, 26);
    assert_eq!(spec.ensemble, 8);
    assert_eq!(spec.parameter_count(), 35240);
    assert_eq!(spec.name.as_deref(), Some("penguins-raw"));
    // Whole numbers with many values: a regression target.
    let (stdout, stderr, _) = run("Body Mass (g)", "mass");
    assert!(
        stderr.contains(
            "default for this table: 64-32 relu, dropout 0.1, output linear, ensemble of 8\n"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("test_r2: "), "{stdout}");
    // Its members validate on their own rows: no validation rows are held out before training,
    // and --val-split sets each member's share.
    assert!(
        stderr.contains("rows (each member validating on its own 34 of them, 68 test)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(", each member validating on its own 12.5% of the rows\n"),
        "{stderr}"
    );
    assert!(stdout.contains("val_r2: "), "{stdout}");
    let mass = |extra: &[&str]| {
        let out_dir = dir.join("mass-split");
        let mut args = vec!["train", "--data", PENGUINS, "--target", "Body Mass (g)"];
        args.extend(IDS);
        args.extend([
            "--epochs",
            "2",
            "--quiet",
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        args.extend(extra);
        args.into_iter().map(String::from).collect::<Vec<String>>()
    };
    let args = mass(&["--val-split", "0.1"]);
    let (_, stderr) = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        stderr.contains("validating on its own 27 of them"),
        "{stderr}"
    );
    let args = mass(&["--val-split", "0"]);
    let (_, stderr) = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(stderr.contains("rows (0 validation, 68 test)"), "{stderr}");
    let args = mass(&["--val-split", "0.2"]);
    assert_eq!(
        fails(&args.iter().map(String::as_str).collect::<Vec<_>>()),
        "error: --val-split 0.2 of the rows for each of 8 members is more than all of them; at most 0.125"
    );
    // A single network holds out one share, as a validation split would.
    let args = mass(&["--ensemble", "1"]);
    let (_, stderr) = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        stderr.contains("rows (34 of them held out for validation, 68 test)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(", validating on 12.5% of the rows held out\n"),
        "{stderr}"
    );
    // A table too small for every member to hold out a row of its own: none is held out, or,
    // asked for with --val-split, an error.
    let tiny = dir.join("tiny.csv");
    let rows: String = (0..9).map(|i| format!("{i},{}.5\n", i * i)).collect();
    std::fs::write(&tiny, format!("x,y\n{rows}")).unwrap();
    let tiny_out = dir.join("tiny");
    let tiny_args = [
        "train",
        "--data",
        tiny.to_str().unwrap(),
        "--epochs",
        "2",
        "--quiet",
        "--out",
        tiny_out.to_str().unwrap(),
    ];
    let (_, stderr) = ok(&tiny_args);
    assert!(
        stderr.contains(
            "note: 7 training rows are too few to hold out 0.125 of them for each of the 8 members; none is held out, and early stopping watches the training loss\ntraining on 7 rows (0 validation, 2 test)"
        ),
        "{stderr}"
    );
    assert_eq!(
        fails(&[&tiny_args[..], &["--val-split", "0.1"]].concat()),
        "error: --val-split 0.1 of 7 training rows holds out no row for each of the 8 members"
    );
    // A spec without layers takes the default network and sets the rest.
    let partial = dir.join("partial.json");
    std::fs::write(&partial, r#"{"train": {"epochs": 2, "lr": 0.01}}"#).unwrap();
    let out_dir = dir.join("partial");
    let mut args = vec![
        "train",
        "--model",
        partial.to_str().unwrap(),
        "--data",
        PENGUINS,
    ];
    args.extend([
        "--target",
        "Species",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    args.extend(IDS);
    let (stdout, stderr) = ok(&args);
    assert!(
        stderr.contains(
            "has no \"layers\", so the default for this table: 64-32 relu, output softmax"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("recipe: adam lr 0.01, batch 32, 2 epochs"),
        "{stderr}"
    );
    assert!(stdout.contains("best_epoch: 2"), "{stdout}");
    std::fs::write(&partial, r#"{"train": {"epochz": 2}}"#).unwrap();
    let mut args = vec![
        "train",
        "--model",
        partial.to_str().unwrap(),
        "--data",
        PENGUINS,
    ];
    args.extend(["--target", "Species"]);
    let err = fails(&args);
    assert!(
        err.starts_with(&format!(
            "error: spec: {}: unknown field `epochz`",
            partial.display()
        )),
        "{err}"
    );
    assert!(!err.contains(" at line "), "{err}");
    // Built-in sources still need a spec.
    assert_eq!(
        fails(&["train", "--data", "digits"]),
        "error: --model is required for `digits` (a spec is optional only for a CSV table)"
    );
}

#[test]
fn an_ensemble_trains_in_one_run_and_predicts_the_mean_of_its_members() {
    let dir = temp("ensemble");
    let out_dir = dir.join("run");
    let mut args = vec![
        "train", "--data", PENGUINS, "--target", "Species", "--quiet",
    ];
    args.extend(IDS);
    args.extend(["--epochs", "20", "--ensemble", "3"]);
    args.extend(["--out", out_dir.to_str().unwrap()]);
    let (stdout, stderr) = ok(&args);
    // Three members of the 33-64-32-3 network after the embedding they share (400).
    assert!(
        stderr.contains("13465 parameters in 3 ensemble members"),
        "{stderr}"
    );
    let ckpt = out_dir.join("model.safetensors");
    let model = deepnet::load_model(&ckpt, &deepnet::Device::Cpu, deepnet::DType::F32).unwrap();
    assert_eq!(model.spec().ensemble, 3);
    let (insp, _) = ok(&["inspect", ckpt.to_str().unwrap()]);
    assert!(
        insp.contains("an ensemble of 3 members: widths are one member's, parameters all 3's"),
        "{insp}"
    );
    assert!(insp.contains("parameters: 13465"), "{insp}");
    // The checkpoint evaluates and predicts as one model.
    let (ev, _) = ok(&[
        "eval",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--data",
        PENGUINS,
    ]);
    assert!(number(&ev, "accuracy") > 0.9, "{ev}\n{stdout}");
    for (k, msg) in [
        (
            "0",
            "error: --ensemble must be between 1 and 64 members, got 0",
        ),
        (
            "65",
            "error: --ensemble must be between 1 and 64 members, got 65",
        ),
    ] {
        let mut args = vec!["train", "--data", PENGUINS, "--target", "Species"];
        args.extend(["--ensemble", k, "--out", out_dir.to_str().unwrap()]);
        assert_eq!(fails(&args).trim(), msg);
    }
}

#[test]
fn the_default_network_reads_numbers_over_quantile_bins_on_large_tables() {
    let dir = temp("bins");
    // 1,600 rows: 1,280 training rows after the test split (a regression's members hold out
    // their validation rows from these), so 5 bins; `flag` has two values and gets none.
    let mut text = String::from("u,v,flag,y\n");
    for i in 0..1600 {
        let (u, v) = ((i as f64 * 0.37).sin() * 3.0, (i as f64 * 0.11).cos());
        text.push_str(&format!("{u:.4},{v:.4},{},{:.4}\n", i % 2, u * u + v));
    }
    let data = dir.join("big.csv");
    std::fs::write(&data, text).unwrap();
    let data = data.to_str().unwrap();
    let train = |extra: &[&str], out: &str| {
        let out_dir = dir.join(out);
        let mut args = vec!["train", "--data", data, "--epochs", "2", "--quiet"];
        args.extend(extra);
        args.extend(["--out", out_dir.to_str().unwrap()]);
        let (_, stderr) = ok(&args);
        let meta = deepnet::checkpoint::read_checkpoint(&out_dir.join("model.safetensors"))
            .unwrap()
            .metadata;
        let pre: serde_json::Value = serde_json::from_str(&meta["deepnet.preprocessing"]).unwrap();
        let spec: deepnet::ModelSpec = serde_json::from_str(&meta["deepnet.spec"]).unwrap();
        let edges: Vec<usize> = pre["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.get("edges").map_or(0, |e| e.as_array().unwrap().len()))
            .collect();
        (stderr, spec.inputs, edges)
    };
    let (stderr, inputs, edges) = train(&[], "auto");
    assert!(
        stderr.contains(
            "bins: 2 numeric columns also over up to 5 quantile bins each (one per 256 training rows, at most 16; --bins off for none)\n"
        ),
        "{stderr}"
    );
    assert_eq!(edges, [6, 6, 0]);
    assert_eq!(inputs, 3 + 2 * 5);
    // Off, or a spec's own layers: the values alone.
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"layers": [{"type": "dense", "units": 4}, {"type": "relu"}, {"type": "dense", "units": 1}], "output": "linear"}"#,
    )
    .unwrap();
    for (extra, out) in [
        (vec!["--bins", "off"], "off"),
        (vec!["--model", spec.to_str().unwrap()], "spec"),
    ] {
        let (stderr, inputs, edges) = train(&extra, out);
        assert!(!stderr.contains("bins:"), "{stderr}");
        assert_eq!((inputs, edges), (3, vec![0, 0, 0]));
    }
    // A count is given as it is, with a spec too.
    let (stderr, inputs, _) = train(&["--model", spec.to_str().unwrap(), "--bins", "6"], "six");
    assert!(
        stderr.contains("bins: 2 numeric columns also over up to 6 quantile bins each\n"),
        "{stderr}"
    );
    assert_eq!(inputs, 3 + 2 * 6);
    // A resumed run keeps its own bins, and says so when told otherwise.
    let six = dir.join("six");
    let resume = |bins: &str| {
        let args = ["train", "--resume", six.to_str().unwrap(), "--epochs", "3"];
        let (_, stderr) = ok(&[&args[..], &["--bins", bins, "--quiet"]].concat());
        let meta = deepnet::checkpoint::read_checkpoint(&six.join("model.safetensors"))
            .unwrap()
            .metadata;
        let spec: deepnet::ModelSpec = serde_json::from_str(&meta["deepnet.spec"]).unwrap();
        (stderr, spec.inputs)
    };
    let (stderr, inputs) = resume("8");
    assert!(
        stderr.contains(
            "note: --bins is ignored with --resume; the run keeps how it read and encoded its table\n"
        ),
        "{stderr}"
    );
    assert_eq!(inputs, 3 + 2 * 6);
    let (stderr, _) = resume("6");
    assert!(!stderr.contains("note:"), "{stderr}");
    // A usage error, as clap reports every bad flag value (exit status 2).
    let o = common::deepnet(&["train", "--data", data, "--bins", "many"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "invalid value 'many' for '--bins <auto|off|N>': `many` is not a bin count; expected auto, off or a number from 2 to 1024"
        ),
        "{err}"
    );
}
