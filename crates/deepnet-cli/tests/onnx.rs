//! `deepnet export --format onnx`: the exported graphs pass `onnx.checker` and reproduce `deepnet
//! predict` in onnxruntime (tests/interop_onnx.py) for every activation, each output kind,
//! dropout, layers without bias, ensembles, periodic embeddings and quantile bins (also through
//! the numpy loader), string categories, missing cells, unseen categories and
//! several targets; and bad input gives one `error:` line with nothing written.

mod common;

use std::path::Path;
use std::process::Command;

use common::{deepnet, fails, numpy_loader_matches, ok, python, root, temp};

/// A table with a numeric column with missing cells, a categorical one (with a missing cell),
/// an ID, a 3-class label, a binary label and two numeric targets.
fn table(dir: &Path) -> String {
    let mut text = String::from("id,x,colour,z,label3,label2,t1,t2\n");
    let colours = ["red", "green", "blue", "NA"];
    for i in 0..240 {
        let x = if i % 11 == 0 {
            "NA".to_string()
        } else {
            format!("{:.3}", (i as f64 * 0.37).sin() * 3.0)
        };
        let z = (i as f64 * 0.11).cos();
        let colour = colours[i % 4];
        let label3 = ["a", "b", "c"][(i * 7 / 3) % 3];
        let label2 = if i % 3 == 0 { "yes" } else { "no" };
        text.push_str(&format!(
            "{i},{x},{colour},{z:.4},{label3},{label2},{:.3},{}\n",
            z * 10.0 + i as f64 * 0.01,
            i * 2 + 1
        ));
    }
    let p = dir.join("t.csv");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// New rows with an unseen category and missing cells, without the targets.
fn new_rows(dir: &Path) -> String {
    let p = dir.join("new.csv");
    std::fs::write(
        &p,
        "colour,z,x,id\npurple,0.5,1.0,1\n,0.1,NA,2\nred,-0.3,2.5,3\nNA,,0.0,4\n",
    )
    .unwrap();
    p.to_str().unwrap().to_string()
}

fn check(python: &str, onnx: &Path, data: &str, predictions: &Path) {
    let out = Command::new(python)
        .arg(root().join("tests/interop_onnx.py"))
        .args([onnx.as_os_str(), data.as_ref(), predictions.as_os_str()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}{}",
        onnx.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn exported_graphs_match_deepnet_predict_in_onnxruntime() {
    let python = python(&["numpy", "onnx", "onnxruntime", "safetensors"]);
    let dir = temp("onnx");
    let data = table(&dir);
    let new = new_rows(&dir);
    let hidden = [
        r#"{"type": "dense", "units": 8}, {"type": "sigmoid"}"#,
        r#"{"type": "dense", "units": 8, "bias": false}, {"type": "tanh"}, {"type": "dropout", "rate": 0.2}"#,
        r#"{"type": "dense", "units": 8}, {"type": "relu"}, {"type": "dense", "units": 6}, {"type": "leaky_relu", "slope": 0.1}"#,
        r#"{"type": "dense", "units": 8}, {"type": "gelu"}, {"type": "dense", "units": 5}, {"type": "identity"}"#,
        r#"{"type": "periodic", "frequencies": 4, "units": 3, "sigma": 0.5}, {"type": "dense", "units": 8}, {"type": "relu"}"#,
        // `colour` (red, green, blue and a missing category) as one embedded index input.
        r#"{"type": "embedding", "units": 3, "min_categories": 3}, {"type": "dense", "units": 8}, {"type": "relu"}"#,
    ];
    let outputs = [
        ("softmax", 3, vec!["--target", "label3"]),
        ("sigmoid", 1, vec!["--target", "label2"]),
        ("linear", 2, vec!["--target", "t1", "--target", "t2"]),
    ];
    for (h, layers) in hidden.iter().enumerate() {
        for (output, units, targets) in &outputs {
            let name = format!("{output}{h}");
            let spec = dir.join(format!("{name}.json"));
            // Every other network is an ensemble of three.
            let members = if h % 2 == 1 { 3 } else { 1 };
            std::fs::write(
                &spec,
                format!(
                    r#"{{"layers": [{layers}, {{"type": "dense", "units": {units}}}], "output": "{output}", "ensemble": {members}, "train": {{"epochs": 3}}}}"#
                ),
            )
            .unwrap();
            let run = dir.join(&name);
            let mut args = vec![
                "train",
                "--model",
                spec.to_str().unwrap(),
                "--data",
                &data,
                "--ignore",
                "id",
                "--quiet",
                "--out",
                run.to_str().unwrap(),
            ];
            args.extend(targets.iter().copied());
            // Numbers over quantile bins for the first and fourth networks.
            let binned = h % 3 == 0;
            if binned {
                args.extend(["--bins", "4"]);
            }
            // Columns that are another task's targets are ignored too.
            for other in ["label3", "label2", "t1", "t2"] {
                if !targets.contains(&other) {
                    args.extend(["--ignore", other]);
                }
            }
            let (_, err) = ok(&args);
            assert_eq!(
                binned,
                err.contains("bins: 2 numeric columns also over up to 4 quantile bins each"),
                "{err}"
            );
            if layers.contains("embedding") {
                assert!(
                    err.contains("embedding: `colour` (4 categories) in 3 values each"),
                    "{err}"
                );
            }
            let ckpt = run.join("model.safetensors");
            let onnx = run.join("model.onnx");
            ok(&[
                "export",
                "--checkpoint",
                ckpt.to_str().unwrap(),
                "--format",
                "onnx",
                "--output",
                onnx.to_str().unwrap(),
            ]);
            for (rows, tag) in [(&data, "train"), (&new, "new")] {
                let pred = run.join(format!("pred-{tag}.csv"));
                ok(&[
                    "predict",
                    "--checkpoint",
                    ckpt.to_str().unwrap(),
                    "--input",
                    rows,
                    "--output",
                    pred.to_str().unwrap(),
                ]);
                check(&python, &onnx, rows, &pred);
                if binned
                    || members > 1
                    || layers.contains("periodic")
                    || layers.contains("embedding")
                {
                    numpy_loader_matches(&python, &ckpt, Path::new(rows), &pred);
                }
            }
        }
    }
}

#[test]
fn a_numeric_model_exports_with_one_input_or_one_per_column() {
    // Its two columns also over quantile bins: one input holds the columns' values, which the
    // graph slices and bins.
    let python = python(&["numpy", "onnx", "onnxruntime"]);
    let dir = temp("onnx-single");
    let mut text = String::from("a,b,c,y\n");
    for i in 0..200 {
        let (a, b) = ((i as f64 * 0.3).sin(), (i as f64 * 0.7).cos());
        text.push_str(&format!(
            "{a:.4},{b:.4},{},{}\n",
            i % 5,
            u8::from(a + b > 0.0)
        ));
    }
    let data = dir.join("n.csv");
    std::fs::write(&data, text).unwrap();
    let data = data.to_str().unwrap();
    let run = dir.join("run");
    // moons_mlp.json's layers, its inputs left to the encoded width (2 values and 10 bins).
    let spec = dir.join("spec.json");
    std::fs::write(
        &spec,
        r#"{"layers": [{"type": "dense", "units": 16}, {"type": "tanh"}, {"type": "dense", "units": 1}], "output": "sigmoid"}"#,
    )
    .unwrap();
    ok(&[
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        data,
        "--ignore",
        "c",
        "--bins",
        "5",
        "--epochs",
        "3",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
    ]);
    let ckpt = run.join("model.safetensors");
    let pred = dir.join("pred.csv");
    ok(&[
        "predict",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--input",
        data,
        "--output",
        pred.to_str().unwrap(),
    ]);
    for single in [false, true] {
        let onnx = dir.join(format!("m{single}.onnx"));
        let mut args = vec![
            "export",
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--output",
            onnx.to_str().unwrap(),
        ];
        if single {
            args.push("--single-input");
        }
        ok(&args);
        check(&python, &onnx, data, &pred);
    }
}

#[test]
fn export_mistakes_are_one_error_line_and_write_nothing() {
    let dir = temp("onnx-bad");
    let data = table(&dir);
    let run = dir.join("run");
    let spec = dir.join("s.json");
    std::fs::write(
        &spec,
        r#"{"layers": [{"type": "dense", "units": 3}], "output": "softmax", "train": {"epochs": 1}}"#,
    )
    .unwrap();
    ok(&[
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        &data,
        "--target",
        "label3",
        "--ignore",
        "id",
        "--ignore",
        "label2",
        "--ignore",
        "t1",
        "--ignore",
        "t2",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
    ]);
    let ckpt = run.join("model.safetensors");
    let out = dir.join("m.onnx");
    assert_eq!(
        fails(&["export", "--checkpoint", ckpt.to_str().unwrap(), "--output", out.to_str().unwrap(), "--single-input"]),
        "error: --single-input needs numeric columns without missing indicators, but column `x` is categorical or has one; export one input per column instead"
    );
    let torn = dir.join("torn.safetensors");
    let bytes = std::fs::read(&ckpt).unwrap();
    std::fs::write(&torn, &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(&[
        "export",
        "--checkpoint",
        torn.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(
        e.starts_with(&format!("error: checkpoint {}", torn.display())),
        "{e}"
    );
    let e = fails(&[
        "export",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--output",
        dir.join("no/such/dir/m.onnx").to_str().unwrap(),
    ]);
    assert!(e.contains("no/such/dir"), "{e}");
    assert!(!out.exists(), "a failed export must not leave a file");
    let o = deepnet(&[
        "export",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--format",
        "tflite",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}
