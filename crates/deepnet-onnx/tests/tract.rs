//! Exported graphs run in tract, a Rust ONNX runtime, inside `cargo test`: every activation,
//! dropout, a layer without bias, each output kind, single networks and ensembles, one input or one per numeric column with a
//! missing value, quantile bins; the outputs match deepnet's own predictions.

use deepnet_core::{Activation, InputScaling, Mlp, Sequential, Tensor};
use deepnet_data::table::{
    FeatureColumn, FeatureKind, MissingPolicy, Preprocessing, TargetEncoding, FORMAT,
};
use deepnet_onnx::{export, ExportOptions};
use tract_onnx::prelude::*;

const ROWS: usize = 7;
const INPUTS: usize = 4;

fn preprocessing(target: TargetEncoding, indicator: bool) -> Preprocessing {
    Preprocessing {
        format: FORMAT,
        na_values: vec!["NA".into()],
        missing: MissingPolicy::Impute,
        features: (0..INPUTS)
            .map(|i| FeatureColumn {
                name: format!("x{i}"),
                kind: FeatureKind::Numeric {
                    median: 0.25,
                    indicator: indicator && i == 0,
                    edges: Vec::new(),
                },
            })
            .collect(),
        ignored: Vec::new(),
        dropped: Vec::new(),
        targets: vec!["y".into()],
        target,
    }
}

fn hidden(b: Mlp) -> Mlp {
    b.dense(8)
        .sigmoid()
        .dense(8)
        .tanh()
        .dropout(0.3)
        .dense(8)
        .relu()
        .dense(8)
        .leaky_relu(0.1)
        .dense(8)
        .activation(Activation::Gelu)
        .dense(6)
        .activation(Activation::Identity)
}

fn scaled(mut m: Sequential) -> Sequential {
    m.set_input_scaling(Some(InputScaling {
        mean: vec![0.1, -0.2, 0.3, 0.0],
        scale: vec![1.5, 0.5, 2.0, 1.0],
    }))
    .unwrap();
    m
}

fn rows() -> Vec<f32> {
    (0..ROWS * INPUTS)
        .map(|i| ((i as f32) * 0.73).sin() * 2.0)
        .collect()
}

/// Runs the ONNX bytes in tract on `x` (one input, or one `[N, 1]` input per column) and returns
/// the first output as f32 values.
fn run_tract(bytes: &[u8], x: &[f32], single: bool) -> Vec<f32> {
    let model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let inputs: TVec<TValue> = if single {
        tvec!(
            tract_ndarray::Array2::from_shape_vec((ROWS, INPUTS), x.to_vec())
                .unwrap()
                .into_tensor()
                .into()
        )
    } else {
        (0..INPUTS)
            .map(|j| {
                let col: Vec<f32> = (0..ROWS).map(|r| x[r * INPUTS + j]).collect();
                tract_ndarray::Array2::from_shape_vec((ROWS, 1), col)
                    .unwrap()
                    .into_tensor()
                    .into()
            })
            .collect()
    };
    let out = model.run(inputs).unwrap();
    out[0]
        .to_array_view::<f32>()
        .unwrap()
        .iter()
        .copied()
        .collect()
}

/// deepnet's probabilities for `ROWS` encoded rows, row-major.
fn probabilities(model: &Sequential, encoded: &[f32]) -> Vec<f32> {
    let width = encoded.len() / ROWS;
    let x = Tensor::from_slice(encoded, (ROWS, width), &deepnet_core::Device::Cpu).unwrap();
    model
        .predict_proba(&x)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap()
        .concat()
}

fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-5 * w.abs().max(1.0),
            "{got:?}\n{want:?}"
        );
    }
}

/// The graph of `model` with one input and with one input per column both give `want` on `x`.
fn exports_match(model: &Sequential, pre: &Preprocessing, x: &[f32], want: &[f32]) {
    for single in [true, false] {
        let options = ExportOptions {
            single_input: single,
        };
        let bytes = export(model, pre, &options, &[]).unwrap();
        close(&run_tract(&bytes, x, single), want);
    }
}

#[test]
fn classifiers_and_regressors_run_in_tract() {
    let x = rows();
    let dev = deepnet_core::Device::Cpu;
    let xt = Tensor::from_slice(&x, (ROWS, INPUTS), &dev).unwrap();
    let classes = TargetEncoding::Classes {
        names: vec!["a".into(), "b".into(), "c".into()],
        positive: None,
    };
    // A single network and an ensemble of three.
    for members in [1, 3] {
        let cases = [
            (
                scaled(
                    hidden(Mlp::new(INPUTS).ensemble(members))
                        .dense(3)
                        .softmax()
                        .build(1)
                        .unwrap(),
                ),
                classes.clone(),
            ),
            (
                scaled(
                    hidden(Mlp::new(INPUTS).ensemble(members))
                        .dense(1)
                        .sigmoid()
                        .build(2)
                        .unwrap(),
                ),
                TargetEncoding::Classes {
                    names: vec!["no".into(), "yes".into()],
                    positive: Some("yes".into()),
                },
            ),
            (
                scaled(
                    hidden(Mlp::new(INPUTS).ensemble(members))
                        .dense(2)
                        .linear()
                        .build(3)
                        .unwrap(),
                ),
                TargetEncoding::Values {
                    mean: vec![10.0, -3.0],
                    scale: vec![2.0, 0.5],
                    bounds: None,
                },
            ),
            (
                // Bounds tight enough that some predictions are clipped at each end.
                scaled(
                    hidden(Mlp::new(INPUTS).ensemble(members))
                        .dense(2)
                        .linear()
                        .build(3)
                        .unwrap(),
                ),
                TargetEncoding::Values {
                    mean: vec![10.0, -3.0],
                    scale: vec![2.0, 0.5],
                    bounds: Some(vec![[9.5, 10.5], [-3.2, -2.9]]),
                },
            ),
        ];
        for (model, target) in cases {
            let pre = preprocessing(target.clone(), false);
            let p = model.predict_proba(&xt).unwrap().to_vec2::<f32>().unwrap();
            let want: Vec<f32> = match (&target, p[0].len()) {
                (TargetEncoding::Values { .. }, _) => {
                    p.iter().flat_map(|r| pre.target.to_original(r)).collect()
                }
                (_, 1) => p.iter().flat_map(|r| [1.0 - r[0], r[0]]).collect(),
                _ => p.concat(),
            };
            exports_match(&model, &pre, &x, &want);
        }
    }
}

#[test]
fn missing_values_are_imputed_inside_the_graph() {
    let model = Mlp::new(INPUTS + 1).dense(3).softmax().build(4).unwrap();
    let mut pre = preprocessing(
        TargetEncoding::Classes {
            names: vec!["a".into(), "b".into(), "c".into()],
            positive: None,
        },
        true,
    );
    pre.features[0].kind = FeatureKind::Numeric {
        median: 0.25,
        indicator: true,
        edges: Vec::new(),
    };
    let mut model = model;
    model
        .set_input_scaling(Some(InputScaling {
            mean: vec![0.0; INPUTS + 1],
            scale: vec![2.0; INPUTS + 1],
        }))
        .unwrap();
    let mut x = rows();
    x[0] = f32::NAN; // row 0, column x0 missing
                     // deepnet's encoding of the same rows: x0 → [value or median, missing?], then x1..x3.
    let mut encoded = Vec::new();
    for r in 0..ROWS {
        let v = x[r * INPUTS];
        encoded.push(if v.is_nan() { 0.25 } else { v });
        encoded.push(if v.is_nan() { 1.0 } else { 0.0 });
        encoded.extend_from_slice(&x[r * INPUTS + 1..(r + 1) * INPUTS]);
    }
    let want = probabilities(&model, &encoded);
    let bytes = export(&model, &pre, &ExportOptions::default(), &[]).unwrap();
    close(&run_tract(&bytes, &x, false), &want);
}

/// Two columns over quantile bins (x0 over 3, x2 over 4; values below the first edge and above
/// the last), through one input and through one input per column with x0 missing in a row: the
/// graph's bins are deepnet's encoding ([`FeatureColumn::encode_number`]).
#[test]
fn quantile_bins_run_in_tract() {
    for single in [true, false] {
        let mut pre = preprocessing(
            TargetEncoding::Classes {
                names: vec!["a".into(), "b".into(), "c".into()],
                positive: None,
            },
            !single,
        );
        for (j, edges) in [
            (0, vec![-1.0, 0.0, 0.5, 1.5]),
            (2, vec![-2.0, -1.0, 0.0, 1.0, 1.9]),
        ] {
            if let FeatureKind::Numeric { edges: e, .. } = &mut pre.features[j].kind {
                *e = edges;
            }
        }
        let width = pre.width();
        assert_eq!(width, INPUTS + 7 + usize::from(!single));
        let mut model = Mlp::new(width)
            .dense(5)
            .tanh()
            .dense(3)
            .softmax()
            .build(6)
            .unwrap();
        model
            .set_input_scaling(Some(InputScaling {
                mean: (0..width).map(|i| i as f32 * 0.05).collect(),
                scale: vec![0.7; width],
            }))
            .unwrap();
        let mut x = rows();
        if !single {
            x[INPUTS] = f32::NAN; // row 1, column x0 missing
        }
        let mut encoded = Vec::new();
        for r in 0..ROWS {
            for (j, f) in pre.features.iter().enumerate() {
                let v = x[r * INPUTS + j];
                let mut out = vec![0.0; f.width()];
                f.encode_number((!v.is_nan()).then_some(v as f64), &mut out);
                encoded.extend(out);
            }
        }
        let want = probabilities(&model, &encoded);
        let options = ExportOptions {
            single_input: single,
        };
        let bytes = export(&model, &pre, &options, &[]).unwrap();
        close(&run_tract(&bytes, &x, single), &want);
    }
}

#[test]
fn string_categories_run_in_tract() {
    string_categories(false);
}

/// The same column as one index input for an embedding layer (unseen `green` one past the last
/// index, embedded as zeros), in an ensemble of two, with an input scaling that must leave the
/// index alone.
#[test]
fn embedded_categories_run_in_tract() {
    string_categories(true);
}

fn string_categories(embedded: bool) {
    let pre = Preprocessing {
        format: FORMAT,
        na_values: vec!["NA".into()],
        missing: MissingPolicy::Impute,
        features: vec![
            FeatureColumn {
                name: "colour".into(),
                kind: FeatureKind::Categorical {
                    categories: vec!["blue".into(), "red".into()],
                    missing_category: true,
                    embedded,
                },
            },
            FeatureColumn {
                name: "x".into(),
                kind: FeatureKind::Numeric {
                    median: 1.0,
                    indicator: false,
                    edges: Vec::new(),
                },
            },
        ],
        ignored: Vec::new(),
        dropped: Vec::new(),
        targets: vec!["y".into()],
        target: TargetEncoding::Classes {
            names: vec!["a".into(), "b".into()],
            positive: None,
        },
    };
    let width = if embedded { 2 } else { 4 };
    let mut model = if embedded {
        Mlp::new(2).ensemble(2).embedding(3, &[(0, 3)])
    } else {
        Mlp::new(4)
    }
    .dense(5)
    .tanh()
    .dense(2)
    .softmax()
    .build(5)
    .unwrap();
    model
        .set_input_scaling(Some(InputScaling {
            mean: vec![0.5; width],
            scale: vec![2.0; width],
        }))
        .unwrap();
    let colours = ["red", "blue", "green", "", "NA"];
    let xs = [0.5f32, -1.0, 2.0, f32::NAN, 0.0];
    // deepnet's encoding: [blue, red, missing, x], or embedded [index, x]
    let mut encoded = Vec::new();
    for (c, &x) in colours.iter().zip(&xs) {
        let missing = c.is_empty() || *c == "NA";
        let x = if x.is_nan() { 1.0 } else { x };
        if embedded {
            let index = match *c {
                "blue" => 0.0,
                "red" => 1.0,
                _ if missing => 2.0,
                _ => 3.0,
            };
            encoded.extend([index, x]);
        } else {
            encoded.extend([
                f32::from(*c == "blue"),
                f32::from(*c == "red"),
                f32::from(missing),
                x,
            ]);
        }
    }
    let xt = Tensor::from_slice(&encoded, (5, width), &deepnet_core::Device::Cpu).unwrap();
    let want = model
        .predict_proba(&xt)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap()
        .concat();
    let bytes = export(&model, &pre, &ExportOptions::default(), &[]).unwrap();
    let runnable = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let colour: Vec<String> = colours.iter().map(|s| s.to_string()).collect();
    let inputs: TVec<TValue> = tvec!(
        tract_ndarray::Array2::from_shape_vec((5, 1), colour)
            .unwrap()
            .into_tensor()
            .into(),
        tract_ndarray::Array2::from_shape_vec((5, 1), xs.to_vec())
            .unwrap()
            .into_tensor()
            .into()
    );
    let out = runnable.run(inputs).unwrap();
    let got: Vec<f32> = out[0]
        .to_array_view::<f32>()
        .unwrap()
        .iter()
        .copied()
        .collect();
    close(&got, &want);
}

#[test]
fn periodic_embeddings_run_in_tract() {
    let x = rows();
    let dev = deepnet_core::Device::Cpu;
    let xt = Tensor::from_slice(&x, (ROWS, INPUTS), &dev).unwrap();
    for members in [1, 3] {
        let model = scaled(
            Mlp::new(INPUTS)
                .ensemble(members)
                .periodic(4, 3, 0.5)
                .dense(8)
                .relu()
                .dense(3)
                .softmax()
                .build(5)
                .unwrap(),
        );
        let target = TargetEncoding::Classes {
            names: vec!["a".into(), "b".into(), "c".into()],
            positive: None,
        };
        let pre = preprocessing(target, false);
        let want = model.predict_proba(&xt).unwrap().to_vec2::<f32>().unwrap();
        exports_match(&model, &pre, &x, &want.concat());
    }
}
