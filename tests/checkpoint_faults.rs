//! Strict loading of malformed checkpoint files, and crash safety of checkpoint writes.

use std::collections::HashMap;

use deepnet::{ModelSpec, Sequential};
use safetensors::tensor::TensorView;
use safetensors::Dtype;

const SPEC: &str = r#"{"inputs":3,"layers":[{"type":"dense","units":2},{"type":"relu"},{"type":"dense","units":1}],"output":"sigmoid"}"#;

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A file built with the reference `safetensors` crate from (name, dtype, shape, bytes).
fn file(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)], meta: &[(&str, &str)]) -> Vec<u8> {
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    let meta: HashMap<String, String> = meta
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    safetensors::serialize(views, Some(meta)).unwrap()
}

fn good_tensors() -> Vec<(&'static str, Dtype, Vec<usize>, Vec<u8>)> {
    vec![
        (
            "0.weight",
            Dtype::F32,
            vec![2, 3],
            f32_bytes(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
        ),
        ("0.bias", Dtype::F32, vec![2], f32_bytes(&[0.0, 0.1])),
        ("2.weight", Dtype::F32, vec![1, 2], f32_bytes(&[1.0, -1.0])),
        ("2.bias", Dtype::F32, vec![1], f32_bytes(&[0.5])),
    ]
}

const META: [(&str, &str); 3] = [
    ("format", "pt"),
    ("deepnet.format_version", "1"),
    ("deepnet.spec", SPEC),
];

/// The loader's message for `bytes`, without the `checkpoint PATH: ` prefix.
fn load_error(name: &str, bytes: &[u8]) -> String {
    let path = deepnet_testkit::temp(name).join(name);
    std::fs::write(&path, bytes).unwrap();
    let msg = Sequential::load(&path).unwrap_err().to_string();
    msg.strip_prefix(&format!("checkpoint {}: ", path.display()))
        .unwrap_or(&msg)
        .to_string()
}

#[test]
fn a_well_formed_file_loads() {
    let path = deepnet_testkit::temp("good.safetensors").join("good.safetensors");
    std::fs::write(&path, file(&good_tensors(), &META)).unwrap();
    let m = Sequential::load(&path).unwrap();
    assert_eq!(m.spec(), &ModelSpec::from_json(SPEC).unwrap());
}

#[test]
fn malformed_containers_each_give_their_own_error() {
    let good = file(&good_tensors(), &META);
    assert_eq!(
        load_error("trunc.safetensors", &good[..good.len() - 3]),
        "not a valid safetensors file: the tensors' data does not match the file size (truncated or padded file)"
    );
    assert_eq!(
        load_error("tiny.safetensors", &good[..5]),
        "not a valid safetensors file: the file is 5 bytes, too short for the 8-byte header length"
    );
    let mut past_end = good.clone();
    past_end[..8].copy_from_slice(&(good.len() as u64 * 2).to_le_bytes());
    assert_eq!(
        load_error("past.safetensors", &past_end),
        format!("not a valid safetensors file: the header length {} runs past the end of the file ({} bytes)", good.len() * 2, good.len())
    );
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&200_000_000u64.to_le_bytes());
    assert_eq!(
        load_error("huge.safetensors", &huge),
        "not a valid safetensors file: the header length 200000000 is over the limit of 100000000 bytes"
    );
    let mut not_json = good.clone();
    not_json[8..12].copy_from_slice(b"[[[[");
    assert!(load_error("json.safetensors", &not_json)
        .starts_with("not a valid safetensors file: invalid JSON in header"));
    // Two tensors claiming the same bytes.
    let header = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let mut overlap = (header.len() as u64).to_le_bytes().to_vec();
    overlap.extend_from_slice(header.as_bytes());
    overlap.extend_from_slice(&[0; 4]);
    let e = load_error("overlap.safetensors", &overlap);
    assert!(
        e.starts_with("not a valid safetensors file: invalid offset for tensor `"),
        "{e}"
    );
    assert_eq!(
        load_error("pickle.safetensors", b"\x80\x02}q\x00(X\x05\x00\x00\x00model"),
        "not a valid safetensors file: the header length 385101750509306496 is over the limit of 100000000 bytes"
    );
}

#[test]
fn wrong_tensors_and_metadata_are_named() {
    let mut t = good_tensors();
    t.remove(3);
    assert_eq!(
        load_error("missing.safetensors", &file(&t, &META)),
        "missing tensor `2.bias` (expected F32 [1])"
    );
    let mut t = good_tensors();
    t.push(("3.weight", Dtype::F32, vec![1], f32_bytes(&[1.0])));
    assert_eq!(
        load_error("extra.safetensors", &file(&t, &META)),
        "unexpected tensor `3.weight`; the spec's parameters are 0.weight, 0.bias, 2.weight, 2.bias"
    );
    let mut t = good_tensors();
    t[0].2 = vec![3, 2];
    assert_eq!(
        load_error("shape.safetensors", &file(&t, &META)),
        "tensor `0.weight` has shape [3, 2]; expected [2, 3]"
    );
    let mut t = good_tensors();
    t[0] = ("0.weight", Dtype::F64, vec![2, 3], vec![0; 48]);
    assert_eq!(
        load_error("f64.safetensors", &file(&t, &META)),
        "tensor `0.weight` has dtype F64; expected F32"
    );
    let mut t = good_tensors();
    t[1] = ("0.bias", Dtype::I64, vec![2], vec![0; 16]);
    assert_eq!(
        load_error("i64.safetensors", &file(&t, &META)),
        "tensor `0.bias` has dtype I64; expected F32"
    );
    let mut t = good_tensors();
    t[1].3 = f32_bytes(&[f32::NAN, 0.0]);
    assert_eq!(
        load_error("nan.safetensors", &file(&t, &META)),
        "tensor `0.bias` holds non-finite values (NaN or infinity)"
    );

    let no_spec = file(
        &good_tensors(),
        &[("format", "pt"), ("deepnet.format_version", "1")],
    );
    assert_eq!(
        load_error("nospec.safetensors", &no_spec),
        "metadata has no `deepnet.spec`; the file alone cannot rebuild the model"
    );
    let no_meta = file(&good_tensors(), &[("format", "pt")]);
    assert_eq!(
        load_error("nometa.safetensors", &no_meta),
        "metadata has no `deepnet.format_version`; was this file written by deepnet?"
    );
    let newer = file(
        &good_tensors(),
        &[("deepnet.format_version", "2"), ("deepnet.spec", SPEC)],
    );
    assert_eq!(
        load_error("newer.safetensors", &newer),
        "`deepnet.format_version` is 2, newer than this deepnet reads (1); upgrade deepnet"
    );
    let bad_spec = file(
        &good_tensors(),
        &[
            ("deepnet.format_version", "1"),
            ("deepnet.spec", "{\"inputs\": 3}"),
        ],
    );
    assert!(load_error("badspec.safetensors", &bad_spec)
        .starts_with("`deepnet.spec` is not a valid model spec: spec: missing field `layers`"));
    let bad_scaling = file(
        &good_tensors(),
        &[
            ("deepnet.format_version", "1"),
            ("deepnet.spec", SPEC),
            (
                "deepnet.input_scaling",
                r#"{"mean": [0, 0], "scale": [1, 1]}"#,
            ),
        ],
    );
    assert_eq!(
        load_error("scaling.safetensors", &bad_scaling),
        "`deepnet.input_scaling`: shape mismatch: input scaling has 2 means and 2 scales but the model has 3 inputs"
    );
    let missing =
        deepnet_testkit::temp("does-not-exist.safetensors").join("does-not-exist.safetensors");
    assert!(Sequential::load(&missing)
        .unwrap_err()
        .to_string()
        .starts_with(&format!("{}: No such file", missing.display())));
}

/// Child mode: writes checkpoints of changing weights to the given path until killed.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var("DEEPNET_CHILD_WRITE") else {
        return;
    };
    let spec = ModelSpec::from_json(
        r#"{"inputs": 300, "output": "softmax", "layers": [{"type": "dense", "units": 300}, {"type": "relu"}, {"type": "dense", "units": 10}]}"#,
    )
    .unwrap();
    for seed in 0.. {
        Sequential::from_spec(&spec, seed)
            .unwrap()
            .save(&path)
            .unwrap();
    }
}

#[test]
fn a_process_killed_while_saving_always_leaves_a_loadable_file() {
    let path = deepnet_testkit::temp("killed.safetensors").join("killed.safetensors");
    let spec = ModelSpec::from_json(SPEC).unwrap();
    Sequential::from_spec(&spec, 0)
        .unwrap()
        .save(&path)
        .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = deepnet::Rng::new(7);
    let mut replaced = 0;
    for _ in 0..25 {
        let before = std::fs::read(&path).unwrap();
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "child_writer",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("DEEPNET_CHILD_WRITE", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child is in its write loop (its first save replaced the file; a debug
        // build starts slower than a release one), then kill it at a random moment of a save.
        let start = std::time::Instant::now();
        while std::fs::read(&path).unwrap() == before
            && start.elapsed() < std::time::Duration::from_secs(30)
        {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        std::thread::sleep(std::time::Duration::from_millis(rng.below(60) as u64));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let m =
            Sequential::load(&path).unwrap_or_else(|e| panic!("torn checkpoint after kill: {e}"));
        assert!(m.parameter_count() > 0);
        replaced += usize::from(std::fs::read(&path).unwrap() != before);
    }
    assert!(
        replaced >= 20,
        "the child replaced the file only {replaced} times out of 25"
    );
}

#[cfg(unix)]
#[test]
fn a_failed_write_is_an_error_and_keeps_the_previous_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = deepnet_testkit::temp("readonly-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.safetensors");
    let spec = ModelSpec::from_json(SPEC).unwrap();
    Sequential::from_spec(&spec, 0)
        .unwrap()
        .save(&path)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let result = Sequential::from_spec(&spec, 1).unwrap().save(&path);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Root ignores directory permissions; then the write succeeds, which is also correct.
    if let Err(e) = result {
        assert!(
            e.to_string()
                .starts_with(&format!("{}: Permission denied", path.display())),
            "{e}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
    let missing_dir = dir.join("no/such/dir/m.safetensors");
    let e = Sequential::from_spec(&spec, 1)
        .unwrap()
        .save(&missing_dir)
        .unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{}: No such file or directory",
            missing_dir.display()
        )),
        "{e}"
    );
}
