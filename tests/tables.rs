//! The preprocessing rules of `deepnet::data::table`, one test each, with the numbers they must
//! give: column kinds, medians and missing indicators, one-hot vocabularies and unseen
//! categories, NA tokens, delimiters, CRLF line numbers, float class labels, the positive class,
//! several targets, class weights in the loss, and save → load → identical predictions from raw
//! rows.

use std::collections::BTreeMap;

use deepnet::checkpoint::{load_model_with_metadata, save_model};
use deepnet::data::table::{
    target_rows, Dialect, EncodeReport, FeatureKind, MissingPolicy, PositiveRule, Preprocessing,
    RawTable, TableOptions, TargetEncoding, Task,
};
use deepnet::data::{split_indices, Labels};
use deepnet::{
    ClassWeight, DType, Device, InputScaling, Mlp, OptimizerKind, Recipe, Tensor, TrainData,
    Trainer,
};

fn table(text: &str) -> RawTable {
    RawTable::parse(text.as_bytes(), "t.csv", &Dialect::default()).unwrap()
}

fn fit(t: &RawTable, o: &TableOptions) -> Preprocessing {
    let (rows, _) = target_rows(t, o).unwrap();
    Preprocessing::fit(t, o, &rows).unwrap().preprocessing
}

fn classes() -> TableOptions {
    TableOptions::new(Task::Classification)
}

#[test]
fn kinds_are_inferred_and_integer_codes_can_be_forced_categorical() {
    let t = table("n,code,s,y\n1.5,3,red,a\n2.5,1,blue,b\n-1,3,red,a\n");
    let p = fit(&t, &classes());
    let kinds: Vec<&FeatureKind> = p.features.iter().map(|f| &f.kind).collect();
    assert!(
        matches!(kinds[0], FeatureKind::Numeric { median, indicator: false, .. } if *median == 1.5)
    );
    assert!(matches!(kinds[1], FeatureKind::Numeric { median, .. } if *median == 3.0));
    assert_eq!(
        kinds[2],
        &FeatureKind::Categorical {
            categories: vec!["blue".into(), "red".into()],
            missing_category: false,
            embedded: false
        }
    );
    let mut o = classes();
    o.categorical = vec!["code".into()];
    let p = fit(&t, &o);
    assert_eq!(
        p.input_names(),
        ["n", "code=1", "code=3", "s=blue", "s=red"]
    );
    let (ds, _) = p.dataset(&t, None).unwrap();
    assert_eq!(
        ds.features,
        [1.5, 0., 1., 0., 1., 2.5, 1., 0., 1., 0., -1., 0., 1., 0., 1.]
    );
}

#[test]
fn missing_cells_get_the_median_and_an_indicator_or_a_category_of_their_own() {
    // Every default NA token is missing; `x` has missing cells, `z` none.
    let t = table("x,c,z,y\n1,a,5,p\nNA,,6,q\n3,N/A,7,p\n?,b,8,q\nnull,a,9,p\n10,NULL,1,q\nnan,b,2,p\nNaN,a,3,q\n");
    let p = fit(&t, &classes());
    assert_eq!(
        p.input_names(),
        ["x", "x.missing", "c=a", "c=b", "c=<missing>", "z"]
    );
    // median of 1, 3, 10 is 3
    assert!(
        matches!(p.features[0].kind, FeatureKind::Numeric { median, indicator: true, .. } if median == 3.0)
    );
    let (ds, _) = p.dataset(&t, None).unwrap();
    let row = |i: usize| ds.features[i * 6..(i + 1) * 6].to_vec();
    assert_eq!(row(0), [1., 0., 1., 0., 0., 5.]);
    assert_eq!(row(1), [3., 1., 0., 0., 1., 6.]);
    // A missing cell in `z`, which had none in training: the median, no indicator.
    let new = table("x,c,z\n1,a,\n");
    let x = p.encode(&new, &[0], &mut EncodeReport::default()).unwrap();
    assert_eq!(x, [1., 0., 1., 0., 0., 5.5]);
    // --na-values replaces the tokens: `?` becomes a category; `-` is missing.
    let custom = Dialect {
        delimiter: None,
        na_values: vec!["-".into()],
    };
    let t = RawTable::parse("c,y\n?,p\n-,q\nx,p\n".as_bytes(), "t.csv", &custom).unwrap();
    let mut o = classes();
    o.dialect = custom;
    assert_eq!(fit(&t, &o).input_names(), ["c=?", "c=x", "c=<missing>"]);
}

#[test]
fn missing_policy_error_names_the_line_and_missing_targets_are_skipped() {
    let t = table("x,y\n1,a\n2,\n,b\n4,a\n");
    let (rows, labels) = target_rows(&t, &classes()).unwrap();
    assert_eq!(rows, [0, 2, 3]);
    assert_eq!(
        labels,
        Labels::Classes {
            ids: vec![0, 1, 0],
            names: vec!["a".into(), "b".into()]
        }
    );
    let p = fit(&t, &classes());
    let (ds, report) = p.dataset(&t, None).unwrap();
    assert_eq!((ds.len(), report.skipped_rows), (3, 1));
    let mut strict = classes();
    strict.missing = MissingPolicy::Error;
    let e = target_rows(&t, &strict).unwrap_err().to_string();
    assert_eq!(
        e,
        "t.csv:3: column `y`: missing cell; this model refuses missing values (--missing error)"
    );
}

#[test]
fn unseen_categories_encode_as_zeros_and_are_counted() {
    let p = fit(&table("c,y\nred,a\nblue,b\n"), &classes());
    let new = table("c\nred\ngreen\ngreen\nblue\n");
    let mut report = EncodeReport::default();
    let x = p.encode(&new, &[0, 1, 2, 3], &mut report).unwrap();
    assert_eq!(x, [0., 1., 0., 0., 0., 0., 1., 0.]);
    assert_eq!(report.unseen, BTreeMap::from([("c".to_string(), 2)]));
    assert_eq!(
        report.warnings(),
        ["column `c`: 2 cells with a category not seen in training (encoded as all zeros)"]
    );
    // The same through the streaming encoder used by `deepnet predict`.
    let header = vec!["other".to_string(), "c".to_string()];
    let enc = p.row_encoder(&header, "new.csv").unwrap();
    let (mut out, mut r) = (Vec::new(), EncodeReport::default());
    enc.encode(
        &csv::StringRecord::from(vec!["9", "green"]),
        2,
        &mut out,
        &mut r,
    )
    .unwrap();
    assert_eq!((out, r.unseen["c"]), (vec![0., 0.], 1));
    let e = p
        .row_encoder(&["x".into()], "new.csv")
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        e,
        "new.csv: no column `c` (a feature of the model); the header has: x"
    );
}

/// With `embed_min_categories`, a column of that many categories (the missing one counted)
/// becomes one index input: the category's, the missing category's after them, and one past the
/// last for an unseen one; a column of fewer stays one-hot. The spec's embedding layer gets the
/// index inputs and their category counts.
#[test]
fn many_categories_become_one_index_input_for_the_embedding_layer() {
    let t = table(
        "c,d,x,y
red,u,1,a
blue,v,2,b
,u,3,a
green,v,4,b
",
    );
    let mut o = classes();
    o.embed_min_categories = Some(4);
    let p = fit(&t, &o);
    assert_eq!(
        p.features[0].kind,
        FeatureKind::Categorical {
            categories: vec!["blue".into(), "green".into(), "red".into()],
            missing_category: true,
            embedded: true
        }
    );
    assert!(!p.features[1].is_embedded(), "two categories stay one-hot");
    assert_eq!(p.width(), 1 + 2 + 1);
    assert_eq!(
        p.input_names(),
        ["c", "d=u", "d=v", "x"].map(String::from).to_vec()
    );
    let new = table(
        "c,d,x
red,u,1
,v,2
purple,u,3
blue,v,4
",
    );
    let mut report = EncodeReport::default();
    let x = p.encode(&new, &[0, 1, 2, 3], &mut report).unwrap();
    assert_eq!(
        x,
        [2., 1., 0., 1., 3., 0., 1., 2., 4., 1., 0., 3., 0., 0., 1., 4.]
    );
    assert_eq!(report.unseen, BTreeMap::from([("c".to_string(), 1)]));
    // The spec's embedding layer: input 0, 4 categories.
    let mut spec = deepnet::ModelSpec::from_json_unsized(
        r#"{"output": "sigmoid", "layers": [{"type": "embedding", "units": 2, "min_categories": 4}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    let mut probe = classes();
    probe.embedding_from(&spec);
    assert_eq!(probe.embed_min_categories, Some(4));
    deepnet::data::fit_inputs(&mut spec, p.width(), Some(&p), "t.csv").unwrap();
    assert_eq!(
        spec.embedded_columns(),
        [deepnet::EmbeddedColumn {
            input: 0,
            categories: 4
        }]
    );
    spec.validate().unwrap();
    // Without a column that many categories, the layer is left out.
    let one_hot = fit(&t, &classes());
    let mut spec = deepnet::ModelSpec::from_json_unsized(
        r#"{"output": "sigmoid", "layers": [{"type": "embedding"}, {"type": "dense", "units": 1}]}"#,
    )
    .unwrap();
    deepnet::data::fit_inputs(&mut spec, one_hot.width(), Some(&one_hot), "t.csv").unwrap();
    assert_eq!(spec.layers.len(), 1);
    assert_eq!(spec.inputs, 3 + 1 + 2 + 1);
}

#[test]
fn delimiters_are_detected_or_given_and_crlf_line_numbers_are_the_files() {
    for (text, d) in [
        ("a;b;y\n1;2,5;p\n", None),
        ("a\tb\ty\n1\t2,5\tp\n", None),
        ("a|b|y\n1|2,5|p\n", None),
        ("a:b:y\n1:2,5:p\n", Some(b':')),
    ] {
        let dialect = Dialect {
            delimiter: d,
            ..Dialect::default()
        };
        let t = RawTable::parse(text.as_bytes(), "t.csv", &dialect).unwrap();
        assert_eq!(t.header, ["a", "b", "y"], "{text:?}");
        assert_eq!(t.columns[1].cell(0).as_deref(), Some("2,5"));
    }
    let t = table("a,b,y\n\"1,5\",x,p\n");
    assert_eq!(t.columns[0].cell(0).as_deref(), Some("1,5"));
    let crlf = "a,b,y\r\n1,2,p\r\n1,2,3,q\r\n";
    let e = RawTable::parse(crlf.as_bytes(), "t.csv", &Dialect::default())
        .unwrap_err()
        .to_string();
    assert_eq!(e, "t.csv:3: row has 4 fields but the header has 3");
    let t = table("a,y\r\n1,p\r\n2,q\r\n");
    assert_eq!(
        (t.lines.clone(), t.columns[1].cell(1).as_deref()),
        (vec![2, 3], Some("q"))
    );
}

#[test]
fn float_labels_are_classes_and_integer_targets_of_a_regression_are_values() {
    let t = table("x,y\n1,1.0\n2,3.0\n3,1.0\n4,10.0\n");
    let (_, labels) = target_rows(&t, &classes()).unwrap();
    // Integer names sort numerically.
    assert_eq!(
        labels,
        Labels::Classes {
            ids: vec![0, 1, 0, 2],
            names: vec!["1".into(), "3".into(), "10".into()]
        }
    );
    let (_, values) = target_rows(&t, &TableOptions::new(Task::Regression)).unwrap();
    assert_eq!(
        values,
        Labels::Values {
            values: vec![1.0, 3.0, 1.0, 10.0],
            names: vec!["y".into()]
        }
    );
}

#[test]
fn the_positive_class_is_given_conventional_or_the_rarer_one_and_comes_second() {
    let cases = [
        ("ok,ok,fraud,ok", None, ["ok", "fraud"], PositiveRule::Rarer),
        (
            "no,yes,yes,no",
            None,
            ["no", "yes"],
            PositiveRule::Conventional,
        ),
        ("1,0,0,0", None, ["0", "1"], PositiveRule::Conventional),
        (
            "True,False,False,False",
            None,
            ["False", "True"],
            PositiveRule::Conventional,
        ),
        ("a,b,b,b", Some("b"), ["a", "b"], PositiveRule::Given),
    ];
    for (labels, positive, names, rule) in cases {
        let text: String = labels
            .split(',')
            .enumerate()
            .map(|(i, l)| format!("{i},{l}\n"))
            .collect();
        let t = table(&format!("x,y\n{text}"));
        let mut o = classes();
        o.positive = positive.map(String::from);
        let (rows, _) = target_rows(&t, &o).unwrap();
        let fitted = Preprocessing::fit(&t, &o, &rows).unwrap();
        assert_eq!(fitted.preprocessing.class_names(), names, "{labels}");
        assert_eq!(fitted.positive_rule, Some(rule), "{labels}");
        let (ds, _) = fitted.preprocessing.dataset(&t, None).unwrap();
        let positives = ds.class_ids().unwrap().iter().filter(|&&c| c == 1).count();
        let want = labels.split(',').filter(|l| *l == names[1]).count();
        assert_eq!(positives, want, "{labels}");
    }
    let t = table("x,y\n1,a\n2,b\n");
    let mut o = classes();
    o.positive = Some("c".into());
    let (rows, _) = target_rows(&t, &o).unwrap();
    let e = Preprocessing::fit(&t, &o, &rows).err().unwrap().to_string();
    assert_eq!(
        e,
        "t.csv: --positive `c` is not one of the target's labels (a, b)"
    );
}

#[test]
fn several_targets_are_standardised_and_returned_in_their_own_units() {
    let t = table("x,a,b\n1,10,-1\n2,20,-2\n3,30,-3\n4,40,-4\n");
    let mut o = TableOptions::new(Task::Regression);
    o.targets = vec!["a".into(), "b".into()];
    let p = fit(&t, &o);
    let TargetEncoding::Values { mean, scale, .. } = &p.target else {
        panic!("{:?}", p.target)
    };
    let want = [(25.0, 125f64.sqrt()), (-2.5, 1.25f64.sqrt())];
    for (j, (m, s)) in want.into_iter().enumerate() {
        assert!(
            (mean[j] - m).abs() < 1e-9 && (scale[j] / s - 1.0).abs() < 1e-6,
            "{mean:?} {scale:?}"
        );
    }
    let (ds, _) = p.dataset(&t, None).unwrap();
    assert_eq!(ds.targets_per_row(), 2);
    let Labels::Values { values, names } = &ds.labels else {
        panic!()
    };
    assert_eq!(names, &["a", "b"]);
    let back = p.target.to_original(values);
    for (got, want) in back.iter().zip([10., -1., 20., -2., 30., -3., 40., -4.]) {
        assert!((got - want).abs() < 1e-4, "{got} {want}");
    }
}

/// One full-batch SGD step with weights w on the classes equals one unweighted step on the
/// data with every row of class c repeated w_c times, the learning rate scaled by n' / n.
#[test]
fn class_weights_scale_each_rows_loss_and_gradient() {
    let dev = Device::Cpu;
    let x = [0.5f32, -1.0, 1.5, 0.2, -0.3, 0.8, 1.0, 1.0];
    let y = [0f32, 1.0, 1.0, 0.0];
    let (weights, repeat) = ([1.0, 2.0], [1usize, 2]);
    let step = |xs: &[f32], ys: &[f32], lr: f64, w: Option<Vec<f64>>| {
        let mut model = Mlp::new(2)
            .dense(3)
            .tanh()
            .dense(1)
            .sigmoid()
            .build(7)
            .unwrap();
        let n = ys.len();
        let data = TrainData::new(
            Tensor::from_slice(xs, (n, 2), &dev).unwrap(),
            Tensor::from_slice(ys, (n, 1), &dev).unwrap(),
        )
        .unwrap();
        let config = Recipe {
            optimizer: OptimizerKind::Sgd,
            lr: Some(lr),
            batch_size: None,
            epochs: 1,
            shuffle: false,
            class_weight: w.map(ClassWeight::Given),
            ..Recipe::default()
        };
        Trainer::new(config)
            .unwrap()
            .fit(&mut model, &data, None)
            .unwrap();
        model.parameters()[0]
            .1
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    let weighted = step(&x, &y, 0.5, Some(weights.to_vec()));
    let (mut xr, mut yr) = (Vec::new(), Vec::new());
    for (row, &label) in x.chunks(2).zip(&y) {
        for _ in 0..repeat[label as usize] {
            xr.extend_from_slice(row);
            yr.push(label);
        }
    }
    let repeated = step(&xr, &yr, 0.5 * yr.len() as f64 / y.len() as f64, None);
    for (a, b) in weighted.iter().zip(&repeated) {
        assert!((a - b).abs() < 1e-6, "{weighted:?} vs {repeated:?}");
    }
    assert_eq!(
        ClassWeight::Balanced.weights(&[6, 2]).unwrap(),
        [8.0 / 12.0, 2.0]
    );
}

#[test]
fn a_saved_model_with_its_preprocessing_predicts_raw_rows_identically() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/penguins-raw.csv"),
    )
    .unwrap();
    let t = table(&text);
    let mut o = classes();
    o.targets = vec!["Species".into()];
    o.ignore = vec![
        "Sample Number".into(),
        "Individual ID".into(),
        "Comments".into(),
    ];
    let (rows, labels) = target_rows(&t, &o).unwrap();
    let (train, _) = split_indices(&labels, rows.len(), 0.25, 3, true).unwrap();
    let train: Vec<usize> = train.iter().map(|&i| rows[i]).collect();
    let p = Preprocessing::fit(&t, &o, &train).unwrap().preprocessing;
    let (ds, _) = p.dataset(&t, Some(&train)).unwrap();
    let mut model = Mlp::new(p.width())
        .dense(8)
        .relu()
        .dense(3)
        .softmax()
        .build(1)
        .unwrap();
    model
        .set_input_scaling(Some(InputScaling::fit(&ds.features, ds.width()).unwrap()))
        .unwrap();
    let data = ds
        .train_data(deepnet::Output::Softmax, &Device::Cpu)
        .unwrap();
    Trainer::new(Recipe {
        epochs: 5,
        ..Recipe::default()
    })
    .unwrap()
    .fit(&mut model, &data, None)
    .unwrap();
    let dir = std::env::temp_dir().join(format!("deepnet-table-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.safetensors");
    let meta = BTreeMap::from([("deepnet.preprocessing".to_string(), p.to_json())]);
    save_model(&model, &path, &meta).unwrap();
    let (loaded, meta) = load_model_with_metadata(&path, &Device::Cpu, DType::F32).unwrap();
    let p2 = Preprocessing::from_json(&meta["deepnet.preprocessing"], "m").unwrap();
    assert_eq!(p2, p);
    let all: Vec<usize> = (0..t.len()).collect();
    let encode = |p: &Preprocessing| {
        let x = p.encode(&t, &all, &mut EncodeReport::default()).unwrap();
        Tensor::from_vec(x, (all.len(), p.width()), &Device::Cpu).unwrap()
    };
    let a = model
        .predict_proba(&encode(&p))
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    let b = loaded
        .predict_proba(&encode(&p2))
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(a, b);
}

/// A CSV of `n` rows whose column `b` is `i * 0.5`, with the cells `texts` (row index, text).
fn with_texts(n: usize, texts: &[(usize, &str)]) -> RawTable {
    let mut csv = String::from("a,b,y\n");
    for i in 0..n {
        let b = texts
            .iter()
            .find(|(r, _)| *r == i)
            .map_or(format!("{}", i as f64 * 0.5), |(_, t)| t.to_string());
        csv.push_str(&format!("{i},{b},{}\n", i % 2));
    }
    RawTable::parse(csv.as_bytes(), "data.csv", &Dialect::default()).unwrap()
}

#[test]
fn a_typo_in_a_numeric_column_is_an_error_naming_its_line() {
    let t = with_texts(5000, &[(3000, "oops")]);
    let (rows, _) = target_rows(&t, &classes()).unwrap();
    let err = Preprocessing::fit(&t, &classes(), &rows)
        .err()
        .expect("a typo is an error")
        .to_string();
    let want = "data.csv:3002: column `b`: `oops` is not a number, while 4,999 of 5,000 cells are; mark it missing with --na-values oops, or make the column categorical with --categorical b";
    assert_eq!(err, want);
    // The same when its row is a validation or test row, not a training row (it would
    // otherwise be encoded by a numeric column that cannot parse it).
    let train: Vec<usize> = rows.iter().copied().filter(|&r| r != 3000).collect();
    let err = Preprocessing::fit(&t, &classes(), &train)
        .err()
        .expect("a typo outside the training rows is an error")
        .to_string();
    assert_eq!(err, want);
    // Made categorical on request (with room for its 5,000 values).
    let mut o = classes();
    o.categorical = vec!["b".into()];
    o.max_categories = 10_000;
    assert!(Preprocessing::fit(&t, &o, &rows).is_ok());
}

#[test]
fn more_texts_than_a_typo_make_a_categorical_column() {
    // 1% of the cells: still a typo; 2%: a column of categories.
    let ones: Vec<(usize, &str)> = (0..10).map(|i| (i * 100, "x")).collect();
    let t = with_texts(1000, &ones);
    let (rows, _) = target_rows(&t, &classes()).unwrap();
    assert!(Preprocessing::fit(&t, &classes(), &rows).is_err());
    let twos: Vec<(usize, &str)> = (0..20).map(|i| (i * 50, "x")).collect();
    let t = with_texts(1000, &twos);
    let p = fit(&t, &classes());
    assert!(matches!(
        p.features[1].kind,
        FeatureKind::Categorical { .. }
    ));
    // Too few numbers to call the text a typo.
    let t = with_texts(15, &[(3, "x")]);
    let p = fit(&t, &classes());
    assert!(matches!(
        p.features[1].kind,
        FeatureKind::Categorical { .. }
    ));
}

#[test]
fn regression_predictions_stay_within_the_training_targets_range_and_margin() {
    use deepnet::data::table::{Column, BOUNDS_MARGIN};
    use deepnet::data::{HoldOut, Prediction, TableModel};
    use deepnet::Silent;

    // y = 2x on x in [0, 10): the targets span [0, 19.8].
    let xs: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 2.0 * x).collect();
    let table = |x: Vec<f64>, y: Vec<f64>| {
        RawTable::from_columns(
            "t",
            vec![
                ("x".into(), Column::Numbers(x)),
                ("y".into(), Column::Numbers(y)),
            ],
        )
        .unwrap()
    };
    let spec = Mlp::new(1)
        .dense(8)
        .relu()
        .dense(1)
        .linear()
        .spec()
        .unwrap();
    let recipe = Recipe {
        epochs: 50,
        lr: Some(0.01),
        ..Recipe::default()
    };
    let options = TableOptions::new(Task::Regression);
    let no_holdout = HoldOut {
        test: 0.0,
        val: 0.0,
        seed: 0,
    };
    let fit = TableModel::fit(
        &table(xs, ys),
        &options,
        spec,
        recipe,
        &no_holdout,
        &mut Silent,
    )
    .unwrap();
    let TargetEncoding::Values {
        bounds: Some(b), ..
    } = &fit.model.preprocessing.target
    else {
        panic!("a regression target has bounds")
    };
    let high = 19.8 + BOUNDS_MARGIN * 19.8;
    assert!((b[0][0] + BOUNDS_MARGIN * 19.8).abs() < 1e-4 && (b[0][1] - high).abs() < 1e-4);
    // Far beyond the training rows, the prediction stops at the bound.
    let far = table(vec![1000.0, -1000.0, 5.0], vec![0.0, 0.0, 0.0]);
    let Prediction::Values { values, .. } = fit.model.predict(&far).unwrap() else {
        panic!("a regressor predicts values")
    };
    assert_eq!(values[0], b[0][1] as f32);
    assert_eq!(values[1], b[0][0] as f32);
    assert!((values[2] - 10.0).abs() < 2.0, "{values:?}");
    // A preprocessing saved before bounds existed still reads (no bounds).
    let json = fit.model.preprocessing.to_json();
    let start = json.find(",\"bounds\"").unwrap();
    let end = json[start..].find("]]").unwrap() + start + 2;
    let old = format!("{}{}", &json[..start], &json[end..]);
    let p = Preprocessing::from_json(&old, "old").unwrap();
    assert!(matches!(
        p.target,
        TargetEncoding::Values { bounds: None, .. }
    ));
}
