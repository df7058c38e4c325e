//! A deepnet model and its preprocessing as one ONNX graph that reproduces `deepnet predict` from
//! raw feature values.
//!
//! ```text
//! inputs   one per source column, [N, 1]: float32 for numeric (NaN = missing), string for
//!          categorical (""/NA tokens = missing); or one float32 `input` [N, columns]
//!          (--single-input), Sliced per column when some have quantile bins
//! encode   numeric:      Where(IsNaN(x), median, x) [, Cast(IsNaN(x)) as the missing indicator]
//!                        [, Clip((x − low) · (1 / width), 0, 1) over its quantile bins]
//!          categorical:  Cast(Equal(CategoryMapper(x → 0..k, unseen −1), [0..k])) [, Cast(
//!                        CategoryMapper(x; "" and the NA tokens → 1, else 0))]   (ai.onnx.ml);
//!                        embedded: the index itself, k when missing, unseen one past the last
//!          Concat(axis 1) → Sub(mean) → Div(scale)            (deepnet.input_scaling)
//! network  a first embedding layer as Slice → Cast → Gather (on its table with a zero row for
//!          the unseen index) → Reshape [N, d] per embedded input, Slice for the others, Concat;
//!          a first periodic layer as Unsqueeze → Mul(frequency, 2π) → Sin, Cos → Concat →
//!          MatMul(weightᵀ) → Add(bias) → Relu → Reshape [N, F·d];
//!          Gemm(transB = 1) per dense layer (initializers `0.weight`, `0.bias`, ...) and the
//!          activations (Relu, Tanh, Sigmoid, LeakyRelu, Erf-form GELU; dropout is inference
//!          identity). An ensemble of K members: the first layer's Gemm on the stacked weight,
//!          then per member Slice → Gemm (`2.weight.m0`, ...) → Concat; the members' logits
//!          Reshape [N, K, k] → Softmax/Sigmoid → ReduceMean, and the mean's logits (Log, as
//!          `deepnet_core::ensemble::combine`) go to the outputs below
//! outputs  classifiers: `probabilities` [N, k] (sigmoid models [N, 2]: 1 − p, p) and `label` [N]
//!          (class names); regressors: `prediction` [N, t] = z · scale + mean (targets' units),
//!          Min(Max(·, low), high) within the target bounds when the checkpoint has them
//! ```
//! Default-domain operators at opset 19 and `ai.onnx.ml` 1 (CategoryMapper), which onnxruntime
//! and tract both run.

use deepnet_core::checkpoint::keys;
use deepnet_core::{Activation, LayerSpec, Output, Sequential};
use deepnet_data::table::{FeatureKind, MissingPolicy, Preprocessing, TargetEncoding};
use prost::Message;

use crate::graph::{Attr, Dim, Elem, Graph};
use crate::proto::{ModelProto, OperatorSetIdProto, StringStringEntryProto};
use crate::{ExportError as Error, Result};

/// The default-domain opset the graphs use.
pub const OPSET: i64 = 19;
/// The ONNX-ML operator set (CategoryMapper) and its version.
const ML: &str = "ai.onnx.ml";
const ML_OPSET: i64 = 1;
/// The ONNX IR version written (IR 9 goes with opset 19).
pub const IR_VERSION: i64 = 9;

/// How to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// One float32 input `input` [N, columns] (the feature columns' values in order) instead of
    /// one input per column; only for models whose columns are all numeric with no
    /// missing-value indicator.
    pub single_input: bool,
}

/// The ONNX model of `model` with `pre` (its checkpoint's preprocessing, or the plain numeric
/// one of a model trained on numeric data), serialised. `metadata` adds `metadata_props`.
pub fn export(
    model: &Sequential,
    pre: &Preprocessing,
    options: &ExportOptions,
    metadata: &[(String, String)],
) -> Result<Vec<u8>> {
    let spec = model.spec();
    if pre.width() != spec.inputs {
        return Err(Error::Unsupported(format!(
            "the preprocessing makes {} inputs but the model takes {}",
            pre.width(),
            spec.inputs
        )));
    }
    let mut g = Graph::default();
    let features = if options.single_input {
        single_input(&mut g, pre)?
    } else {
        column_inputs(&mut g, pre)
    };
    let mut a = match model.input_scaling() {
        Some(s) => {
            let mean = g.floats("input_scaling.mean", &[spec.inputs as i64], &s.mean);
            let scale = g.floats("input_scaling.scale", &[spec.inputs as i64], &s.scale);
            let centred = g.op("Sub", &[&features, &mean], &[]);
            g.op("Div", &[&centred, &scale], &[])
        }
        None => features,
    };
    let params = model.parameters();
    let tensor = |name: &str| -> Result<(Vec<i64>, Vec<f32>)> {
        let (_, t) = params
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| Error::Unsupported(format!("the model has no tensor `{name}`")))?;
        let dims = t.dims().iter().map(|&d| d as i64).collect();
        let values = t
            .flatten_all()
            .and_then(|t| t.to_dtype(deepnet_core::DType::F32))
            .and_then(|t| t.to_vec1())
            .map_err(deepnet_core::Error::from)?;
        Ok((dims, values))
    };
    let members = spec.ensemble.max(1);
    let mut first = true;
    for (i, layer) in spec.layers.iter().enumerate() {
        a = match layer {
            LayerSpec::Dense { bias, .. } => {
                let (dims, w) = tensor(&format!("{i}.weight"))?;
                let b = if *bias {
                    Some(tensor(&format!("{i}.bias"))?.1)
                } else {
                    None
                };
                let dense = Stacked {
                    name: format!("{i}"),
                    dims,
                    w,
                    b,
                };
                let out = if first || members == 1 {
                    dense.gemm(&mut g, &a, None)
                } else {
                    dense.per_member(&mut g, &a, members)
                };
                first = false;
                out
            }
            LayerSpec::Periodic { units, .. } => {
                let (cd, c) = tensor(&format!("{i}.frequency"))?;
                let (wd, w) = tensor(&format!("{i}.weight"))?;
                let (bd, b) = tensor(&format!("{i}.bias"))?;
                let names = [
                    g.floats(&format!("{i}.frequency"), &cd, &c),
                    g.floats(&format!("{i}.weight"), &wd, &w),
                    g.floats(&format!("{i}.bias"), &bd, &b),
                ];
                periodic(&mut g, &a, &names, cd[0] * *units as i64)
            }
            LayerSpec::Embedding { units, columns, .. } => {
                let (_, w) = tensor(&format!("{i}.weight"))?;
                embedding(&mut g, &a, i, &w, *units, columns, spec.inputs)
            }
            LayerSpec::Dropout { .. } => a,
            LayerSpec::Activation(act) => activation(&mut g, *act, &a),
        };
    }
    if members > 1 {
        a = combine(&mut g, spec.output, members, spec.output_units(), &a);
    }
    outputs(&mut g, spec.output, spec.output_units(), pre, &a)?;
    let mut props: Vec<StringStringEntryProto> = metadata
        .iter()
        .map(|(k, v)| StringStringEntryProto {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    props.push(StringStringEntryProto {
        key: Some(keys::PREPROCESSING.into()),
        value: Some(pre.to_json()),
    });
    let m = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![
            OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(OPSET),
            },
            OperatorSetIdProto {
                domain: Some(ML.into()),
                version: Some(ML_OPSET),
            },
        ],
        producer_name: Some("deepnet".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(g.build(spec.name.as_deref().unwrap_or("deepnet"))),
        metadata_props: props,
        ..Default::default()
    };
    Ok(m.encode_to_vec())
}

/// A dense layer's tensors: weight `[rows, in]` (every member's units stacked) and bias.
struct Stacked {
    name: String,
    dims: Vec<i64>,
    w: Vec<f32>,
    b: Option<Vec<f32>>,
}

impl Stacked {
    /// Gemm(x, W, b, transB = 1) on rows `rows` of the tensors (all when `None`), as initializers
    /// named `{name}.weight` (or `{name}.weight.m{member}`).
    fn gemm(&self, g: &mut Graph, x: &str, rows: Option<(usize, usize)>) -> String {
        let inputs = self.dims[1] as usize;
        let (start, end) = rows.unwrap_or((0, self.dims[0] as usize));
        let suffix = rows.map_or(String::new(), |(s, e)| format!(".m{}", s / (e - s).max(1)));
        let w = &self.w[start * inputs..end * inputs];
        let dims = [(end - start) as i64, inputs as i64];
        let w = g.floats(&format!("{}.weight{suffix}", self.name), &dims, w);
        let mut ins = vec![x.to_string(), w];
        if let Some(b) = &self.b {
            let name = format!("{}.bias{suffix}", self.name);
            ins.push(g.floats(&name, &[(end - start) as i64], &b[start..end]));
        }
        let ins: Vec<&str> = ins.iter().map(String::as_str).collect();
        g.op("Gemm", &ins, &[("transB", Attr::Int(1))])
    }

    /// Every member's Gemm on its own block of `x`, concatenated.
    fn per_member(&self, g: &mut Graph, x: &str, members: usize) -> String {
        let units = self.dims[0] as usize / members;
        let inputs = self.dims[1];
        let axes = g.ints("axes", &[1], &[1]);
        let mut parts = Vec::new();
        for m in 0..members {
            let start = g.ints("start", &[1], &[m as i64 * inputs]);
            let end = g.ints("end", &[1], &[(m as i64 + 1) * inputs]);
            let xm = g.op("Slice", &[x, &start, &end, &axes], &[]);
            parts.push(self.gemm(g, &xm, Some((m * units, (m + 1) * units))));
        }
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        g.op("Concat", &parts, &[("axis", Attr::Int(1))])
    }
}

/// The ensemble's logits [N, k] from the members' `z` [N, K·k], as
/// `deepnet_core::ensemble::combine` computes them: log of the mean softmax; log p̄ − log q̄ of
/// the mean sigmoid and the mean sigmoid of −z; the mean value.
fn combine(g: &mut Graph, output: Output, members: usize, k: usize, z: &str) -> String {
    let shape = g.ints("shape", &[3], &[0, members as i64, k as i64]);
    let z = g.op("Reshape", &[z, &shape], &[]);
    let axes = g.ints("members", &[1], &[1]);
    let mean =
        |g: &mut Graph, x: &str| g.op("ReduceMean", &[x, &axes], &[("keepdims", Attr::Int(0))]);
    let floor = g.floats_fresh("min_probability", &[], &[1e-30]);
    let log = |g: &mut Graph, p: &str| {
        let p = g.op("Max", &[p, &floor], &[]);
        g.op("Log", &[&p], &[])
    };
    match output {
        Output::Linear => mean(g, &z),
        Output::Softmax => {
            let p = g.op("Softmax", &[&z], &[("axis", Attr::Int(2))]);
            let p = mean(g, &p);
            log(g, &p)
        }
        Output::Sigmoid => {
            let p = g.op("Sigmoid", &[&z], &[]);
            let neg = g.op("Neg", &[&z], &[]);
            let q = g.op("Sigmoid", &[&neg], &[]);
            let (p, q) = (mean(g, &p), mean(g, &q));
            let (lp, lq) = (log(g, &p), log(g, &q));
            g.op("Sub", &[&lp, &lq], &[])
        }
    }
}

/// One float32 input `input` [N, F] holding the columns' values: the encoded values themselves,
/// or, when some columns have quantile bins, each column Sliced out and followed by its bins.
fn single_input(g: &mut Graph, pre: &Preprocessing) -> Result<String> {
    if let Some(f) = pre.features.iter().find(|f| {
        !matches!(
            f.kind,
            FeatureKind::Numeric {
                indicator: false,
                ..
            }
        )
    }) {
        return Err(Error::Unsupported(format!(
            "--single-input needs numeric columns without missing indicators, but column `{}` is categorical or has one; export one input per column instead",
            f.name
        )));
    }
    let columns = pre.features.len() as i64;
    g.input("input", Elem::Float, &[Dim::Rows, Dim::Fixed(columns)]);
    if pre.features.iter().all(|f| f.bin_count().is_none()) {
        return Ok("input".into());
    }
    let axes = g.ints("axes", &[1], &[1]);
    let mut parts = Vec::new();
    for (j, f) in pre.features.iter().enumerate() {
        let start = g.ints("start", &[1], &[j as i64]);
        let end = g.ints("end", &[1], &[j as i64 + 1]);
        let x = g.op("Slice", &["input", &start, &end, &axes], &[]);
        parts.push(x.clone());
        if let FeatureKind::Numeric { edges, .. } = &f.kind {
            parts.extend(bins(g, &x, edges));
        }
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Ok(g.op("Concat", &parts, &[("axis", Attr::Int(1))]))
}

/// The quantile bins ([`deepnet_data::table::bins`]) of `x` [N, 1] over `edges`, as one
/// [N, T] part: Clip((x − low) · (1 / width), 0, 1). None without edges.
fn bins(g: &mut Graph, x: &str, edges: &[f64]) -> Option<String> {
    let t = edges.len().checked_sub(1).filter(|&t| t > 0)?;
    let low: Vec<f32> = edges[..t].iter().map(|&e| e as f32).collect();
    // The widths in f64, as the encoding divides by them.
    let inv: Vec<f32> = edges
        .windows(2)
        .map(|w| (1.0 / (w[1] - w[0])) as f32)
        .collect();
    let dims = [1, t as i64];
    let low = g.floats_fresh("bins.low", &dims, &low);
    let inv = g.floats_fresh("bins.inv_width", &dims, &inv);
    let zero = g.floats_fresh("bins.zero", &[], &[0.0]);
    let one = g.floats_fresh("bins.one", &[], &[1.0]);
    let shifted = g.op("Sub", &[x, &low], &[]);
    let scaled = g.op("Mul", &[&shifted, &inv], &[]);
    Some(g.op("Clip", &[&scaled, &zero, &one], &[]))
}

/// One input per source column, encoded and concatenated.
fn column_inputs(g: &mut Graph, pre: &Preprocessing) -> String {
    let mut parts = Vec::new();
    for f in &pre.features {
        match &f.kind {
            FeatureKind::Numeric {
                median,
                indicator,
                edges,
            } => {
                g.input(&f.name, Elem::Float, &[Dim::Rows, Dim::Fixed(1)]);
                if pre.missing == MissingPolicy::Error && !indicator {
                    parts.push(f.name.clone());
                    parts.extend(bins(g, &f.name, edges));
                    continue;
                }
                let nan = g.op("IsNaN", &[&f.name], &[]);
                let m = g.floats_fresh("median", &[1], &[*median as f32]);
                let x = g.op("Where", &[&nan, &m, &f.name], &[]);
                parts.push(x.clone());
                if *indicator {
                    parts.push(g.op("Cast", &[&nan], &[("to", Attr::Int(1))]));
                }
                parts.extend(bins(g, &x, edges));
            }
            FeatureKind::Categorical {
                categories,
                missing_category,
                embedded,
            } => {
                g.input(&f.name, Elem::String, &[Dim::Rows, Dim::Fixed(1)]);
                // The category's index (−1 when unseen), then one-hot against 0..k.
                let k = categories.len() as i64;
                let index = g.op_in(
                    ML,
                    "CategoryMapper",
                    &[&f.name],
                    &[
                        ("cats_strings", Attr::Strings(categories.clone())),
                        ("cats_int64s", Attr::Ints((0..k).collect())),
                        ("default_int64", Attr::Int(-1)),
                    ],
                );
                let missing = missing_category.then(|| {
                    let mut tokens = vec![String::new()];
                    tokens.extend(pre.na_values.iter().filter(|t| !t.is_empty()).cloned());
                    let n = tokens.len();
                    let hit = g.op_in(
                        ML,
                        "CategoryMapper",
                        &[&f.name],
                        &[
                            ("cats_strings", Attr::Strings(tokens)),
                            ("cats_int64s", Attr::Ints(vec![1; n])),
                            ("default_int64", Attr::Int(0)),
                        ],
                    );
                    g.op("Cast", &[&hit], &[("to", Attr::Int(1))])
                });
                if *embedded {
                    // One index input: a missing cell's is k, an unseen category's k (+ 1 with
                    // a missing category), as `FeatureColumn::encode` writes them.
                    let n = k + i64::from(*missing_category);
                    let mut index = index;
                    if let Some(hit) = &missing {
                        let is = g.op("Cast", &[hit], &[("to", Attr::Int(9))]);
                        let kk = g.ints("k", &[], &[k]);
                        index = g.op("Where", &[&is, &kk, &index], &[]);
                    }
                    let zero = g.ints("zero", &[], &[0]);
                    let below = g.op("Less", &[&index, &zero], &[]);
                    let nn = g.ints("unseen", &[], &[n]);
                    let index = g.op("Where", &[&below, &nn, &index], &[]);
                    parts.push(g.op("Cast", &[&index], &[("to", Attr::Int(1))]));
                    continue;
                }
                let range = g.ints("range", &[1, k], &(0..k).collect::<Vec<_>>());
                let eq = g.op("Equal", &[&index, &range], &[]);
                parts.push(g.op("Cast", &[&eq], &[("to", Attr::Int(1))]));
                parts.extend(missing);
            }
        }
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    g.op("Concat", &parts, &[("axis", Attr::Int(1))])
}

/// Periodic embeddings ([`deepnet_core::periodic`]) of `x` [N, F] with the initializers
/// `[frequency, weight, bias]`: Relu(MatMul([Sin(u), Cos(u)], Wᵀ) + b) with u = x·c·2π, per
/// feature ([N, F, ·]), then Reshape to [N, `width`].
fn periodic(g: &mut Graph, x: &str, p: &[String; 3], width: i64) -> String {
    let axes = g.ints("axes", &[1], &[2]);
    let x3 = g.op("Unsqueeze", &[x, &axes], &[]);
    let xc = g.op("Mul", &[&x3, &p[0]], &[]);
    let tau = g.floats_fresh("tau", &[], &[std::f32::consts::TAU]);
    let u = g.op("Mul", &[&xc, &tau], &[]);
    let sin = g.op("Sin", &[&u], &[]);
    let cos = g.op("Cos", &[&u], &[]);
    let v = g.op("Concat", &[&sin, &cos], &[("axis", Attr::Int(2))]);
    let wt = g.op("Transpose", &[&p[1]], &[("perm", Attr::Ints(vec![1, 0]))]);
    let z = g.op("MatMul", &[&v, &wt], &[]);
    let z = g.op("Add", &[&z, &p[2]], &[]);
    let y = g.op("Relu", &[&z], &[]);
    let shape = g.ints("shape", &[2], &[0, width]);
    g.op("Reshape", &[&y, &shape], &[])
}

/// Embeddings ([`deepnet_core::embedding`]) of the index inputs `columns` of `x` [N, F], the
/// stacked tables `w` ([Σn, d]) of layer `layer`: plain inputs as Slice, each embedded one as
/// Cast(int64) → Gather on its table with a row of zeros appended (`{layer}.weight.c{input}`
/// [n + 1, d], the unseen index n) → Reshape [N, d]; all concatenated in input order.
fn embedding(
    g: &mut Graph,
    x: &str,
    layer: usize,
    w: &[f32],
    d: usize,
    columns: &[deepnet_core::EmbeddedColumn],
    inputs: usize,
) -> String {
    let axes = g.ints("axes", &[1], &[1]);
    let slice = |g: &mut Graph, from: usize, to: usize| {
        let start = g.ints("start", &[1], &[from as i64]);
        let end = g.ints("end", &[1], &[to as i64]);
        g.op("Slice", &[x, &start, &end, &axes], &[])
    };
    let (mut parts, mut at, mut offset) = (Vec::new(), 0, 0);
    for c in columns {
        if c.input > at {
            parts.push(slice(g, at, c.input));
        }
        let mut table = w[offset * d..(offset + c.categories) * d].to_vec();
        table.extend(std::iter::repeat_n(0.0, d));
        let name = format!("{layer}.weight.c{}", c.input);
        let table = g.floats(&name, &[c.categories as i64 + 1, d as i64], &table);
        let column = slice(g, c.input, c.input + 1);
        let index = g.op("Cast", &[&column], &[("to", Attr::Int(7))]);
        let rows = g.op("Gather", &[&table, &index], &[("axis", Attr::Int(0))]);
        let shape = g.ints("shape", &[2], &[0, d as i64]);
        parts.push(g.op("Reshape", &[&rows, &shape], &[]));
        (at, offset) = (c.input + 1, offset + c.categories);
    }
    if at < inputs {
        parts.push(slice(g, at, inputs));
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    g.op("Concat", &parts, &[("axis", Attr::Int(1))])
}

/// An activation as ONNX operators (GELU in its exact erf form, as deepnet computes it).
fn activation(g: &mut Graph, act: Activation, x: &str) -> String {
    match act {
        Activation::Sigmoid => g.op("Sigmoid", &[x], &[]),
        Activation::Tanh => g.op("Tanh", &[x], &[]),
        Activation::Relu => g.op("Relu", &[x], &[]),
        Activation::LeakyRelu { slope } => {
            g.op("LeakyRelu", &[x], &[("alpha", Attr::Float(slope as f32))])
        }
        Activation::Identity => g.op("Identity", &[x], &[]),
        Activation::Gelu => {
            // z·(1 + erf(z/√2))/2
            let inv_sqrt2 = g.floats_fresh("inv_sqrt2", &[], &[std::f32::consts::FRAC_1_SQRT_2]);
            let half = g.floats_fresh("half", &[], &[0.5]);
            let one = g.floats_fresh("one", &[], &[1.0]);
            let s = g.op("Mul", &[x, &inv_sqrt2], &[]);
            let e = g.op("Erf", &[&s], &[]);
            let p = g.op("Add", &[&e, &one], &[]);
            let h = g.op("Mul", &[x, &half], &[]);
            g.op("Mul", &[&h, &p], &[])
        }
    }
}

/// The named outputs from the logits `z`.
fn outputs(
    g: &mut Graph,
    output: Output,
    units: usize,
    pre: &Preprocessing,
    z: &str,
) -> Result<()> {
    match (output, &pre.target) {
        (
            Output::Linear,
            TargetEncoding::Values {
                mean,
                scale,
                bounds,
            },
        ) => {
            let t = mean.len() as i64;
            let s: Vec<f32> = scale.iter().map(|&v| v as f32).collect();
            let m: Vec<f32> = mean.iter().map(|&v| v as f32).collect();
            let s = g.floats("target.scale", &[t], &s);
            let m = g.floats("target.mean", &[t], &m);
            let scaled = g.op("Mul", &[z, &s], &[]);
            match bounds {
                Some(b) => {
                    // Kept within the bounds: Min(Max(y, low), high), per target.
                    let y = g.op("Add", &[&scaled, &m], &[]);
                    let low: Vec<f32> = b.iter().map(|r| r[0] as f32).collect();
                    let high: Vec<f32> = b.iter().map(|r| r[1] as f32).collect();
                    let low = g.floats("target.low", &[t], &low);
                    let high = g.floats("target.high", &[t], &high);
                    let above = g.op("Max", &[&y, &low], &[]);
                    g.node("Min", &[&above, &high], "prediction", &[]);
                }
                None => {
                    g.node("Add", &[&scaled, &m], "prediction", &[]);
                }
            }
            g.output("prediction", Elem::Float, &[Dim::Rows, Dim::Fixed(t)]);
        }
        (Output::Sigmoid | Output::Softmax, TargetEncoding::Classes { names, .. }) => {
            // The probabilities, and the index of the predicted class as deepnet decides it.
            let (index, k) = if output == Output::Sigmoid {
                let p = g.op("Sigmoid", &[z], &[]);
                let one = g.floats_fresh("one", &[], &[1.0]);
                let q = g.op("Sub", &[&one, &p], &[]);
                g.node(
                    "Concat",
                    &[&q, &p],
                    "probabilities",
                    &[("axis", Attr::Int(1))],
                );
                // class 1 when z > 0 (σ(z) > 0.5)
                let zero = g.floats_fresh("zero", &[], &[0.0]);
                let positive = g.op("Greater", &[z, &zero], &[]);
                let index = g.op("Cast", &[&positive], &[("to", Attr::Int(7))]);
                let axes = g.ints("axes", &[1], &[1]);
                (g.op("Squeeze", &[&index, &axes], &[]), 2)
            } else {
                g.node("Softmax", &[z], "probabilities", &[("axis", Attr::Int(1))]);
                let index = g.op(
                    "ArgMax",
                    &[z],
                    &[("axis", Attr::Int(1)), ("keepdims", Attr::Int(0))],
                );
                (index, units as i64)
            };
            let names = g.strings("classes", &[names.len() as i64], names);
            g.node(
                "Gather",
                &[&names, &index],
                "label",
                &[("axis", Attr::Int(0))],
            );
            g.output("probabilities", Elem::Float, &[Dim::Rows, Dim::Fixed(k)]);
            g.output("label", Elem::String, &[Dim::Rows]);
        }
        _ => {
            return Err(Error::Unsupported(format!(
                "output `{}` does not match the preprocessing's target",
                output.name()
            )))
        }
    }
    Ok(())
}
