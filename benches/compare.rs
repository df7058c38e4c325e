//! deepnet against PyTorch on the CPU, side by side in one run: training-step throughput, the
//! Fashion-MNIST recipe end to end, logistic regression per iteration, inference throughput and
//! peak memory. Ratios are what to read: these machines are shared and noisy.
//!
//! Run: `cargo bench --bench compare -- --torch PYTHON [--threads 2] [--quick]`
//! where PYTHON has `torch` and `numpy` (`python3 -m venv /tmp/ref && /tmp/ref/bin/pip install torch numpy`).
//! Without `--torch` only deepnet's numbers are printed.

mod common;

use std::process::Command;
use std::time::Instant;

use common::matmul_peak;

use deepnet::data::{breast_cancer, fashion_mnist, split};
use deepnet::{
    evaluate, Device, Init, InputScaling, Mlp, ModelSpec, OptimizerKind, Recipe, Rng, Sequential,
    Tensor, TrainData, Trainer,
};

const MLP: [usize; 4] = [784, 256, 128, 10];

struct Args {
    torch: Option<String>,
    threads: usize,
    quick: bool,
    child: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        torch: std::env::var("DEEPNET_TORCH_PYTHON").ok(),
        threads: 2,
        quick: false,
        child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--torch" => a.torch = it.next(),
            "--threads" => a.threads = it.next().and_then(|t| t.parse().ok()).unwrap_or(2),
            "--quick" => a.quick = true,
            "--child" => a.child = it.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn mlp_spec(dims: &[usize]) -> ModelSpec {
    let mut mlp = Mlp::new(dims[0]).init(Init::Pytorch);
    for (i, &d) in dims[1..].iter().enumerate() {
        mlp = mlp.dense(d);
        if i + 2 < dims.len() {
            mlp = mlp.relu();
        }
    }
    mlp.softmax().spec().expect("valid spec")
}

/// Samples/s of the training step on random data: `steps` batches per epoch, best of 3 epochs.
fn step_throughput(batch: usize, optimizer: OptimizerKind, lr: f64, steps: usize) -> f64 {
    let spec = mlp_spec(&MLP);
    let n = batch * steps;
    let mut rng = Rng::new(0);
    let x: Vec<f32> = (0..n * MLP[0]).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..n).map(|_| rng.below(10) as u32).collect();
    let data = TrainData::new(
        Tensor::from_vec(x, (n, MLP[0]), &Device::Cpu).expect("tensor"),
        Tensor::from_vec(y, n, &Device::Cpu).expect("tensor"),
    )
    .expect("data");
    let mut model = Sequential::from_spec(&spec, 0).expect("model");
    let config = Recipe {
        optimizer,
        lr: Some(lr),
        batch_size: Some(batch),
        epochs: 4,
        shuffle: false,
        ..Recipe::default()
    };
    let mut trainer = Trainer::new(config).expect("trainer");
    let h = trainer.fit(&mut model, &data, None).expect("fit");
    let best = h.epochs[1..]
        .iter()
        .map(|e| e.seconds)
        .fold(f64::INFINITY, f64::min);
    n as f64 / best
}

/// Fashion-MNIST, 784-256-128-10 ReLU, Adam 1e-3, batch 128, reshuffled: (seconds incl. loading,
/// samples/s of training, test accuracy, inference rows/s, peak RSS MiB).
fn fashion(epochs: usize, seed: u64) -> String {
    let start = Instant::now();
    let (train, test) =
        fashion_mnist(None).expect("Fashion-MNIST (apt-get install dataset-fashion-mnist)");
    let spec = mlp_spec(&MLP);
    let dev = Device::Cpu;
    let t = TrainData::new(
        train.features_tensor(&dev).expect("x"),
        train.targets_tensor(spec.output, &dev).expect("y"),
    )
    .expect("data");
    let mut model = Sequential::from_spec(&spec, seed).expect("model");
    let config = Recipe {
        optimizer: OptimizerKind::Adam,
        lr: Some(1e-3),
        batch_size: Some(128),
        epochs,
        seed,
        ..Recipe::default()
    };
    let train_start = Instant::now();
    Trainer::new(config)
        .expect("trainer")
        .fit(&mut model, &t, None)
        .expect("fit");
    let train_s = train_start.elapsed().as_secs_f64();
    let xt = test.features_tensor(&dev).expect("x");
    let yt = test.targets_tensor(spec.output, &dev).expect("y");
    let acc = evaluate(&model, &xt, &yt)
        .expect("eval")
        .accuracy
        .unwrap_or(0.0);
    let total = start.elapsed().as_secs_f64();
    let inf = Instant::now();
    let reps = 5;
    for _ in 0..reps {
        model.predict_proba(&xt).expect("predict");
    }
    let rows_s = (reps * test.len()) as f64 / inf.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0;
    format!(
        "{total} {} {acc} {rows_s} {rss}",
        (train.len() * epochs) as f64 / train_s
    )
}

/// Microseconds per full-batch gradient-descent iteration of logistic regression on breast cancer.
fn logreg_us(iters: usize) -> (f64, f64) {
    let (train, test) = split(&breast_cancer().expect("data"), 0.2, 0, false).expect("split");
    let spec = Mlp::new(30).dense(1).sigmoid().spec().expect("spec");
    let mut model = Sequential::from_spec(&spec, 0).expect("model");
    model
        .set_input_scaling(Some(InputScaling::fit(&train.features, 30).expect("fit")))
        .expect("scaling");
    let dev = Device::Cpu;
    let t = TrainData::new(
        train.features_tensor(&dev).expect("x"),
        train.targets_tensor(spec.output, &dev).expect("y"),
    )
    .expect("data");
    let config = Recipe {
        optimizer: OptimizerKind::Sgd,
        lr: Some(0.1),
        batch_size: None,
        epochs: iters,
        shuffle: false,
        ..Recipe::default()
    };
    let start = Instant::now();
    Trainer::new(config)
        .expect("trainer")
        .fit(&mut model, &t, None)
        .expect("fit");
    let us = start.elapsed().as_secs_f64() * 1e6 / iters as f64;
    let xt = test.features_tensor(&dev).expect("x");
    let acc = evaluate(
        &model,
        &xt,
        &test.targets_tensor(spec.output, &dev).expect("y"),
    )
    .expect("eval")
    .accuracy
    .unwrap_or(0.0);
    (us, acc)
}

fn python(py: &str, script: &str, args: &[String]) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/torch")
        .join(script);
    let out = Command::new(py).arg(path).args(args).output().ok()?;
    if !out.status.success() {
        eprintln!("{script} failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// The number just before `unit` in `text` (e.g. "68800 samples/s").
fn number_before(text: &str, unit: &str) -> Option<f64> {
    let i = text.rfind(unit)?;
    text[..i]
        .split_whitespace()
        .last()?
        .trim_start_matches('(')
        .parse()
        .ok()
}

fn child(kind: &str, threads: usize) -> Option<Vec<f64>> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["--child", kind])
        .env("RAYON_NUM_THREADS", threads.to_string())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.split_whitespace().map(|v| v.parse().ok()).collect()
}

fn main() {
    let a = args();
    if let Some(kind) = &a.child {
        // "fashion<epochs>:<seed>"
        let (e, seed) = kind.split_once(':').unwrap_or((kind, "0"));
        let epochs = e
            .strip_prefix("fashion")
            .and_then(|e| e.parse().ok())
            .unwrap_or(10);
        println!("{}", fashion(epochs, seed.parse().unwrap_or(0)));
        return;
    }
    std::env::set_var("RAYON_NUM_THREADS", a.threads.to_string());
    let t = a.threads.to_string();
    let peak = matmul_peak();
    // Matrix work per sample: forward, dW and dX (2 FLOPs per multiply-add), with no dX for the
    // first layer, which neither deepnet nor PyTorch computes.
    let flops_per_sample: f64 = MLP
        .windows(2)
        .enumerate()
        .map(|(l, w)| (w[0] * w[1]) as f64 * if l == 0 { 4.0 } else { 6.0 })
        .sum();
    println!(
        "threads: {}   matmul peak (2048^3, candle, best of 8): {peak:.0} GFLOP/s",
        a.threads
    );
    println!();
    println!(
        "{:<34} {:>14} {:>14} {:>9} {:>9}",
        "workload", "deepnet", "pytorch", "ratio", "% peak"
    );
    let row = |name: &str,
               ours: f64,
               theirs: Option<f64>,
               unit: &str,
               higher_is_better: bool,
               pct: Option<f64>| {
        let ratio = theirs.map(|t| if higher_is_better { ours / t } else { t / ours });
        println!(
            "{name:<34} {:>14} {:>14} {:>9} {:>9}",
            format!("{ours:.0} {unit}"),
            theirs.map_or("-".into(), |t| format!("{t:.0} {unit}")),
            ratio.map_or("-".into(), |r| format!("{r:.2}x")),
            pct.map_or("".into(), |p| format!("{p:.0}%")),
        );
    };
    let steps = if a.quick { 16 } else { 64 };
    for (opt_name, opt, lr) in [
        ("adam", OptimizerKind::Adam, 1e-3),
        ("sgd", OptimizerKind::Sgd, 0.05),
    ] {
        for batch in [32, 128, 512] {
            let ours = step_throughput(batch, opt, lr, steps);
            let theirs = a.torch.as_ref().and_then(|py| {
                let args: Vec<String> = [
                    "--batch",
                    &batch.to_string(),
                    "--steps",
                    &(steps * 4).to_string(),
                    "--threads",
                    &t,
                    "--opt",
                    opt_name,
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                number_before(&python(py, "torch_step.py", &args)?, "samples/s")
            });
            let pct = 100.0 * ours * flops_per_sample / 1e9 / peak;
            row(
                &format!("step {opt_name} batch {batch} (samples/s)"),
                ours,
                theirs,
                "",
                true,
                Some(pct),
            );
        }
    }
    let (us, acc) = logreg_us(if a.quick { 200 } else { 1000 });
    let torch_us = a.torch.as_ref().and_then(|py| {
        let out = python(
            py,
            "torch_logreg.py",
            &["1000".into(), "0.1".into(), t.clone()],
        )?;
        number_before(&out, "us/iter")
    });
    println!(
        "{:<34} {:>14} {:>14} {:>9}",
        "logreg iteration (us, lower wins)",
        format!("{us:.1}"),
        torch_us.map_or("-".into(), |v| format!("{v:.1}")),
        torch_us.map_or("-".into(), |v| format!("{:.2}x", v / us))
    );
    println!("logreg test accuracy: {acc:.4}");

    let epochs = if a.quick { 2 } else { 10 };
    let kind = format!("fashion{epochs}");
    // Best of `reps` runs of each side, alternating, so a noisy neighbour does not decide the ratio.
    let reps = if a.quick { 1 } else { 3 };
    let best = |runs: Vec<Vec<f64>>| runs.into_iter().min_by(|x, y| x[0].total_cmp(&y[0]));
    let mut ours_runs = Vec::new();
    let mut one_runs = Vec::new();
    let mut torch_runs: Vec<String> = Vec::new();
    for seed in 0..reps {
        let kind = format!("{kind}:{seed}");
        ours_runs.extend(child(&kind, a.threads).filter(|v| v.len() == 5));
        if a.threads > 1 {
            one_runs.extend(child(&kind, 1).filter(|v| v.len() == 5));
        }
        if let Some(py) = &a.torch {
            torch_runs.extend(python(
                py,
                "torch_fashion.py",
                &[epochs.to_string(), t.clone()],
            ));
        }
    }
    // "torch fashion dims=[...] epochs=10 train 8.70s 68800 samples/s final test_acc 0.8816"
    let torch_best = torch_runs
        .iter()
        .filter_map(|o| {
            let l = o.lines().last()?;
            let secs = l
                .split(" train ")
                .nth(1)?
                .split('s')
                .next()?
                .parse::<f64>()
                .ok()?;
            let acc = l.rsplit(' ').next()?.parse::<f64>().ok()?;
            Some((secs, acc))
        })
        .min_by(|x, y| x.0.total_cmp(&y.0));
    let accuracies: Vec<f64> = ours_runs.iter().map(|v| v[2]).collect();
    match best(ours_runs) {
        Some(v) => {
            let torch_s = torch_best.map(|b| b.0);
            let torch_acc = torch_best.map(|b| b.1);
            println!(
                "{:<34} {:>14} {:>14} {:>9}",
                format!("fashion {epochs} epochs (s, lower wins)"),
                format!("{:.2}", v[0]),
                torch_s.map_or("-".into(), |s| format!("{s:.2}")),
                torch_s.map_or("-".into(), |s| format!("{:.2}x", v[0] / s))
            );
            println!(
                "  deepnet includes loading and the final test evaluation; pytorch's time is its training loop (with a test evaluation per epoch)"
            );
            println!(
                "fashion training samples/s: {:.0}; GFLOP/s {:.0} ({:.0}% of peak)",
                v[1],
                v[1] * flops_per_sample / 1e9,
                100.0 * v[1] * flops_per_sample / 1e9 / peak
            );
            let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64;
            let list: Vec<String> = accuracies.iter().map(|a| format!("{a:.4}")).collect();
            println!(
                "fashion test accuracy: deepnet mean {mean:.4} over seeds 0..{reps} ({}), pytorch {}",
                list.join(", "),
                torch_acc.map_or("-".into(), |a| format!("{a:.4}"))
            );
            println!("inference on the 10,000 test rows: {:.0} rows/s", v[3]);
            println!("peak memory of the fashion run: {:.0} MiB", v[4]);
            if let Some(one) = best(one_runs) {
                println!(
                    "fashion speed-up from 1 to {} threads: {:.2}x ({:.2} s -> {:.2} s)",
                    a.threads,
                    one[0] / v[0],
                    one[0],
                    v[0]
                );
            }
            println!(
                "(fashion times: best of {reps} runs of each; deepnet's runs use seeds 0..{reps})"
            );
        }
        _ => println!("fashion: skipped (apt-get install dataset-fashion-mnist)"),
    }
}
