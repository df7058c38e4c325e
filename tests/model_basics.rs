//! Seeded initialisation, the symmetry problem, specs and clear errors for bad input.

use candle_core::{Device, Tensor};
use deepnet::{
    Error, ModelSpec, Optimizer, OptimizerConfig, OptimizerKind, Recipe, Rng, Sequential,
    TrainData, Trainer,
};

fn weights_bytes(model: &Sequential) -> Vec<u8> {
    let mut out = Vec::new();
    for (_, t) in model.parameters() {
        for v in t.flatten_all().unwrap().to_vec1::<f32>().unwrap() {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

const MLP: &str = r#"{"inputs": 30, "output": "sigmoid", "init": "xavier_uniform", "layers": [
    {"type": "dense", "units": 16, "init": "he_normal"}, {"type": "relu"},
    {"type": "dense", "units": 1}]}"#;

#[test]
fn same_seed_gives_identical_weights_and_different_seeds_differ() {
    let spec = ModelSpec::from_json(MLP).unwrap();
    let a = weights_bytes(&Sequential::from_spec(&spec, 42).unwrap());
    let b = weights_bytes(&Sequential::from_spec(&spec, 42).unwrap());
    let c = weights_bytes(&Sequential::from_spec(&spec, 43).unwrap());
    assert_eq!(a.len(), (30 * 16 + 16 + 16 + 1) * 4);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

fn xor_data() -> (Tensor, Tensor) {
    let mut rng = Rng::new(9);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..64 {
        let (a, b) = (rng.uniform(-1.0, 1.0) as f32, rng.uniform(-1.0, 1.0) as f32);
        x.extend([a, b]);
        y.push(f32::from((a > 0.0) != (b > 0.0)));
    }
    (
        Tensor::from_vec(x, (64, 2), &Device::Cpu).unwrap(),
        Tensor::from_vec(y, (64, 1), &Device::Cpu).unwrap(),
    )
}

/// Rows of the hidden layer's weight matrix after 200 steps of gradient descent.
fn hidden_rows_after_training(init: &str) -> Vec<Vec<f32>> {
    let spec = ModelSpec::from_json(&format!(
        r#"{{"inputs": 2, "output": "sigmoid", "init": "{init}", "layers": [
            {{"type": "dense", "units": 8}}, {{"type": "tanh"}}, {{"type": "dense", "units": 1}}]}}"#
    ))
    .unwrap();
    let mut model = Sequential::from_spec(&spec, 1).unwrap();
    let (x, y) = xor_data();
    // 200 full-batch gradient-descent steps through the trainer.
    let config = Recipe {
        optimizer: OptimizerKind::Sgd,
        lr: Some(0.5),
        batch_size: None,
        epochs: 200,
        shuffle: false,
        ..Recipe::default()
    };
    let data = TrainData::new(x, y).unwrap();
    Trainer::new(config)
        .unwrap()
        .fit(&mut model, &data, None)
        .unwrap();
    model.parameters()[0].1.to_vec2::<f32>().unwrap()
}

#[test]
fn zero_initialised_hidden_layer_stays_symmetric_random_init_breaks_it() {
    let spec = ModelSpec::from_json(
        r#"{"inputs": 2, "output": "sigmoid", "init": "zeros", "layers": [
            {"type": "dense", "units": 8}, {"type": "tanh"}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    let warnings = spec.warnings();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("layers[0] (dense) is a hidden layer initialised with Zeros"));

    let rows = hidden_rows_after_training("zeros");
    assert!(
        rows.iter().all(|r| r == &rows[0]),
        "units diverged: {rows:?}"
    );
    let rows = hidden_rows_after_training("xavier_uniform");
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            assert_ne!(rows[i], rows[j], "units {i} and {j} identical");
        }
    }
    // Logistic regression (no hidden layer) is fine at zero.
    let lr = ModelSpec::from_json(
        r#"{"inputs": 2, "output": "sigmoid", "init": "zeros", "layers": [{"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    assert!(lr.warnings().is_empty());
}

fn spec_error(json: &str) -> String {
    match ModelSpec::from_json(json) {
        Err(e @ Error::Spec(_)) => e.to_string(),
        other => panic!("expected a spec error, got {other:?}"),
    }
}

#[test]
fn bad_specs_name_the_offending_entry() {
    assert_eq!(
        spec_error(
            r#"{"inputs": 3, "output": "sigmoid", "layers": [{"type": "dense", "units": 0}]}"#
        ),
        "spec: layers[0] (dense): `units` must be at least 1"
    );
    assert_eq!(
        spec_error(r#"{"inputs": 3, "output": "sigmoid", "layers": [{"type": "dense", "units": 4}]}"#),
        "spec: layers[0] (dense): output `sigmoid` needs 1 unit in the last layer, found 4 (use `softmax` for 4 classes)"
    );
    assert_eq!(
        spec_error(r#"{"inputs": 3, "output": "softmax", "layers": [{"type": "dense", "units": 4}, {"type": "relu"}]}"#),
        "spec: layers[1] (relu): the last layer must be dense; the output non-linearity belongs in `output`"
    );
    assert_eq!(
        spec_error(r#"{"inputs": 3, "output": "linear", "layers": []}"#),
        "spec: `layers` is empty; add at least one dense layer"
    );
    assert_eq!(
        spec_error(
            r#"{"inputs": 10000000, "output": "linear", "layers": [{"type": "dense", "units": 10000000}]}"#
        ),
        "spec: the network has 100000010000000 parameters, more than the limit of 1000000000 (set DEEPNET_MAX_PARAMETERS to change it)"
    );
    let unknown_type =
        spec_error(r#"{"inputs": 3, "output": "linear", "layers": [{"type": "conv"}]}"#);
    assert!(
        unknown_type.starts_with("spec: unknown variant `conv`, expected one of `dense`"),
        "{unknown_type}"
    );
    let unknown_key = spec_error(
        r#"{"inputs": 3, "output": "linear", "layers": [{"type": "dense", "units": 2, "activation": "relu"}]}"#,
    );
    assert!(
        unknown_key.starts_with("spec: unknown field `activation`"),
        "{unknown_key}"
    );
    let malformed = spec_error(r#"{"inputs": 3, "#);
    assert!(malformed.contains("line 1 column"), "{malformed}");
    let bad_output =
        spec_error(r#"{"inputs": 3, "output": "relu", "layers": [{"type": "dense", "units": 1}]}"#);
    assert!(
        bad_output.starts_with(
            "spec: unknown variant `relu`, expected one of `sigmoid`, `softmax`, `linear`"
        ),
        "{bad_output}"
    );
}

#[test]
fn shape_mismatches_and_training_on_empty_data_are_errors() {
    let model = Sequential::from_spec(&ModelSpec::from_json(MLP).unwrap(), 0).unwrap();
    let x = Tensor::zeros((4, 29), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        model.logits(&x).unwrap_err().to_string(),
        "shape mismatch: the input has 29 features but the model expects 30"
    );
    let x = Tensor::zeros((0, 30), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        model.logits(&x).unwrap_err().to_string(),
        "empty data: the input has no rows"
    );
    let x = Tensor::zeros((4, 30), candle_core::DType::F32, &Device::Cpu).unwrap();
    let y = Tensor::zeros((3, 1), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        model
            .gradients(&x, &y, &mut Rng::new(0))
            .unwrap_err()
            .to_string(),
        "shape mismatch: output `sigmoid` with 1 unit needs targets [4, 1] 0/1 labels, got [3, 1]"
    );
    let bad = deepnet::data::Dataset::new(
        "t",
        vec![],
        vec!["a".into()],
        deepnet::data::Labels::Values {
            values: vec![],
            names: vec!["y".into()],
        },
    );
    // Tensors of the wrong rank, built by hand past TrainData::new, are errors too.
    let scalar = Tensor::new(1f32, &Device::Cpu).unwrap();
    assert_eq!(
        model.logits(&scalar).unwrap_err().to_string(),
        "shape mismatch: the input must be [rows, 30], got []"
    );
    assert_eq!(
        deepnet::evaluate(&model, &scalar, &scalar)
            .unwrap_err()
            .to_string(),
        "shape mismatch: the evaluation data must be [rows, 30], got []"
    );
    let by_hand = TrainData {
        x: scalar.clone(),
        y: scalar.clone(),
    };
    let mut m = model.clone();
    assert_eq!(
        Trainer::new(Recipe::default())
            .unwrap()
            .fit(&mut m, &by_hand, None)
            .unwrap_err()
            .to_string(),
        "shape mismatch: the training data must be [rows, 30], got []"
    );
    // A dataset may be empty (a filter that matched nothing), but it cannot be trained on.
    let empty = bad.unwrap();
    assert!(empty.is_empty());
    assert_eq!(
        empty
            .train_data(deepnet::Output::Linear, &Device::Cpu)
            .unwrap_err()
            .to_string(),
        "empty data: the training data has no rows"
    );
    assert_eq!(
        Optimizer::new(OptimizerConfig::sgd(-1.0))
            .unwrap_err()
            .to_string(),
        "invalid argument: optimizer `lr` must be positive and finite, got -1"
    );
}

#[test]
fn summary_lists_layers_and_parameter_counts() {
    let model = Sequential::from_spec(&ModelSpec::from_json(MLP).unwrap(), 0).unwrap();
    let s = model.summary();
    assert!(
        s.contains("0    dense        [-, 16]               496"),
        "{s}"
    );
    assert!(s.contains("total parameters: 513"), "{s}");
}

#[test]
fn non_finite_inputs_are_named_by_row_and_column_in_inference_and_evaluation() {
    let model = Sequential::from_spec(&ModelSpec::from_json(MLP).unwrap(), 0).unwrap();
    // 5000 rows: the bad value sits in the fifth of the 1024-row chunks the engine gathers.
    let mut values = vec![0.5f32; 5000 * 30];
    values[4500 * 30 + 7] = f32::NAN;
    values[4700 * 30 + 2] = f32::INFINITY;
    let x = Tensor::from_vec(values, (5000, 30), &Device::Cpu).unwrap();
    assert_eq!(
        model.predict_proba(&x).unwrap_err().to_string(),
        "invalid argument: the input holds a non-finite value (NaN) at row 4500, column 7"
    );
    let y = Tensor::zeros((5000, 1), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        deepnet::evaluate(&model, &x, &y).unwrap_err().to_string(),
        "invalid argument: the evaluation data holds a non-finite value (NaN) at row 4500, column 7"
    );
    // Finite values that overflow once standardised by the model's input scaling.
    let mut scaled = model.clone();
    let mean = vec![0.0f32; 30];
    let mut scale = vec![1.0f32; 30];
    scale[3] = 1e-30;
    scaled
        .set_input_scaling(Some(deepnet::InputScaling { mean, scale }))
        .unwrap();
    let mut big = vec![0.5f32; 4 * 30];
    big[2 * 30 + 3] = 1e20;
    let x = Tensor::from_vec(big, (4, 30), &Device::Cpu).unwrap();
    assert_eq!(
        scaled.predict_proba(&x).unwrap_err().to_string(),
        "invalid argument: the input holds values too large for the model's input scaling (infinite once standardised)"
    );
}

#[test]
fn periodic_embeddings_are_refused_anywhere_but_first_and_with_bad_sizes() {
    let spec = |layers: &str| {
        ModelSpec::from_json(&format!(
            r#"{{"inputs": 2, "output": "linear", "layers": [{layers}, {{"type": "dense", "units": 1}}]}}"#
        ))
        .map(|s| s.parameter_count())
        .map_err(|e| e.to_string())
    };
    // 2 features × 16 frequencies, a shared 4 × 32 map and bias, then dense 8 → 1.
    assert_eq!(spec(r#"{"type": "periodic"}"#), Ok(2 * 16 + 4 * 33 + 8 + 1));
    assert_eq!(
        spec(r#"{"type": "dense", "units": 3}, {"type": "periodic"}"#).unwrap_err(),
        "spec: layers[1] (periodic): a periodic layer embeds the input features, so it must be the first layer"
    );
    assert_eq!(
        spec(r#"{"type": "periodic", "frequencies": 0}"#).unwrap_err(),
        "spec: layers[0] (periodic): `frequencies` and `units` must be at least 1, got 0 and 4"
    );
    assert_eq!(
        spec(r#"{"type": "periodic", "sigma": -1}"#).unwrap_err(),
        "spec: layers[0] (periodic): `sigma` must be positive and finite, got -1"
    );
    // Sizes past any limit are refused by the parameter limit, without overflowing.
    assert!(
        spec(r#"{"type": "periodic", "frequencies": 18446744073709551615}"#)
            .unwrap_err()
            .starts_with(
                "spec: the network has 18446744073709551615 parameters, more than the limit"
            )
    );
    // Shared by the members of an ensemble: counted once.
    let three = ModelSpec::from_json(
        r#"{"inputs": 2, "output": "linear", "ensemble": 3,
            "layers": [{"type": "periodic"}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    assert_eq!(three.parameter_count(), 2 * 16 + 4 * 33 + 3 * 9);
}

#[test]
fn embedding_layers_are_checked_and_refuse_what_is_not_an_index() {
    let spec = |inputs: usize, layers: &str| {
        ModelSpec::from_json(&format!(
            r#"{{"inputs": {inputs}, "output": "linear", "layers": [{layers}, {{"type": "dense", "units": 1}}]}}"#
        ))
        .map(|s| s.parameter_count())
        .map_err(|e| e.to_string())
    };
    // Inputs 0 and 2 of 3 embedded (5 and 7 categories, 8 values each): 12 × 8 table, then
    // dense (1 + 8 + 8 = 17) → 1.
    let cols = r#""columns": [{"input": 0, "categories": 5}, {"input": 2, "categories": 7}]"#;
    assert_eq!(
        spec(3, &format!(r#"{{"type": "embedding", {cols}}}"#)),
        Ok(12 * 8 + 17 + 1)
    );
    let errors = [
        (
            format!(r#"{{"type": "dense", "units": 2}}, {{"type": "embedding", {cols}}}"#),
            "spec: layers[1] (embedding): an embedding layer reads category indices from the input, so it must be the first layer",
        ),
        (
            r#"{"type": "embedding"}"#.to_string(),
            r#"spec: layers[0] (embedding): `columns` is empty; list the inputs that hold category indices as {"input": i, "categories": n} (table training fills them in)"#,
        ),
        (
            r#"{"type": "embedding", "columns": [{"input": 3, "categories": 2}]}"#.to_string(),
            "spec: layers[0] (embedding): columns[0]: input 3 is past the 3 inputs",
        ),
        (
            r#"{"type": "embedding", "columns": [{"input": 2, "categories": 2}, {"input": 1, "categories": 2}]}"#.to_string(),
            "spec: layers[0] (embedding): columns[1]: inputs must be listed once each, in increasing order; 1 follows 2",
        ),
        (
            r#"{"type": "embedding", "columns": [{"input": 0, "categories": 0}]}"#.to_string(),
            "spec: layers[0] (embedding): columns[0]: `categories` must be at least 1",
        ),
        (
            format!(r#"{{"type": "embedding", "units": 0, {cols}}}"#),
            "spec: layers[0] (embedding): `units` must be at least 1",
        ),
        (
            format!(r#"{{"type": "embedding", "min_categories": 1, {cols}}}"#),
            "spec: layers[0] (embedding): `min_categories` must be at least 2, got 1",
        ),
    ];
    for (layers, want) in errors {
        assert_eq!(spec(3, &layers).unwrap_err(), want, "{layers}");
    }
    // Sizes past any limit are refused by the parameter limit, without overflowing.
    for huge in [
        format!(r#"{{"type": "embedding", "units": 18446744073709551615, {cols}}}"#),
        r#"{"type": "embedding", "columns": [{"input": 0, "categories": 18446744073709551615}, {"input": 1, "categories": 18446744073709551615}]}"#.to_string(),
    ] {
        assert!(
            spec(3, &huge)
                .unwrap_err()
                .starts_with("spec: the network has 18446744073709551615 parameters, more than the limit"),
            "{huge}"
        );
    }
    // A spec whose inputs come from the table may leave the columns to it.
    assert!(ModelSpec::from_json_unsized(
        r#"{"output": "linear", "layers": [{"type": "embedding"}, {"type": "dense", "units": 1}]}"#
    )
    .is_ok());

    // Index inputs are not standardised, and anything but 0..=n is refused by name.
    let mut model = deepnet::Mlp::new(2)
        .embedding(2, &[(0, 3)])
        .dense(1)
        .linear()
        .build(1)
        .unwrap();
    model
        .set_input_scaling(Some(deepnet::InputScaling {
            mean: vec![1.0, 1.0],
            scale: vec![2.0, 2.0],
        }))
        .unwrap();
    let s = model.input_scaling().unwrap();
    assert_eq!(
        (s.mean.clone(), s.scale.clone()),
        (vec![0.0, 1.0], vec![1.0, 2.0])
    );
    let x = |v: f32| Tensor::from_slice(&[v, 0.5], (1, 2), &Device::Cpu).unwrap();
    for ok in [0.0, 2.0, 3.0] {
        model.predict_proba(&x(ok)).unwrap();
    }
    // The unseen index embeds as zeros: the output is the dense layer's bias and its input 1's term.
    let zero = model
        .predict_proba(&x(3.0))
        .unwrap()
        .to_vec2::<f32>()
        .unwrap()[0][0];
    let params = model.parameters();
    let w = params[1].1.to_vec2::<f32>().unwrap()[0].clone();
    let b = params[2].1.to_vec1::<f32>().unwrap()[0];
    assert!(
        (zero - (b + w[2] * (0.5 - 1.0) / 2.0)).abs() < 1e-6,
        "{zero}"
    );
    for bad in [4.0, -1.0, 1.5] {
        assert_eq!(
            model.predict_proba(&x(bad)).unwrap_err().to_string(),
            format!("invalid argument: the input: row 0, input 0 holds {bad}, not a category index of its embedding (a whole number from 0 to 3, 3 for an unseen category)")
        );
    }
}
