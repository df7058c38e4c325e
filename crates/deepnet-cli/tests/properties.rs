//! Property test of the `deepnet` binary: random specs from the builder (any activation, output,
//! width, depth, dropout) and random CSV tables — fitting and not: wrong column counts, text
//! labels for a regression, one class only, more classes than softmax units — through
//! `deepnet train`. The exit status is 0 or 1, never a panic (101), and a failure prints exactly
//! one `error:` line.

use std::process::Command;

use deepnet::{Activation, Mlp};
use proptest::prelude::*;

fn spec_json(inputs: usize, hidden: &[(usize, usize, bool)], output: usize, k: usize) -> String {
    let acts = Activation::all();
    let mut mlp = Mlp::new(inputs);
    for &(a, width, dropout) in hidden {
        mlp = mlp.dense(width).activation(acts[a % acts.len()]);
        if dropout {
            mlp = mlp.dropout(0.2);
        }
    }
    let mlp = match output {
        0 => mlp.dense(1).sigmoid(),
        1 => mlp.dense(k).softmax(),
        _ => mlp.dense(k).linear(),
    };
    mlp.spec().unwrap().to_json()
}

/// A table with `cols` feature columns and a target `y` of the given kind: 0 = two classes,
/// 1 = `classes` integer classes, 2 = real values, 3 = text labels, 4 = one class only.
fn csv(rows: usize, cols: usize, target: usize, classes: usize, seed: u64) -> String {
    let mut s: String = (0..cols).map(|c| format!("f{c},")).collect();
    s.push_str("y\n");
    let mut v = seed;
    let mut next = || {
        v = v
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (v >> 33) as f64 / (1u64 << 31) as f64
    };
    for r in 0..rows {
        for _ in 0..cols {
            s.push_str(&format!("{:.3},", next() * 4.0 - 2.0));
        }
        let y = match target {
            0 => (r % 2).to_string(),
            1 => (r % classes).to_string(),
            2 => format!("{:.3}", next() * 10.0),
            3 => ["red", "green", "blue"][r % 3].to_string(),
            _ => "7".to_string(),
        };
        s.push_str(&y);
        s.push('\n');
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn train_never_panics_and_fails_with_one_error_line(
        inputs in 1usize..4,
        extra_cols in prop_oneof![3 => Just(0usize), 1 => Just(1usize)],
        matching in prop::bool::weighted(0.6),
        hidden in prop::collection::vec((0usize..16, 1usize..5, any::<bool>()), 0..3),
        output in 0usize..3,
        k in 2usize..4,
        target in 0usize..5,
        classes in 2usize..5,
        rows in 12usize..40,
        seed in 0u64..1000,
    ) {
        let dir = std::env::temp_dir().join(format!("deepnet-prop-cli-{}-{seed}-{rows}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Most tables fit the network (so training runs); the rest are random mismatches.
        let (k, target, classes) = match (matching, output) {
            (true, 0) => (k, 0, classes),
            (true, 1) => (k, 1, k),
            (true, _) => (1, 2, classes),
            (false, _) => (k, target, classes),
        };
        let spec = dir.join("spec.json");
        std::fs::write(&spec, spec_json(inputs, &hidden, output, k)).unwrap();
        let data = dir.join("data.csv");
        std::fs::write(&data, csv(rows, inputs + extra_cols, target, classes, seed)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_deepnet"))
            .args(["train", "--model", spec.to_str().unwrap(), "--data", data.to_str().unwrap(),
                   "--target", "y", "--epochs", "2", "--quiet", "--out", dir.join("run").to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!err.contains("panicked"), "{}", err);
        match out.status.code() {
            Some(0) => prop_assert!(!err.contains("error:"), "{}", err),
            Some(1) => {
                let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
                prop_assert_eq!(errors.len(), 1, "{}", err);
                prop_assert!(err.lines().last().unwrap_or_default().starts_with("error: "), "{}", err);
            }
            other => prop_assert!(false, "exit status {:?}: {}", other, err),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
