//! The shape grid: one epoch of Fashion-MNIST for MLP shapes spanning width 64–2048, depth 1–5,
//! batch 16–512, every activation and optimiser, deepnet and PyTorch side by side in one run.
//! For each shape it prints both training times, their ratio (deepnet ÷ PyTorch: below 1 means
//! deepnet is faster), deepnet's GFLOP/s as a share of the machine's fp32 matrix-product peak
//! (a 2048³ product through the same `gemm` kernels, measured before every shape: the fastest
//! measurement so far counts), and inference throughput over the 60,000
//! training rows (deepnet's rows/s over the other's: above 1 means deepnet is faster). Each side runs `--reps` times (default 2), interleaved, and the fastest counts:
//! these machines are shared and noisy, so read ratios, not absolute times.
//!
//! With `--ort PYTHON` (a Python with `onnxruntime` and `numpy`, such as `target/test-python` after
//! `./test.sh`) each trained model is also exported to ONNX and its inference timed in onnxruntime.
//!
//! Run: `cargo bench --bench shapes -- --torch PYTHON [--ort PYTHON] [--threads 2] [--reps 2]
//! [--only 3,5]` where the `--torch` PYTHON has `torch` and `numpy`. Without `--torch` only
//! deepnet's side is printed.

mod common;

use std::process::Command;
use std::time::Instant;

use common::matmul_peak;

use deepnet::data::{fashion_mnist, Preprocessing};
use deepnet::onnx::{export, ExportOptions};
use deepnet::{
    Activation, Device, Init, InputScaling, Mlp, OptimizerKind, Recipe, Sequential, Tensor,
    TrainData, Trainer,
};

/// Fastest training seconds and inference rows/s so far.
type Times = Option<(f64, f64)>;

/// One row of the grid.
struct Shape {
    hidden: &'static [usize],
    activation: &'static str,
    optimizer: &'static str,
    lr: f64,
    batch: usize,
}

const GRID: &[Shape] = &[
    Shape {
        hidden: &[128],
        activation: "sigmoid",
        optimizer: "adam",
        lr: 1e-3,
        batch: 32,
    },
    Shape {
        hidden: &[64, 64, 64, 64, 64],
        activation: "relu",
        optimizer: "adam",
        lr: 1e-3,
        batch: 128,
    },
    Shape {
        hidden: &[300, 100],
        activation: "sigmoid",
        optimizer: "sgd",
        lr: 0.1,
        batch: 16,
    },
    Shape {
        hidden: &[256, 128],
        activation: "gelu",
        optimizer: "rmsprop",
        lr: 1e-3,
        batch: 128,
    },
    Shape {
        hidden: &[512, 256],
        activation: "tanh",
        optimizer: "momentum",
        lr: 0.01,
        batch: 64,
    },
    Shape {
        hidden: &[1024, 512, 256],
        activation: "leaky_relu",
        optimizer: "adam",
        lr: 1e-3,
        batch: 512,
    },
    Shape {
        hidden: &[1024, 1024],
        activation: "relu",
        optimizer: "sgd",
        lr: 0.05,
        batch: 256,
    },
    Shape {
        hidden: &[2048],
        activation: "relu",
        optimizer: "adamw",
        lr: 1e-3,
        batch: 512,
    },
    Shape {
        hidden: &[512, 512],
        activation: "tanh",
        optimizer: "adam",
        lr: 1e-3,
        batch: 256,
    },
];

struct Args {
    torch: Option<String>,
    ort: Option<String>,
    threads: usize,
    reps: usize,
    only: Option<Vec<usize>>,
}

fn args() -> Args {
    let mut a = Args {
        torch: std::env::var("DEEPNET_TORCH_PYTHON").ok(),
        ort: None,
        threads: 2,
        reps: 2,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--torch" => a.torch = it.next(),
            "--ort" => a.ort = it.next(),
            "--threads" => a.threads = it.next().and_then(|t| t.parse().ok()).unwrap_or(2),
            "--reps" => a.reps = it.next().and_then(|t| t.parse().ok()).unwrap_or(2).max(1),
            "--only" => {
                a.only = it
                    .next()
                    .map(|s| s.split(',').filter_map(|v| v.parse().ok()).collect())
            }
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

impl Shape {
    fn label(&self) -> String {
        let h: Vec<String> = self.hidden.iter().map(|v| v.to_string()).collect();
        format!(
            "{} / {} / {} / {}",
            h.join(","),
            self.activation,
            self.optimizer,
            self.batch
        )
    }

    /// Multiply-adds of one training row: forward, dW, and dX of every layer but the first.
    fn macs_per_row(&self) -> f64 {
        let mut dims = vec![784];
        dims.extend_from_slice(self.hidden);
        dims.push(10);
        let layer: Vec<f64> = dims.windows(2).map(|w| (w[0] * w[1]) as f64).collect();
        3.0 * layer.iter().sum::<f64>() - layer[0]
    }

    fn model(&self) -> Sequential {
        let act: Activation =
            serde_json::from_value(serde_json::json!({ "type": self.activation }))
                .expect("activation");
        let mut mlp = Mlp::new(784).init(Init::Pytorch);
        for &h in self.hidden {
            mlp = mlp.dense(h).activation(act);
        }
        mlp.dense(10).softmax().build(0).expect("model")
    }
}

/// deepnet's side: (training seconds for one epoch, inference rows/s), and the trained model.
fn deepnet_run(
    shape: &Shape,
    data: &TrainData,
    x: &Tensor,
    scaling: &InputScaling,
) -> ((f64, f64), Sequential) {
    let mut model = shape.model();
    model
        .set_input_scaling(Some(scaling.clone()))
        .expect("scaling");
    let kind: OptimizerKind = shape.optimizer.parse().expect("optimizer");
    let config = Recipe {
        optimizer: kind,
        lr: Some(shape.lr),
        batch_size: Some(shape.batch),
        epochs: 1,
        seed: 0,
        ..Recipe::default()
    };
    let start = Instant::now();
    Trainer::new(config)
        .expect("trainer")
        .fit(&mut model, data, None)
        .expect("fit");
    let train = start.elapsed().as_secs_f64();
    let start = Instant::now();
    model.predict_proba(x).expect("predict");
    let rows = x.dims()[0] as f64 / start.elapsed().as_secs_f64();
    ((train, rows), model)
}

/// onnxruntime's inference rows/s for `model`, exported with one float input.
fn ort_run(py: &str, model: &Sequential, threads: usize) -> Option<f64> {
    let features: Vec<serde_json::Value> = (0..784)
        .map(|i| serde_json::json!({"name": format!("x{i}"), "kind": "numeric", "median": 0.0, "indicator": false}))
        .collect();
    let classes: Vec<String> = (0..10).map(|c| c.to_string()).collect();
    let pre = serde_json::json!({
        "format": 1, "na_values": [], "missing": "error", "features": features,
        "ignored": [], "dropped": [], "targets": ["label"],
        "target": {"kind": "classes", "names": classes}
    });
    let pre = Preprocessing::from_json(&pre.to_string(), "the benchmark").expect("preprocessing");
    let options = ExportOptions { single_input: true };
    let bytes = export(model, &pre, &options, &[]).expect("export");
    let path = std::env::temp_dir().join(format!("deepnet-shapes-{}.onnx", std::process::id()));
    std::fs::write(&path, bytes).ok()?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch/ort_infer.py");
    let out = Command::new(py)
        .arg(script)
        .arg(&path)
        .arg(threads.to_string())
        .output()
        .ok();
    std::fs::remove_file(&path).ok();
    let out = out?;
    if !out.status.success() {
        eprintln!(
            "ort_infer.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    String::from_utf8(out.stdout)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("infer ")?.trim().parse().ok())
}

/// PyTorch's side: (training seconds, inference rows/s).
fn torch_run(py: &str, shape: &Shape, threads: usize) -> Option<(f64, f64)> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/torch/torch_shape.py");
    let hidden: Vec<String> = shape.hidden.iter().map(|v| v.to_string()).collect();
    let out = Command::new(py)
        .arg(script)
        .args([
            threads.to_string(),
            hidden.join(","),
            shape.activation.to_string(),
            shape.optimizer.to_string(),
            shape.lr.to_string(),
            shape.batch.to_string(),
            "fp32".to_string(),
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "torch_shape.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let value = |key: &str| -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
    };
    Some((value("train ")?, value("infer ")?))
}

fn main() {
    let a = args();
    // deepnet's engine takes candle's thread count (RAYON_NUM_THREADS, else every core).
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", a.threads.to_string());
    }
    let (train, _) =
        fashion_mnist(None).expect("Fashion-MNIST (apt-get install dataset-fashion-mnist)");
    let dev = Device::Cpu;
    let x = train.features_tensor(&dev).expect("x");
    let y = train
        .targets_tensor(deepnet::Output::Softmax, &dev)
        .expect("y");
    let scaling = InputScaling::fit(&train.features, 784).expect("scaling");
    let data = TrainData::new(x.clone(), y).expect("data");
    // The peak is measured again before every shape and the fastest measurement so far counts,
    // so that a slow moment of the machine does not flatter the shares.
    let mut peak = matmul_peak();
    println!(
        "fp32 matrix-product peak (2048³, {} threads), first measurement: {peak:.0} GFLOP/s",
        candle_core::utils::get_num_threads()
    );
    println!(
        "{:<3} {:<42} {:>9} {:>9} {:>7} {:>9} {:>7} {:>11} {:>11} {:>7} {:>11} {:>7}",
        "#",
        "hidden / activation / optimiser / batch",
        "deepnet s",
        "torch s",
        "ratio",
        "GFLOP/s",
        "% peak",
        "infer r/s",
        "torch r/s",
        "ratio",
        "ort r/s",
        "ratio"
    );
    let mut ratios: Vec<(f64, usize)> = Vec::new();
    for (i, shape) in GRID.iter().enumerate() {
        if a.only.as_ref().is_some_and(|o| !o.contains(&(i + 1))) {
            continue;
        }
        peak = peak.max(matmul_peak());
        let (mut ours, mut theirs): (Times, Times) = (None, None);
        let best = |old: Times, new: (f64, f64)| match old {
            Some((t, r)) => Some((t.min(new.0), r.max(new.1))),
            None => Some(new),
        };
        let mut ort: Option<f64> = None;
        for _ in 0..a.reps {
            let (times, model) = deepnet_run(shape, &data, &x, &scaling);
            ours = best(ours, times);
            if let Some(py) = &a.ort {
                if let Some(r) = ort_run(py, &model, a.threads) {
                    ort = Some(ort.map_or(r, |o: f64| o.max(r)));
                }
            }
            if let Some(py) = &a.torch {
                if let Some(t) = torch_run(py, shape, a.threads) {
                    theirs = best(theirs, t);
                }
            }
        }
        let (t, rows) = ours.expect("ran");
        let gflops = shape.macs_per_row() * 2.0 * train.len() as f64 / t / 1e9;
        let cell =
            |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
        let ratio = theirs.map(|(tt, _)| t / tt);
        if let Some(r) = ratio {
            ratios.push((r, i + 1));
        }
        println!(
            "{:<3} {:<42} {:>9.3} {:>9} {:>7} {:>9.0} {:>6.0}% {:>11.0} {:>11} {:>7} {:>11} {:>7}",
            i + 1,
            shape.label(),
            t,
            cell(theirs.map(|v| v.0), 3),
            cell(ratio, 2),
            gflops,
            100.0 * gflops / peak,
            rows,
            cell(theirs.map(|v| v.1), 0),
            cell(theirs.map(|(_, tr)| rows / tr), 2),
            cell(ort, 0),
            cell(ort.map(|o| rows / o), 2),
        );
    }
    println!("fp32 matrix-product peak, fastest of the run's measurements: {peak:.0} GFLOP/s");
    if let (Some(worst), Some(best)) = (
        ratios
            .iter()
            .copied()
            .reduce(|a, b| if b.0 > a.0 { b } else { a }),
        ratios
            .iter()
            .copied()
            .reduce(|a, b| if b.0 < a.0 { b } else { a }),
    ) {
        println!(
            "training time ratio (deepnet ÷ PyTorch): worst {:.2} (#{}), best {:.2} (#{})",
            worst.0, worst.1, best.0, best.1
        );
    }
}
