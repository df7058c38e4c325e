//! Hostile and broken input through the real binary, crashes and full disks: every failure is
//! exit status 1 with an `error:` line (never 101, never an abort), and complete results survive.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{checkpoint_weights, command, deepnet, root, temp};

/// Exit status 0, or 1 with a final `error:` line; never a panic (101) or a signal.
fn clean(args: &[&str]) -> Option<String> {
    let o = deepnet(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    match o.status.code() {
        Some(0) => None,
        Some(1) => {
            let last = err.lines().last().unwrap_or_default().to_string();
            assert!(last.starts_with("error: "), "{args:?}: {err}");
            Some(last)
        }
        other => panic!("{args:?} ended with {other:?}: {err}"),
    }
}

#[test]
fn malformed_checkpoints_specs_csvs_and_idx_files() {
    let dir = temp("malformed");
    // Checkpoints: a real one truncated everywhere, and with bytes overwritten.
    let good = std::fs::read(root().join("models/logreg.safetensors")).unwrap();
    let ck = dir.join("ck.safetensors");
    let ck_s = ck.to_str().unwrap();
    for cut in (0..good.len()).step_by(53) {
        std::fs::write(&ck, &good[..cut]).unwrap();
        assert!(
            clean(&["inspect", ck_s]).is_some(),
            "truncated at {cut} loaded"
        );
        assert!(clean(&["eval", "--checkpoint", ck_s, "--data", "breast-cancer"]).is_some());
    }
    let mut rng = deepnet::Rng::new(3);
    for _ in 0..40 {
        let mut bad = good.clone();
        for _ in 0..3 {
            let i = rng.below(bad.len());
            bad[i] = rng.below(256) as u8;
        }
        std::fs::write(&ck, &bad).unwrap();
        clean(&["inspect", ck_s]);
        clean(&["eval", "--checkpoint", ck_s, "--data", "breast-cancer"]);
    }
    // Specs.
    let spec = dir.join("spec.json");
    for text in [
        "",
        "{",
        "[]",
        "null",
        r#"{"inputs": -1}"#,
        r#"{"inputs": 1e30, "output": "linear", "layers": []}"#,
        r#"{"inputs": 30, "output": "linear", "layers": [{"type": "dense", "units": 1000000000000}]}"#,
        r#"{"inputs": 4294967296, "output": "linear", "layers": [{"type": "dense", "units": 4294967296}, {"type": "dense", "units": 4294967296}]}"#,
        r#"{"inputs": 30, "output": "sigmoid", "layers": [{"type": "dropout", "rate": 2}, {"type": "dense", "units": 1}]}"#,
        r#"{"inputs": 30, "output": "sigmoid", "layers": [{"type": "dense", "units": 1, "init": {"normal": {"mean": 0}}}]}"#,
    ] {
        std::fs::write(&spec, text).unwrap();
        let e = clean(&[
            "train",
            "--model",
            spec.to_str().unwrap(),
            "--data",
            "breast-cancer",
            "--quiet",
            "--out",
            dir.join("run").to_str().unwrap(),
        ]);
        assert!(e.is_some(), "spec {text:?} was accepted");
        clean(&["gradcheck", "--model", spec.to_str().unwrap()])
            .expect("gradcheck must refuse it too");
    }
    // CSVs.
    let csv = dir.join("data.csv");
    for text in [
        "",
        "\n\n",
        "a,b\n",
        "a,b\n1,2,3\n",
        "a,b\n1,x\n",
        "a,b\n1,inf\n",
        "a,b\nNaN,1\n",
        "a,b\n\"1,2\n",
        "a\n1\n",
        "\u{feff}a,b\n1,\u{0}\n",
    ] {
        std::fs::write(&csv, text).unwrap();
        let e = clean(&[
            "train",
            "--model",
            "models/moons_mlp.json",
            "--data",
            csv.to_str().unwrap(),
            "--quiet",
            "--out",
            dir.join("run").to_str().unwrap(),
        ]);
        assert!(e.is_some(), "csv {text:?} was accepted");
        clean(&[
            "predict",
            "--checkpoint",
            "models/logreg.safetensors",
            "--input",
            csv.to_str().unwrap(),
        ])
        .expect("predict must refuse it");
    }
    // IDX: a directory of Fashion-MNIST-format files, broken one file at a time.
    let idx_dir = dir.join("idx");
    std::fs::create_dir_all(&idx_dir).unwrap();
    let idx = |dims: &[u32], data: &[u8]| {
        let mut b = vec![0, 0, 8, dims.len() as u8];
        dims.iter()
            .for_each(|d| b.extend_from_slice(&d.to_be_bytes()));
        b.extend_from_slice(data);
        b
    };
    let write_set = |images: Vec<u8>| {
        std::fs::write(idx_dir.join("train-images-idx3-ubyte"), &images).unwrap();
        std::fs::write(idx_dir.join("train-labels-idx1-ubyte"), idx(&[2], &[0, 1])).unwrap();
        std::fs::write(
            idx_dir.join("t10k-images-idx3-ubyte"),
            idx(&[2, 1, 2], &[1, 2, 3, 4]),
        )
        .unwrap();
        std::fs::write(idx_dir.join("t10k-labels-idx1-ubyte"), idx(&[2], &[1, 0])).unwrap();
    };
    let tiny_spec = dir.join("tiny.json");
    std::fs::write(
        &tiny_spec,
        r#"{"inputs": 2, "output": "softmax", "layers": [{"type": "dense", "units": 10}]}"#,
    )
    .unwrap();
    for images in [
        vec![],
        vec![0, 0, 8],
        idx(&[2, 1, 2], &[1, 2]),
        idx(&[2, 1, 2, 9], &[0; 4]),
        idx(&[65535, 65535, 65535], &[]),
        vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
    ] {
        write_set(images);
        let e = clean(&[
            "train",
            "--model",
            tiny_spec.to_str().unwrap(),
            "--data",
            idx_dir.to_str().unwrap(),
            "--quiet",
            "--epochs",
            "1",
            "--out",
            dir.join("run").to_str().unwrap(),
        ]);
        assert!(e.is_some());
    }
    write_set(idx(&[2, 1, 2], &[1, 2, 3, 4]));
    assert_eq!(
        clean(&[
            "train",
            "--model",
            tiny_spec.to_str().unwrap(),
            "--data",
            idx_dir.to_str().unwrap(),
            "--quiet",
            "--epochs",
            "1",
            "--val-split",
            "0",
            "--out",
            dir.join("run").to_str().unwrap()
        ]),
        None,
        "a valid IDX directory trains"
    );
}

/// Polls the child's peak resident memory (VmHWM) until it exits; returns (status, peak MiB).
fn run_measuring_memory(mut cmd: Command) -> (std::process::ExitStatus, f64) {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0f64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(v) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            {
                peak_kib = peak_kib.max(v);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak_kib / 1024.0);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn predict_streams_two_million_rows_in_bounded_memory() {
    let dir = temp("stream");
    let input = dir.join("big.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        let header: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        writeln!(f, "{}", header.join(",")).unwrap();
        let mut rng = deepnet::Rng::new(1);
        let row: Vec<String> = (0..30)
            .map(|_| format!("{:.3}", rng.uniform(0.0, 100.0)))
            .collect();
        let line = row.join(",");
        for _ in 0..2_000_000 {
            writeln!(f, "{line}").unwrap();
        }
    }
    let out = dir.join("pred.csv");
    // models/logreg.safetensors does not name its features, so the 30 columns are taken in order.
    let mut cmd = command();
    cmd.args([
        "predict",
        "--checkpoint",
        "models/logreg.safetensors",
        "--input",
        input.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    let (status, peak) = run_measuring_memory(cmd);
    assert!(status.success());
    assert!(peak < 200.0, "peak RSS {peak:.0} MiB");
    eprintln!("predict on 2,000,000 rows: peak RSS {peak:.1} MiB");
    let lines =
        std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&out).unwrap()))
            .count();
    assert_eq!(lines, 2_000_001);
}

#[test]
fn training_killed_at_random_moments_and_resumed_matches_a_straight_run() {
    let (straight, crashed) = (temp("straight"), temp("crashed"));
    let args = |out: &Path| -> Vec<String> {
        [
            "train",
            "--model",
            "models/digits_mlp.json",
            "--data",
            "digits",
            // 80 full epochs (no early stop) give the kills room to land.
            "--epochs",
            "80",
            "--patience",
            "1000",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let o = command().args(args(&straight)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut rng = deepnet::Rng::new(11);
    let (mut kills, mut finished) = (0, false);
    for attempt in 0..=60 {
        let mut cmd = command();
        if crashed.join("train_state.safetensors").exists() {
            cmd.args(["train", "--resume", crashed.to_str().unwrap(), "--quiet"]);
        } else {
            cmd.args(args(&crashed));
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if attempt == 60 {
            // A slow machine or build: after 60 kills, let the last resume run to the end.
            assert!(child.wait().unwrap().success());
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50 + rng.below(250) as u64));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                finished = true;
                break;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                // Whatever moment it died, the files on disk load.
                if crashed.join("model.safetensors").exists() {
                    deepnet::Sequential::load(crashed.join("model.safetensors")).unwrap();
                }
            }
        }
    }
    eprintln!("{kills} SIGKILLs before the run finished");
    assert!(finished, "the run never finished");
    assert!(kills >= 3, "only {kills} kills landed");
    assert_eq!(
        checkpoint_weights(&crashed.join("model.safetensors")),
        checkpoint_weights(&straight.join("model.safetensors"))
    );
}

#[test]
fn unwritable_directories_and_full_disks_are_errors_that_keep_earlier_files() {
    let dir = temp("disk");
    let run = dir.join("run");
    let o = deepnet(&[
        "train",
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let before = std::fs::read(run.join("model.safetensors")).unwrap();

    // An output path under a regular file cannot be created.
    let blocked = run.join("model.safetensors").join("sub");
    let e = clean(&[
        "train",
        "--model",
        "models/moons_mlp.json",
        "--data",
        "moons",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        blocked.to_str().unwrap(),
    ])
    .unwrap();
    assert!(e.contains("cannot create the run directory"), "{e}");
    assert_eq!(
        std::fs::read(run.join("model.safetensors")).unwrap(),
        before
    );

    // A full disk: files may not grow past 4 KiB (SIGXFSZ ignored, so writes fail with EFBIG).
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec '{}' train --resume '{}' --epochs 4 --quiet",
        env!("CARGO_BIN_EXE_deepnet"),
        run.display()
    );
    let o = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.lines().last().unwrap().starts_with("error: ") && err.contains("File too large"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(run.join("model.safetensors")).unwrap(),
        before,
        "the earlier checkpoint changed"
    );
    deepnet::Sequential::load(run.join("model.safetensors")).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&run)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // A read-only checkpoint still evaluates; a read-only run directory refuses new checkpoints.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        run.join("model.safetensors"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    assert_eq!(
        clean(&[
            "eval",
            "--checkpoint",
            run.join("model.safetensors").to_str().unwrap(),
            "--data",
            "moons"
        ]),
        None
    );
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = std::fs::File::create(run.join("probe"));
    if probe.is_ok() {
        eprintln!("SKIPPED read-only directory check: running as root, which ignores permissions");
        let _ = std::fs::remove_file(run.join("probe"));
    } else {
        let e = clean(&[
            "train",
            "--resume",
            run.to_str().unwrap(),
            "--epochs",
            "4",
            "--quiet",
        ])
        .unwrap();
        assert!(e.contains("Permission denied"), "{e}");
        assert_eq!(
            std::fs::read(run.join("model.safetensors")).unwrap(),
            before
        );
    }
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn non_finite_inputs_are_refused_and_divergence_keeps_finite_checkpoint_weights() {
    let dir = temp("numeric");
    let csv = dir.join("inf.csv");
    let rows = "1,2,0\n3,4,1\n".repeat(10);
    std::fs::write(&csv, format!("x,y,label\n1,2,0\n3,inf,1\n{rows}")).unwrap();
    assert_eq!(
        clean(&[
            "train",
            "--model",
            "models/moons_mlp.json",
            "--data",
            csv.to_str().unwrap(),
            "--quiet"
        ])
        .unwrap(),
        format!(
            "error: {}:3: column `y`: `inf` is inf; values must be finite numbers",
            csv.display()
        )
    );
    // A regression with a huge learning rate diverges; the error names epoch and step.
    let data = dir.join("reg.csv");
    let mut text = String::from("a,b,target\n");
    for i in 0..200 {
        text.push_str(&format!("{},{},{}\n", i, i * 2, i as f32 * 1000.5));
    }
    std::fs::write(&data, text).unwrap();
    let spec = dir.join("reg.json");
    std::fs::write(&spec, r#"{"inputs": 2, "output": "linear", "layers": [{"type": "dense", "units": 8}, {"type": "relu"}, {"type": "dense", "units": 1}]}"#).unwrap();
    let run = dir.join("run");
    let e = clean(&[
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--optimizer",
        "sgd",
        "--lr",
        "10",
        "--epochs",
        "20",
        "--quiet",
        "--out",
        run.to_str().unwrap(),
    ])
    .unwrap();
    assert!(e.starts_with("error: training diverged at epoch "), "{e}");
    if run.join("model.safetensors").exists() {
        // The loader refuses non-finite weights, so loading proves they are finite.
        deepnet::Sequential::load(run.join("model.safetensors")).unwrap();
    }
}
