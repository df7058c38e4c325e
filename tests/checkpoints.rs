//! Checkpoints: save → load round trips, byte-identical files, candle and numpy interoperability,
//! strict loading of malformed files, exact resume and crash safety.

use std::collections::BTreeMap;
use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use deepnet::checkpoint::RunDir;
use deepnet::data::{digits, split, Dataset};
use deepnet::{
    save_model, Activation, Init, InputScaling, Mlp, ModelSpec, OptimizerKind, Recipe, Rng,
    Schedule, Sequential, TrainData, Trainer,
};
use deepnet_testkit::{python, temp};

fn random_input(n: usize, d: usize, seed: u64) -> Tensor {
    let mut rng = Rng::new(seed);
    let v: Vec<f32> = (0..n * d)
        .map(|_| (rng.normal() * 3.0 + 1.0) as f32)
        .collect();
    Tensor::from_vec(v, (n, d), &Device::Cpu).unwrap()
}

/// Specs covering every layer type (every activation from `Activation::all()`, dropout, a dense
/// layer without bias) and every output kind.
fn specs() -> Vec<ModelSpec> {
    let mut hidden = Mlp::new(7)
        .dense_with(6, Init::HeUniform, true)
        .relu()
        .dense_with(5, Init::Pytorch, false)
        .dropout(0.3);
    for act in Activation::all() {
        hidden = hidden.dense(5).activation(act);
    }
    vec![
        hidden.clone().dense(1).sigmoid().spec().unwrap(),
        hidden.clone().dense(3).softmax().spec().unwrap(),
        hidden.dense(2).linear().spec().unwrap(),
    ]
}

fn trained_like(spec: &ModelSpec, seed: u64) -> Sequential {
    let mut m = Sequential::from_spec(spec, seed).unwrap();
    let d = spec.inputs;
    let x = random_input(50, d, seed);
    let scaling =
        InputScaling::fit(&x.flatten_all().unwrap().to_vec1::<f32>().unwrap(), d).unwrap();
    m.set_input_scaling(Some(scaling)).unwrap();
    match spec.output {
        deepnet::Output::Sigmoid => m
            .set_class_names(Some(vec!["benign".into(), "malignant".into()]))
            .unwrap(),
        deepnet::Output::Softmax => {
            let names = (0..spec.output_units())
                .map(|i| ((b'a' + i as u8) as char).to_string())
                .collect();
            m.set_class_names(Some(names)).unwrap()
        }
        deepnet::Output::Linear => {}
    }
    m
}

#[test]
fn save_load_gives_identical_outputs_and_byte_identical_files() {
    let dir = temp("roundtrip");
    for (k, spec) in specs().iter().enumerate() {
        let model = trained_like(spec, k as u64);
        let path = dir.join(format!("m{k}.safetensors"));
        model.save(&path).unwrap();
        let loaded = Sequential::load(&path).unwrap();
        let x = random_input(20, 7, 99);
        let a: Vec<f32> = model
            .predict_proba(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let b: Vec<f32> = loaded
            .predict_proba(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(a, b, "{:?}", spec.output);
        assert_eq!(loaded.spec(), model.spec());
        assert_eq!(loaded.input_scaling(), model.input_scaling());
        assert_eq!(loaded.class_names(), model.class_names());
        let again = dir.join(format!("m{k}-again.safetensors"));
        loaded.save(&again).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap(),
            "not byte-identical"
        );
    }
}

#[test]
fn metadata_holds_spec_version_scaling_and_classes() {
    let dir = temp("meta");
    let spec = specs()[1].clone();
    let model = trained_like(&spec, 3);
    let path = dir.join("m.safetensors");
    let mut extra = BTreeMap::new();
    extra.insert("deepnet.epoch".to_string(), "7".to_string());
    save_model(&model, &path, &extra).unwrap();
    let ck = deepnet::read_checkpoint(&path).unwrap();
    let keys: Vec<&str> = ck.metadata.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "deepnet.classes",
            "deepnet.epoch",
            "deepnet.format_version",
            "deepnet.input_scaling",
            "deepnet.spec",
            "deepnet.version",
            "format"
        ]
    );
    assert_eq!(ck.metadata["format"], "pt");
    assert_eq!(ck.metadata["deepnet.format_version"], "1");
    assert_eq!(ck.metadata["deepnet.classes"], r#"["a","b","c"]"#);
    // PyTorch's nn.Sequential names: "{index}.weight" and "{index}.bias" of every dense layer
    // (sorted), none for the layer built without bias.
    let names: Vec<&str> = ck.tensors.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected: Vec<String> = spec
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match l {
            deepnet::LayerSpec::Dense { bias, .. } => Some((i, *bias)),
            _ => None,
        })
        .flat_map(|(i, bias)| {
            let mut v = vec![format!("{i}.weight")];
            if bias {
                v.push(format!("{i}.bias"));
            }
            v
        })
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    assert!(names.contains(&"2.weight") && !names.contains(&"2.bias"));
    let w = &ck.tensors.iter().find(|(n, _)| n == "0.weight").unwrap().1;
    assert_eq!(w.dims(), &[6, 7]);
}

#[test]
fn candle_varbuilder_loads_the_file_as_it_is() {
    let dir = temp("candle");
    let spec = ModelSpec::from_json(include_str!("../models/digits_mlp.json")).unwrap();
    let model = trained_like(&spec, 1);
    let path = dir.join("digits.safetensors");
    model.save(&path).unwrap();
    // SAFETY: the file is not modified while mapped.
    let vb = unsafe {
        candle_nn::VarBuilder::from_mmaped_safetensors(&[&path], DType::F32, &Device::Cpu).unwrap()
    };
    let l0 = candle_nn::linear(64, 256, vb.pp("0")).unwrap();
    let l2 = candle_nn::linear(256, 128, vb.pp("2")).unwrap();
    let l4 = candle_nn::linear(128, 10, vb.pp("4")).unwrap();
    let x = random_input(16, 64, 5);
    let s = model.input_scaling().unwrap();
    let mean = Tensor::from_slice(&s.mean, (1, 64), &Device::Cpu).unwrap();
    let scale = Tensor::from_slice(&s.scale, (1, 64), &Device::Cpu).unwrap();
    let xs = x
        .broadcast_sub(&mean)
        .unwrap()
        .broadcast_div(&scale)
        .unwrap();
    let h = l0.forward(&xs).unwrap().tanh().unwrap();
    let h = l2.forward(&h).unwrap().tanh().unwrap();
    let ours = model.logits(&x).unwrap();
    let theirs = l4.forward(&h).unwrap();
    let diff = (ours - theirs)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(diff < 1e-4, "max difference {diff}");
}

fn write_npy(path: &Path, t: &Tensor) {
    // numpy .npy v1.0, little-endian f4, C order.
    let dims = t.dims();
    let shape = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let shape = if dims.len() == 1 {
        format!("({shape},)")
    } else {
        format!("({shape})")
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in t.flatten_all().unwrap().to_vec1::<f32>().unwrap() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// Saves a model of every spec, then has `python script MODEL X.npy Y.npy` recompute the
/// predictions on random inputs and compare them with deepnet's to 1e-5.
fn python_matches_deepnet(python: &str, script: &str, seed: u64) {
    let dir = temp(script);
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    for (k, spec) in specs().iter().enumerate() {
        let model = trained_like(spec, k as u64 + seed);
        let path = dir.join(format!("m{k}.safetensors"));
        model.save(&path).unwrap();
        let x = random_input(25, 7, seed);
        write_npy(&dir.join("x.npy"), &x);
        write_npy(&dir.join("y.npy"), &model.predict_proba(&x).unwrap());
        let out = std::process::Command::new(python)
            .arg(&script)
            .args([&path, &dir.join("x.npy"), &dir.join("y.npy")])
            .output()
            .unwrap_or_else(|e| panic!("{python}: {e}"));
        assert!(
            out.status.success(),
            "{:?}: {}{}",
            spec.output,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn numpy_and_safetensors_reproduce_deepnet_predictions() {
    python_matches_deepnet(&python(&["numpy", "safetensors"]), "interop_numpy.py", 10);
}

/// PyTorch's `nn.Sequential` with `strict=True`, with the Python named by
/// `DEEPNET_TORCH_PYTHON` (PyTorch's wheel is several GB, so this runs only on request:
/// `DEEPNET_TORCH_PYTHON=... cargo test --release -- --ignored pytorch`).
#[test]
#[ignore = "needs a Python with torch, named by DEEPNET_TORCH_PYTHON"]
fn pytorch_loads_the_file_strictly() {
    let python = std::env::var("DEEPNET_TORCH_PYTHON")
        .expect("set DEEPNET_TORCH_PYTHON to a python with torch and numpy");
    python_matches_deepnet(&python, "interop_torch.py", 20);
}

/// Stops the run with an error after `stop_after` epochs (a simulated crash).
struct StopAfter(usize);

impl deepnet::Observer for StopAfter {
    fn on_epoch_end(
        &mut self,
        r: &deepnet::EpochRecord,
        _: &Sequential,
        _: &deepnet::TrainState,
    ) -> deepnet::Result<()> {
        if r.epoch == self.0 {
            return Err(deepnet::Error::Invalid("simulated crash".into()));
        }
        Ok(())
    }
}

fn data_of(ds: &Dataset, spec: &ModelSpec) -> TrainData {
    ds.train_data(spec.output, &Device::Cpu).unwrap()
}

/// For every optimiser (so a new one with a forgotten buffer fails here): a run checkpointed by
/// [`RunDir`] after every epoch, crashed after epoch 2 and resumed from the directory, ends with
/// the same bits as a straight run.
#[test]
fn resumed_training_is_bit_identical_to_a_straight_run_for_every_optimizer() {
    let spec = ModelSpec::from_json(
        r#"{"inputs": 64, "output": "softmax", "init": "he_normal", "layers": [
        {"type": "dense", "units": 32}, {"type": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 10}]}"#,
    )
    .unwrap();
    let (train, val) = split(&digits().unwrap(), 0.2, 0, true).unwrap();
    let (train, val) = (data_of(&train, &spec), data_of(&val, &spec));
    for kind in OptimizerKind::all() {
        let dir = temp(&format!("resume-{}", kind.name()));
        let config = Recipe {
            optimizer: kind,
            weight_decay: Some(1e-3),
            batch_size: Some(64),
            epochs: 6,
            schedule: Schedule::Cosine { min_lr: 1e-4 },
            patience: Some(100),
            seed: 3,
            ..Recipe::default()
        };
        let mut straight = Sequential::from_spec(&spec, 1).unwrap();
        Trainer::new(config.clone())
            .unwrap()
            .fit(&mut straight, &train, Some(&val))
            .unwrap();

        let mut first = Sequential::from_spec(&spec, 1).unwrap();
        let run = RunDir::new(&dir, BTreeMap::new()).unwrap();
        let mut observer = (run.clone(), StopAfter(2));
        let crashed = Trainer::new(config.clone()).unwrap().fit_with(
            &mut first,
            &train,
            Some(&val),
            &mut observer,
        );
        assert!(crashed.is_err());

        let mut resumed = Sequential::load(dir.join("model.safetensors")).unwrap();
        let mut trainer = run.trainer(config.clone(), &mut resumed).unwrap();
        assert_eq!(trainer.state().epoch, 2, "{kind:?}");
        trainer
            .fit_with(&mut resumed, &train, Some(&val), &mut run.clone())
            .unwrap();
        for ((n, a), (_, b)) in straight.parameters().iter().zip(resumed.parameters()) {
            let a: Vec<f32> = a.flatten_all().unwrap().to_vec1().unwrap();
            let b: Vec<f32> = b.flatten_all().unwrap().to_vec1().unwrap();
            assert!(a == b, "{kind:?}: {n} differs after resume");
        }
    }
}
