//! The real `deepnet` binary: every command on small models, the files it leaves, exit codes and
//! `error:` lines for bad input (the `--help` text is checked against docs/cli.md by docs.rs).

mod common;

use std::path::Path;
use std::process::Output;

use common::{deepnet, fails, root, temp, value};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn train_writes_the_run_directory_and_final_metrics() {
    let out = temp("moons");
    let o = deepnet(&[
        "train",
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--epochs",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = stdout(&o);
    assert_eq!(value(&s, "epochs"), "5");
    assert!(
        value(&s, "test_accuracy").parse::<f64>().unwrap() > 0.8,
        "{s}"
    );
    for f in [
        "model.safetensors",
        "train_state.safetensors",
        "history.csv",
        "history.json",
        "loss.svg",
        "boundary.svg",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 6);
    assert!(history.starts_with("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds,val_precision,val_recall,val_f1,val_r2,val_rmse,grad_norm_0,grad_norm_2,grad_norm_4\n"));
    // A binary task records validation precision, recall and F1 every epoch.
    let row: Vec<&str> = history.lines().nth(1).unwrap().split(',').collect();
    for (i, name) in [(7, "precision"), (8, "recall"), (9, "f1")] {
        let v: f64 = row[i]
            .parse()
            .unwrap_or_else(|_| panic!("no val_{name} in {row:?}"));
        assert!((0.0..=1.0).contains(&v));
    }
    // Plain epoch lines on stderr when it is not a terminal.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("epoch 5/5  loss ")),
        "{err}"
    );

    std::fs::remove_file(out.join("loss.svg")).unwrap();
    let o = deepnet(&["plot", out.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(out.join("loss.svg"))
        .unwrap()
        .contains("<polyline"));
}

#[test]
fn resume_continues_a_run_to_the_same_weights() {
    let (a, b) = (temp("straight"), temp("resumed"));
    let common = [
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--quiet",
        "--patience",
        "100",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec!["train"];
        args.extend_from_slice(extra);
        let o = deepnet(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&[
        &common[..],
        &["--epochs", "6", "--out", a.to_str().unwrap()],
    ]
    .concat());
    run(&[
        &common[..],
        &["--epochs", "3", "--out", b.to_str().unwrap()],
    ]
    .concat());
    run(&["--resume", b.to_str().unwrap(), "--epochs", "6", "--quiet"]);
    let tensors = |dir: &Path| {
        let m = deepnet::Sequential::load(dir.join("model.safetensors")).unwrap();
        m.parameters()
            .into_iter()
            .map(|(_, t)| t.flatten_all().unwrap().to_vec1::<f32>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(tensors(&a), tensors(&b));
}

#[test]
fn predict_reproduces_what_eval_measured() {
    let out = temp("bc");
    let o = deepnet(&[
        "train",
        "--model",
        "models/logreg.json",
        "--data",
        "breast-cancer",
        "--epochs",
        "50",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ckpt = out.join("model.safetensors");
    let csv = root().join("crates/deepnet-data/src/embedded/breast_cancer.csv");
    let e = deepnet(&[
        "eval",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--data",
        csv.to_str().unwrap(),
        "--target",
        "malignant",
    ]);
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    let eval_acc: f64 = value(&stdout(&e), "accuracy").parse().unwrap();
    assert!(stdout(&e).contains("confusion_matrix: [["));
    let pred = out.join("pred.csv");
    let p = deepnet(&[
        "predict",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--input",
        csv.to_str().unwrap(),
        "--output",
        pred.to_str().unwrap(),
    ]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let truth: Vec<String> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    let preds = std::fs::read_to_string(&pred).unwrap();
    let mut lines = preds.lines();
    assert_eq!(lines.next().unwrap(), "prediction,p_0,p_1");
    let predicted: Vec<String> = lines
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(predicted.len(), truth.len());
    let acc =
        predicted.iter().zip(&truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64;
    assert_eq!(format!("{acc:.4}"), format!("{eval_acc:.4}"));
}

#[test]
fn inspect_and_gradcheck() {
    let o = deepnet(&["inspect", "models/digits_mlp.safetensors"]);
    let s = stdout(&o);
    assert!(o.status.success());
    assert!(s.contains("parameters: 50826"), "{s}");
    assert!(s.contains("  deepnet.format_version: 1"));
    assert!(s.contains("  0.weight     F32   [256, 64]"), "{s}");
    let j = deepnet(&["inspect", "models/digits_mlp.safetensors", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["parameters"], 50826);
    assert_eq!(v["layers"][0]["parameters"], 64 * 256 + 256);
    assert_eq!(v["tensors"].as_array().unwrap().len(), 6);

    let g = deepnet(&[
        "gradcheck",
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--samples",
        "4",
    ]);
    assert!(
        g.status.success(),
        "{}{}",
        stdout(&g),
        String::from_utf8_lossy(&g.stderr)
    );
    assert!(
        value(&stdout(&g), "max_relative_difference")
            .parse::<f64>()
            .unwrap()
            < 1e-6
    );
    let g = deepnet(&[
        "gradcheck",
        "--model",
        "models/logreg.json",
        "--samples",
        "3",
    ]);
    assert!(g.status.success());
    // Random inputs hold category indices where an embedding layer reads them.
    let dir = temp("gradcheck-embedding");
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"inputs": 3, "output": "linear", "layers": [{"type": "embedding", "units": 2, "columns": [{"input": 1, "categories": 4}]}, {"type": "dense", "units": 4}, {"type": "tanh"}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    let g = deepnet(&["gradcheck", "--model", spec.to_str().unwrap()]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    assert!(stdout(&g).contains("0.weight"), "{}", stdout(&g));
    // A CSV table goes through the table reader, as in `deepnet train`: the string category
    // and the empty cell become five inputs (x, x.missing and three one-hot columns).
    let dir = temp("gradcheck");
    let csv = dir.join("t.csv");
    std::fs::write(
        &csv,
        "x,colour,y\n1.5,red,0\n,blue,1\n2.5,red,0\n0.5,green,1\n",
    )
    .unwrap();
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"inputs": 5, "output": "sigmoid", "layers": [{"type": "dense", "units": 4}, {"type": "tanh"}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    let g = deepnet(&[
        "gradcheck",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        csv.to_str().unwrap(),
    ]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    assert!(
        value(&stdout(&g), "max_relative_difference")
            .parse::<f64>()
            .unwrap()
            < 1e-6
    );
}

#[test]
fn bad_inputs_give_one_error_line_and_status_1() {
    let dir = temp("bad");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let empty = write("empty.csv", "");
    // A text cell makes its column categorical: `b` becomes two one-hot inputs.
    let text_cell = write(
        "cell.csv",
        &format!("a,b,y\n{}", "1,2,0\n3,oops,1\n".repeat(10)),
    );
    let three_classes = write("three.csv", "a,b,y\n1,2,0\n3,4,1\n5,6,2\n");
    let not_st = write("model.safetensors", "this is not a checkpoint");
    let spec = "models/moons_mlp.json";
    assert_eq!(
        fails(&["train", "--model", "missing.json", "--data", "moons"]),
        "error: missing.json: No such file or directory (os error 2)"
    );
    assert_eq!(
        fails(&["train", "--model", spec, "--data", &empty]),
        format!("error: {empty}: the file is empty; expected a header line with column names")
    );
    assert_eq!(
        fails(&["train", "--model", spec, "--data", &text_cell]),
        format!("error: the spec's `inputs` is 2 but data `{text_cell}` encodes to 3 inputs (2 feature columns; one-hot, missing indicators and quantile bins: `b` → 2); leave `inputs` out of the spec to use the encoded width")
    );
    assert_eq!(fails(&["train", "--model", spec, "--data", &three_classes]), format!("error: data `{three_classes}` has 3 classes but output `sigmoid` is binary; use `softmax` with 3 units"));
    assert_eq!(
        fails(&["train", "--model", spec, "--data", "digits"]),
        "error: the spec's `inputs` is 2 but data `digits` has 64 feature columns"
    );
    assert_eq!(fails(&["train", "--model", "models/digits_mlp.json", "--data", "no-such-source"]), "error: data `no-such-source`: no such file, and not a built-in source (breast-cancer, digits, fashion-mnist, moons, circles, spirals, xor, blobs)");
    let few_units = write(
        "few.json",
        r#"{"inputs": 2, "output": "softmax", "layers": [{"type": "dense", "units": 2}]}"#,
    );
    assert_eq!(fails(&["train", "--model", &few_units, "--data", "spirals"]), "error: data `spirals` has 3 classes but the model's softmax has 2 units; set the last dense layer's `units` to 3");
    let bad_spec = write(
        "bad.json",
        r#"{"inputs": 2, "output": "sigmoid", "layers": [{"type": "dense", "units": 0}]}"#,
    );
    assert_eq!(
        fails(&["train", "--model", &bad_spec, "--data", "moons"]),
        format!("error: spec: {bad_spec}: layers[0] (dense): `units` must be at least 1")
    );
    assert!(
        fails(&["eval", "--checkpoint", &not_st, "--data", "moons"]).starts_with(&format!(
            "error: checkpoint {not_st}: not a valid safetensors file: "
        ))
    );
    assert_eq!(
        fails(&["inspect", &not_st]),
        format!("error: {not_st} is not a checkpoint: it starts with text (`this is not a checkpoint`), as a CSV or text file does; `deepnet inspect` reads the .safetensors files `deepnet train` writes")
    );
    assert_eq!(
        fails(&[
            "predict",
            "--checkpoint",
            "models/logreg.safetensors",
            "--input",
            &empty
        ]),
        format!("error: {empty}: the file is empty; expected a header line with column names")
    );
    assert_eq!(
        fails(&["train", "--model", spec, "--data", "moons", "--lr=-1"]),
        "error: --lr must be positive and finite, got -1"
    );
    // Written apart from its flag, a negative number is still the flag's value.
    for (flag, value, problem) in [
        ("--lr", "-0.1", "must be positive and finite"),
        ("--val-split", "-0.1", "must be in [0, 1)"),
        ("--val-split", "1.5", "must be in [0, 1)"),
    ] {
        assert_eq!(
            fails(&["train", "--model", spec, "--data", "moons", flag, value]),
            format!("error: {flag} {problem}, got {value}")
        );
    }
    // The recipe's rules speak of the spec's `train.*` key, or of the flag that set the field.
    let bad_recipe = write(
        "bad_recipe.json",
        r#"{"output": "linear", "layers": [{"type": "dense", "units": 1}], "train": {"lr": -1}}"#,
    );
    assert_eq!(
        fails(&["train", "--model", &bad_recipe, "--data", "moons"]),
        format!("error: spec: {bad_recipe}: train.lr: must be positive and finite, got -1")
    );
    let linear = write(
        "linear.json",
        r#"{"output": "linear", "layers": [{"type": "dense", "units": 1}]}"#,
    );
    assert_eq!(
        fails(&[
            "train",
            "--model",
            &linear,
            "--data",
            "moons",
            "--class-weight",
            "balanced"
        ]),
        "error: --class-weight needs a classifier (output `sigmoid` or `softmax`)"
    );
    assert_eq!(
        fails(&["train", "--model", spec, "--data", "moons", "--target", "y"]),
        "error: --target names a column of a CSV file; `moons` is not one"
    );
    for (flag, value) in [("--bins", "4"), ("--ignore", "x"), ("--delimiter", ";")] {
        assert_eq!(
            fails(&["train", "--model", spec, "--data", "moons", flag, value]),
            format!("error: {flag} is for reading a CSV file; `moons` is not one")
        );
    }
    assert_eq!(
        fails(&["gradcheck", "--model", spec, "--samples", "0"]),
        "error: --samples must be at least 1"
    );
    assert_eq!(fails(&["train", "--resume", dir.to_str().unwrap()]), format!("error: checkpoint {not_st}: not a valid safetensors file: the header length 2338328219631577204 is over the limit of 100000000 bytes"));
    // Usage errors are clap's: status 2.
    assert_eq!(deepnet(&["train", "--bogus"]).status.code(), Some(2));
    assert_eq!(
        deepnet(&["train", "--optimizer", "lbfgs"]).status.code(),
        Some(2)
    );
}

/// `eval` defaults the target column to the one the checkpoint was trained on, so a table whose
/// label is not its last column needs `--target` only once; the file is semicolon-separated.
#[test]
fn eval_reads_the_training_target_from_the_checkpoint() {
    let dir = temp("eval-target");
    let mut text = String::from("label;u;v\n");
    for i in 0..120 {
        let (u, v) = ((i % 11) as f32 / 5.0 - 1.0, (i % 7) as f32 / 3.0 - 1.0);
        text.push_str(&format!("{};{u};{v}\n", i32::from(u + v > 0.0)));
    }
    let data = dir.join("t.csv");
    std::fs::write(&data, text).unwrap();
    let run = dir.join("run");
    let data = data.to_str().unwrap();
    let o = deepnet(&[
        "train",
        "--model",
        "models/moons_mlp.json",
        "--data",
        data,
        "--target",
        "label",
        "--epochs",
        "5",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ck = run.join("model.safetensors");
    let implicit = deepnet(&["eval", "--checkpoint", ck.to_str().unwrap(), "--data", data]);
    assert!(
        implicit.status.success(),
        "{}",
        String::from_utf8_lossy(&implicit.stderr)
    );
    let explicit = deepnet(&[
        "eval",
        "--checkpoint",
        ck.to_str().unwrap(),
        "--data",
        data,
        "--target",
        "label",
    ]);
    assert_eq!(stdout(&implicit), stdout(&explicit));
    assert_eq!(value(&stdout(&implicit), "rows"), "120");
    // A file holding only one of the classes is scored, not refused (that check is for training).
    let ones = dir.join("ones.csv");
    std::fs::write(&ones, "label;u;v\n1;0.9;0.5\n1;0.3;0.8\n").unwrap();
    let o = deepnet(&[
        "eval",
        "--checkpoint",
        ck.to_str().unwrap(),
        "--data",
        ones.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(value(&stdout(&o), "rows"), "2");
    // Likewise for a softmax model scored on a file with two of its three classes.
    let spec = dir.join("softmax3.json");
    std::fs::write(
        &spec,
        r#"{"inputs": 2, "output": "softmax", "layers": [{"type": "dense", "units": 3}]}"#,
    )
    .unwrap();
    let run3 = dir.join("run3");
    let o = deepnet(&[
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        "spirals",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        run3.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let two = dir.join("two.csv");
    std::fs::write(&two, "x,y,label\n0.1,0.2,0\n-0.3,0.4,2\n").unwrap();
    let ck3 = run3.join("model.safetensors");
    let o = deepnet(&[
        "eval",
        "--checkpoint",
        ck3.to_str().unwrap(),
        "--data",
        two.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(value(&stdout(&o), "rows"), "2");
}

/// Each way a model and a table can disagree stops `deepnet train` before training, with exit
/// status 1 and one line naming the mismatch.
#[test]
fn model_and_data_mismatches_are_one_error_line() {
    let dir = temp("mismatch");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let linear2 = write(
        "linear2.json",
        r#"{"inputs": 2, "output": "linear", "layers": [{"type": "dense", "units": 2}]}"#,
    );
    let linear1 = write(
        "linear1.json",
        r#"{"inputs": 2, "output": "linear", "layers": [{"type": "dense", "units": 1}]}"#,
    );
    let softmax4 = write(
        "softmax4.json",
        r#"{"inputs": 2, "output": "softmax", "layers": [{"type": "dense", "units": 4}]}"#,
    );
    let values = write(
        "values.csv",
        "a,b,y
1,2,0.5
3,4,1.5
5,6,2.5
7,8,3.5
",
    );
    let colours = write(
        "colours.csv",
        "a,b,y
1,2,red
3,4,green
5,6,blue
7,8,red
",
    );
    let one_class = write(
        "one.csv",
        "a,b,y
1,2,yes
3,4,yes
5,6,yes
7,8,yes
",
    );
    assert_eq!(
        fails(&["train", "--model", &linear2, "--data", &values]),
        format!("error: the model's linear output has 2 units but data `{values}` has 1 target column (y); set the last dense layer's `units` to 1")
    );
    assert_eq!(
        fails(&["train", "--model", &softmax4, "--data", "spirals"]),
        "error: data `spirals` has 3 classes but the model's softmax has 4 units; set the last dense layer's `units` to 3"
    );
    assert_eq!(
        fails(&["train", "--model", "models/moons_mlp.json", "--data", "blobs"]),
        "error: data `blobs` has 3 classes but output `sigmoid` is binary; use `softmax` with 3 units"
    );
    assert_eq!(
        fails(&[
            "train",
            "--model",
            "models/moons_mlp.json",
            "--data",
            &one_class
        ]),
        format!(
            "error: data `{one_class}` has a single class (`yes`); a classifier needs at least two"
        )
    );
    assert_eq!(
        fails(&["train", "--model", &linear1, "--data", &colours]),
        format!("error: {colours}:2: column `y`: cannot parse `red` as a number; output `linear` needs numeric targets (use `sigmoid` or `softmax` for labels)")
    );
}

#[test]
fn predict_errors_name_the_line_and_write_nothing() {
    let dir = temp("predict");
    let input = dir.join("rows.csv");
    let mut text = String::from("x,y\n");
    for i in 0..5000 {
        text.push_str(&format!("{},{}\n", i as f32 * 0.001, 0.5));
    }
    text.push_str("0.1,abc\n");
    std::fs::write(&input, text).unwrap();
    let out = dir.join("out.csv");
    std::fs::write(&out, "previous results\n").unwrap();
    let run = temp("predict-model");
    assert!(deepnet(&[
        "train",
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--epochs",
        "2",
        "--out",
        run.to_str().unwrap(),
        "--quiet"
    ])
    .status
    .success());
    let e = fails(&[
        "predict",
        "--checkpoint",
        run.join("model.safetensors").to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        e,
        format!(
            "error: {}:5002: column `y`: cannot parse `abc` as a number",
            input.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "previous results\n",
        "a failed predict must not touch the output"
    );
}
