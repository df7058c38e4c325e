//! Property tests of the entry points a user's files reach: spec parser, CSV and IDX loaders and
//! the checkpoint loader. Arbitrary input gives a value or an error, never a panic; valid input
//! round-trips.

use candle_core::{DType, Device, Tensor};
use deepnet::checkpoint::load_model_bytes;
use deepnet::data::table::{whole_table, RawTable, TableOptions, Task};
use deepnet::data::{idx::parse_idx, Labels};
use deepnet::{ModelSpec, Sequential};
use proptest::prelude::*;

fn layer() -> impl Strategy<Value = String> {
    prop_oneof![
        (1usize..6).prop_map(|u| format!(r#"{{"type": "dense", "units": {u}}}"#)),
        (1usize..6).prop_map(|u| format!(
            r#"{{"type": "dense", "units": {u}, "bias": false, "init": "he_uniform"}}"#
        )),
        Just(r#"{"type": "relu"}"#.to_string()),
        Just(r#"{"type": "tanh"}"#.to_string()),
        Just(r#"{"type": "sigmoid"}"#.to_string()),
        (-1.0f64..1.0).prop_map(|s| format!(r#"{{"type": "leaky_relu", "slope": {s}}}"#)),
        (0.0f64..0.9).prop_map(|r| format!(r#"{{"type": "dropout", "rate": {r}}}"#)),
    ]
}

/// A valid spec: random hidden layers, then a last dense layer that fits the output.
fn spec() -> impl Strategy<Value = ModelSpec> {
    (
        1usize..6,
        prop::collection::vec(layer(), 0..5),
        0usize..3,
        2usize..5,
    )
        .prop_map(|(inputs, hidden, out, k)| {
            let (output, units) = [("sigmoid", 1), ("softmax", k), ("linear", k)][out];
            let mut layers = hidden;
            layers.push(format!(r#"{{"type": "dense", "units": {units}}}"#));
            ModelSpec::from_json(&format!(
                r#"{{"inputs": {inputs}, "output": "{output}", "layers": [{}]}}"#,
                layers.join(", ")
            ))
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn spec_parser_never_panics(text in ".{0,200}") {
        let _ = ModelSpec::from_json(&text);
    }

    #[test]
    fn spec_parser_never_panics_on_near_valid_json(spec in spec(), cut in 0usize..400, junk in "[\\[\\]{}\",:0-9a-z ]{0,5}") {
        let mut text = serde_json::to_string(&spec).unwrap();
        let cut = cut.min(text.len());
        text.insert_str(cut, &junk);
        let _ = ModelSpec::from_json(&text);
    }

    #[test]
    fn valid_specs_round_trip_and_build(spec in spec()) {
        let back = ModelSpec::from_json(&spec.to_json()).unwrap();
        prop_assert_eq!(&back, &spec);
        let model = Sequential::from_spec(&spec, 1).unwrap();
        let x = Tensor::ones((3, spec.inputs), DType::F32, &Device::Cpu).unwrap();
        let logits = model.logits(&x).unwrap();
        prop_assert_eq!(logits.dims(), &[3, spec.output_units()]);
    }

    #[test]
    fn csv_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        for task in [Task::Classification, Task::Regression] {
            let options = TableOptions::new(task);
            if let Ok(table) = RawTable::parse(&bytes[..], "p.csv", &options.dialect) {
                let _ = whole_table(&table, &options);
            }
        }
    }

    #[test]
    fn numeric_csv_round_trips(rows in prop::collection::vec(prop::collection::vec(-1e6f32..1e6, 3), 1..20), labels in prop::collection::vec(0u32..3, 20)) {
        let mut text = String::from("a,b,c,y\n");
        for (r, l) in rows.iter().zip(&labels) {
            text.push_str(&format!("{},{},{},{l}\n", r[0], r[1], r[2]));
        }
        prop_assume!(labels[..rows.len()].iter().any(|&l| l != labels[0]));
        let options = TableOptions::new(Task::Classification);
        let table = RawTable::parse(text.as_bytes(), "p.csv", &options.dialect).unwrap();
        let ds = whole_table(&table, &options).unwrap().0;
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        prop_assert_eq!(&ds.features, &flat);
        let Labels::Classes { ids, names } = &ds.labels else { panic!("integer labels are classes") };
        for (id, l) in ids.iter().zip(&labels) {
            prop_assert_eq!(names[*id as usize].parse::<u32>().unwrap(), *l);
        }
    }

    #[test]
    fn idx_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_idx(&mut &bytes[..]);
    }

    #[test]
    fn valid_idx_round_trips(dims in prop::collection::vec(1u32..5, 1..4)) {
        let len: usize = dims.iter().map(|&d| d as usize).product();
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut bytes = vec![0, 0, 8, dims.len() as u8];
        for d in &dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes.extend_from_slice(&data);
        let idx = parse_idx(&mut &bytes[..]).unwrap();
        prop_assert_eq!(idx.data, data);
    }

    #[test]
    fn checkpoints_round_trip_and_mutations_never_panic(spec in spec(), seed in 0u64..1000, flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let model = Sequential::from_spec(&spec, seed).unwrap();
        let dir = std::env::temp_dir().join(format!("deepnet-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.safetensors");
        model.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let loaded = load_model_bytes(&path, &bytes, &Device::Cpu, DType::F32).unwrap();
        let x = Tensor::ones((2, spec.inputs), DType::F32, &Device::Cpu).unwrap();
        let a: Vec<f32> = model.logits(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let b: Vec<f32> = loaded.logits(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        prop_assert_eq!(a, b);
        let mut bad = bytes.clone();
        for (i, v) in flips {
            let i = i.index(bad.len());
            bad[i] = v;
        }
        let _ = load_model_bytes(&path, &bad, &Device::Cpu, DType::F32);
        for cut in [0, 7, 8, bytes.len() / 2, bytes.len() - 1] {
            prop_assert!(load_model_bytes(&path, &bytes[..cut], &Device::Cpu, DType::F32).is_err());
        }
    }
}
