//! Loaders: CSV, IDX and synthetic data, with the exact errors for malformed input.

use std::io::Write;

use candle_core::Device;
use deepnet::data::table::{whole_table, Dialect, RawTable, TableOptions, Task};
use deepnet::data::{fashion_mnist, read_idx, sniff_delimiter, synthetic, Dataset, Labels};
use deepnet::{InputScaling, ModelSpec, OptimizerKind, Recipe, Sequential, TrainData, Trainer};
use deepnet_testkit::{idx_bytes, temp_file};

/// A CSV text read as `deepnet train` reads a file: the table reader, the preprocessing fitted
/// on every row with a target, for `task`; `target` as `--target` (default: the last column).
fn read_table(text: &str, target: Option<&str>, task: Task) -> deepnet::data::Result<Dataset> {
    let mut options = TableOptions::new(task);
    options.targets = target.map(|t| vec![t.to_string()]).unwrap_or_default();
    let table = RawTable::parse(text.as_bytes(), "t.csv", &options.dialect)?;
    Ok(whole_table(&table, &options)?.0)
}

fn csv_err(text: &str, target: Option<&str>) -> String {
    read_table(text, target, Task::Classification)
        .unwrap_err()
        .to_string()
}

#[test]
fn csv_errors_name_file_line_and_column() {
    assert_eq!(
        csv_err("a,b,y\n1,2,0\n3,4\n", None),
        "t.csv:3: row has 2 fields but the header has 3"
    );
    assert_eq!(
        csv_err("", None),
        "t.csv: the file is empty; expected a header line with column names"
    );
    assert_eq!(
        csv_err("a,b,y\n", None),
        "t.csv: the file has a header but no data rows"
    );
    assert_eq!(
        csv_err("a,b,y\n1,2,0\n2,3,1\n", Some("label")),
        "t.csv: no column `label` (--target); the header has: a, b, y"
    );
    assert_eq!(
        csv_err("a,b,y\n1,inf,0\n2,3,1\n", None),
        "t.csv:2: column `b`: `inf` is inf; values must be finite numbers"
    );
    let path = temp_file("bad.csv", b"a,y\n1,0\n2,1,5\n");
    assert_eq!(
        RawTable::read(&path, &Dialect::default())
            .unwrap_err()
            .to_string(),
        format!(
            "{}:3: row has 3 fields but the header has 2",
            path.display()
        )
    );
    let missing = std::env::temp_dir().join("deepnet-no-such-file.csv");
    assert!(RawTable::read(&missing, &Dialect::default())
        .unwrap_err()
        .to_string()
        .starts_with(&format!("{}: No such file", missing.display())));
}

#[test]
fn csv_targets_are_classes_or_values_as_the_task_says() {
    let ds = read_table("x,label\n1,cat\n2,dog\n3,cat\n", None, Task::Classification).unwrap();
    assert_eq!(
        ds.labels,
        Labels::Classes {
            ids: vec![0, 1, 0],
            names: vec!["cat".into(), "dog".into()]
        }
    );
    // Integer labels sort as numbers.
    let ds = read_table("y,x\n7,1\n3,2\n10,3\n", Some("y"), Task::Classification).unwrap();
    assert_eq!(
        ds.labels,
        Labels::Classes {
            ids: vec![1, 0, 2],
            names: vec!["3".into(), "7".into(), "10".into()]
        }
    );
    assert_eq!(ds.feature_names, vec!["x".to_string()]);
    // Whole numbers written as floats (pandas, for an integer column with missing values) are
    // the classes they name.
    let ds = read_table(
        "x,y\n1,1.0\n2,3.0\n3,1.0\n4,2\n",
        None,
        Task::Classification,
    )
    .unwrap();
    assert_eq!(
        ds.labels,
        Labels::Classes {
            ids: vec![0, 2, 0, 1],
            names: vec!["1".into(), "2".into(), "3".into()]
        }
    );
    // Regression targets are learned standardised: (y − mean) / scale.
    let ds = read_table("x,y\n1,0.5\n2,1.5\n", None, Task::Regression).unwrap();
    assert_eq!(
        ds.labels,
        Labels::Values {
            values: vec![-1.0, 1.0],
            names: vec!["y".into()]
        }
    );
}

#[test]
fn csv_delimiters_are_detected_from_the_header() {
    for (sep, text) in [
        (b',', "a,b,y\n1,2,0\n3,4,1\n"),
        (b';', "a;b;y\n1;2;0\n3;4;1\n"),
        (b'\t', "a\tb\ty\n1\t2\t0\n3\t4\t1\n"),
        (b'|', "a|b|y\n1|2|0\n3|4|1\n"),
    ] {
        assert_eq!(
            sniff_delimiter(text.lines().next().unwrap().as_bytes()),
            sep
        );
        let ds = read_table(text, None, Task::Classification).unwrap();
        assert_eq!(ds.features, vec![1.0, 2.0, 3.0, 4.0], "{}", sep as char);
        assert_eq!(ds.feature_names, vec!["a".to_string(), "b".to_string()]);
    }
    // A comma inside quotes does not count; a single column stays comma-separated.
    assert_eq!(sniff_delimiter(b"\"a,b\";c;y"), b';');
    assert_eq!(sniff_delimiter(b"only"), b',');
}

#[test]
fn training_on_string_labels_round_trips_the_names() {
    // Two well-separated clusters labelled by name.
    let mut text = String::from("u,v,species\n");
    for i in 0..60 {
        let (name, cx) = if i % 2 == 0 {
            ("setosa", -2.0)
        } else {
            ("virginica", 2.0)
        };
        text.push_str(&format!(
            "{},{},{name}\n",
            cx + (i as f32 * 0.37).sin(),
            (i as f32 * 0.91).cos()
        ));
    }
    let ds = read_table(&text, Some("species"), Task::Classification).unwrap();
    let spec = ModelSpec::from_json(
        r#"{"inputs": 2, "output": "softmax", "layers": [
        {"type": "dense", "units": 8}, {"type": "relu"}, {"type": "dense", "units": 2}]}"#,
    )
    .unwrap();
    let mut model = Sequential::from_spec(&spec, 0).unwrap();
    model
        .set_input_scaling(Some(InputScaling::fit(&ds.features, 2).unwrap()))
        .unwrap();
    model
        .set_class_names(Some(ds.class_names().to_vec()))
        .unwrap();
    let dev = Device::Cpu;
    let data = TrainData::new(
        ds.features_tensor(&dev).unwrap(),
        ds.targets_tensor(spec.output, &dev).unwrap(),
    )
    .unwrap();
    let config = Recipe {
        optimizer: OptimizerKind::Adam,
        lr: Some(0.05),
        epochs: 30,
        ..Recipe::default()
    };
    Trainer::new(config)
        .unwrap()
        .fit(&mut model, &data, None)
        .unwrap();
    let names = model.class_names().unwrap();
    let predicted: Vec<&str> = model
        .predict_classes(&data.x)
        .unwrap()
        .iter()
        .map(|&c| names[c as usize].as_str())
        .collect();
    let truth: Vec<&str> = ds
        .class_ids()
        .unwrap()
        .iter()
        .map(|&c| ds.class_names()[c as usize].as_str())
        .collect();
    assert_eq!(predicted, truth);
    assert_eq!(predicted[0], "setosa");
}

#[test]
fn idx_files_parse_plain_and_gzip_and_malformed_ones_are_refused() {
    let good = idx_bytes(&[2, 3], &[1, 2, 3, 4, 5, 6]);
    let idx = read_idx(temp_file("good.idx", &good)).unwrap();
    assert_eq!((idx.dims, idx.data), (vec![2, 3], vec![1, 2, 3, 4, 5, 6]));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&good).unwrap();
    let idx = read_idx(temp_file("good.idx.gz", &gz.finish().unwrap())).unwrap();
    assert_eq!(idx.dims, vec![2, 3]);

    let err = |name: &str, bytes: &[u8]| {
        let p = temp_file(name, bytes);
        let e = read_idx(&p).unwrap_err().to_string();
        e.strip_prefix(&format!("{}: ", p.display()))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        err("short.idx", &[0, 0]),
        "file too short for the 4-byte IDX magic number"
    );
    assert_eq!(
        err("magic.idx", b"PK\x03\x04"),
        "bad magic number [50, 4b, 03, 04]: not an IDX file"
    );
    assert_eq!(
        err("float.idx", &[0, 0, 0x0d, 1, 0, 0, 0, 1]),
        "IDX data type 0x0d is not supported; expected 0x08 (unsigned byte)"
    );
    assert_eq!(
        err("trunc.idx", &idx_bytes(&[2, 3], &[1, 2])),
        "dimensions [2, 3] need 6 data bytes, found 2"
    );
    assert_eq!(
        err("long.idx", &idx_bytes(&[1, 2], &[1, 2, 3])),
        "dimensions [1, 2] need 2 data bytes, found more than 2"
    );
    assert_eq!(
        err("hdr.idx", &[0, 0, 8, 3, 0, 0, 0, 1]),
        "file ends inside the header (dimension 1 of 3)"
    );
    assert_eq!(
        err("huge.idx", &idx_bytes(&[65535, 65535, 65535], &[])),
        "dimensions [65535, 65535, 65535] claim 281462092005375 bytes, more than the limit of 1073741824"
    );
    // No images, with dimensions whose product would overflow: refused before they are used.
    let images = temp_file(
        "none-images.idx",
        &idx_bytes(&[0, u32::MAX, u32::MAX, u32::MAX], &[]),
    );
    let labels = temp_file("none-labels.idx", &idx_bytes(&[0], &[]));
    let e = deepnet::data::idx::idx_dataset("none", &images, &labels, &["a", "b"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: the file holds no images", images.display())
    );
}

#[test]
fn idx_rows_are_streamed_and_match_the_whole_file() {
    use deepnet::data::idx::{idx_dataset, idx_dataset_rows};
    use std::hash::{DefaultHasher, Hasher};
    let pixels: Vec<u8> = (0..30).map(|v| v * 8).collect();
    let images = idx_bytes(&[5, 2, 3], &pixels);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&images).unwrap();
    let classes = ["a", "b", "c"];
    let labels = temp_file("rows-labels.idx", &idx_bytes(&[5], &[2, 0, 1, 1, 0]));
    for (name, bytes) in [
        ("rows.idx", images.clone()),
        ("rows.idx.gz", gz.finish().unwrap()),
    ] {
        let images = temp_file(name, &bytes);
        let whole = idx_dataset("t", &images, &labels, &classes).unwrap();
        let mut digests = Vec::new();
        for rows in [vec![4, 0, 2], vec![], vec![0, 1, 2, 3, 4], vec![3]] {
            let mut h = DefaultHasher::new();
            let got = idx_dataset_rows("t", &images, &labels, &classes, &mut h, |ids| {
                assert_eq!(ids, [2, 0, 1, 1, 0]);
                Ok(rows.clone())
            })
            .unwrap();
            assert_eq!(got, whole.subset(&rows), "{name} {rows:?}");
            digests.push(h.finish());
        }
        // Every byte is hashed, whichever rows are kept.
        assert!(digests.iter().all(|&d| d == digests[0]));
    }
    let err = |name: &str, bytes: &[u8], rows: Vec<usize>| {
        let p = temp_file(name, bytes);
        let mut h = DefaultHasher::new();
        let e = deepnet::data::read_idx_rows(&p, &mut h, |_| Ok(rows))
            .err()
            .unwrap()
            .to_string();
        e.strip_prefix(&format!("{}: ", p.display()))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        err(
            "rows-trunc.idx",
            &idx_bytes(&[2, 3], &[1, 2, 3, 4]),
            vec![0]
        ),
        "dimensions [2, 3] need 6 data bytes, found 4"
    );
    assert_eq!(
        err("rows-long.idx", &idx_bytes(&[1, 2], &[1, 2, 3]), vec![0]),
        "dimensions [1, 2] need 2 data bytes, found more than 2"
    );
    assert_eq!(
        err("rows-twice.idx", &idx_bytes(&[2, 1], &[1, 2]), vec![1, 1]),
        "item 1 is asked for twice"
    );
    assert_eq!(
        err("rows-range.idx", &idx_bytes(&[2, 1], &[1, 2]), vec![7]),
        "item 7 of 2 does not exist"
    );
    assert_eq!(
        err("rows-empty.idx", &idx_bytes(&[3, 0], &[]), vec![0]),
        "dimensions [3, 0] do not make items of bytes"
    );
}

#[test]
fn fashion_mnist_missing_directory_says_how_to_install() {
    let dir = std::env::temp_dir().join("deepnet-no-fashion-here");
    let e = fashion_mnist(Some(&dir)).unwrap_err().to_string();
    assert_eq!(e, format!("Fashion-MNIST not found in {}: install it with `apt-get install dataset-fashion-mnist` (Debian) or pass the directory holding the IDX files", dir.display()));
}

/// Run by `.ci/run` (which installs the package) with `-- --ignored fashion_mnist`.
#[test]
#[ignore = "needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)"]
fn fashion_mnist_loads_when_installed() {
    let (train, test) = fashion_mnist(None).unwrap();
    assert_eq!(
        (train.len(), test.len(), train.width(), train.num_classes()),
        (60000, 10000, 784, 10)
    );
    assert_eq!(train.class_names()[9], "Ankle boot");
    assert!(train.features.iter().all(|&p| (0.0..=1.0).contains(&p)));
}

#[test]
fn synthetic_sets_are_seeded() {
    for name in ["moons", "circles", "spirals", "xor", "blobs"] {
        let a = synthetic(name, 200, 1).unwrap();
        assert_eq!(a, synthetic(name, 200, 1).unwrap(), "{name}");
        assert_ne!(
            a.features,
            synthetic(name, 200, 2).unwrap().features,
            "{name}"
        );
        assert_eq!((a.len(), a.width()), (200, 2));
    }
    assert_eq!(synthetic("spirals", 300, 0).unwrap().num_classes(), 3);
    assert_eq!(
        synthetic("rings", 10, 0).unwrap_err().to_string(),
        "unknown synthetic dataset `rings`; expected one of moons, circles, spirals, xor, blobs"
    );
}
