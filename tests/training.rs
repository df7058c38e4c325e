//! The trainer: early stopping, schedules, seeded shuffling, divergence, accuracy floors.

use candle_core::{Device, Tensor};
use deepnet::data::{breast_cancer, digits, split, Dataset};
use deepnet::{
    evaluate, EpochRecord, Error, History, InputScaling, ModelSpec, Monitor, Observer,
    OptimizerKind, Recipe, Schedule, Sequential, TrainData, TrainState, Trainer,
};
use deepnet_testkit::weights;

fn data(ds: &Dataset, spec: &ModelSpec) -> TrainData {
    ds.train_data(spec.output, &Device::Cpu).unwrap()
}

/// Records the weights after every epoch.
#[derive(Default)]
struct Snapshots(Vec<Vec<Vec<f32>>>);
impl Observer for Snapshots {
    fn on_epoch_end(
        &mut self,
        _: &EpochRecord,
        m: &Sequential,
        _: &TrainState,
    ) -> deepnet::Result<()> {
        self.0.push(weights(m));
        Ok(())
    }
}

const BC_MLP: &str = r#"{"inputs": 30, "output": "sigmoid", "init": "he_normal", "layers": [
    {"type": "dense", "units": 64}, {"type": "relu"}, {"type": "dense", "units": 1}]}"#;

/// Trains [`BC_MLP`] (standardised inputs, seed 1) with `config` on 70% of breast cancer,
/// validating on the rest; returns the model, the history, the weights after every epoch and
/// the validation data.
fn fit_breast_cancer(config: Recipe) -> (Sequential, History, Snapshots, TrainData) {
    let spec = ModelSpec::from_json(BC_MLP).unwrap();
    let (train, val) = split(&breast_cancer().unwrap(), 0.3, 1, true).unwrap();
    let mut model = Sequential::from_spec(&spec, 1).unwrap();
    model
        .set_input_scaling(Some(
            InputScaling::fit(&train.features, train.width()).unwrap(),
        ))
        .unwrap();
    let mut snaps = Snapshots::default();
    let val = data(&val, &spec);
    let history = Trainer::new(config)
        .unwrap()
        .fit_with(&mut model, &data(&train, &spec), Some(&val), &mut snaps)
        .unwrap();
    (model, history, snaps, val)
}

#[test]
fn early_stopping_restores_the_best_epochs_weights() {
    // A large learning rate overfits quickly, so the validation loss turns up and stops the run.
    let config = Recipe {
        optimizer: OptimizerKind::Adam,
        lr: Some(0.05),
        batch_size: Some(16),
        epochs: 60,
        patience: Some(3),
        ..Recipe::default()
    };
    let (model, history, snaps, val) = fit_breast_cancer(config);
    let best = history.best().unwrap().epoch;
    assert!(history.epochs.len() < 60, "early stopping never fired");
    assert_eq!(
        history.epochs.len(),
        best + 3,
        "stops `patience` epochs after the best"
    );
    assert_eq!(
        weights(&model),
        snaps.0[best - 1],
        "final weights are the best epoch's"
    );
    assert_ne!(weights(&model), *snaps.0.last().unwrap());
    let m = evaluate(&model, &val.x, &val.y).unwrap();
    assert!((m.loss - history.best().unwrap().val_loss.unwrap()).abs() < 1e-6);
}

#[test]
fn watching_the_metric_restores_the_first_epoch_with_the_best_validation_accuracy() {
    let config = Recipe {
        lr: Some(0.05),
        batch_size: Some(16),
        epochs: 40,
        patience: Some(4),
        monitor: Monitor::Metric,
        ..Recipe::default()
    };
    let (model, history, snaps, val) = fit_breast_cancer(config);
    // The first epoch with the highest validation accuracy, found here from the records.
    let accuracies: Vec<f64> = history
        .epochs
        .iter()
        .map(|e| e.val_accuracy.unwrap())
        .collect();
    let top = accuracies.iter().copied().fold(f64::MIN, f64::max);
    let first = accuracies.iter().position(|&a| a == top).unwrap() + 1;
    assert_eq!(history.best().unwrap().epoch, first);
    assert_eq!(history.epochs.len(), (first + 4).min(40));
    assert_eq!(weights(&model), snaps.0[first - 1]);
    let m = evaluate(&model, &val.x, &val.y).unwrap();
    assert_eq!(m.accuracy.unwrap(), top);
}

#[test]
fn step_schedule_changes_the_learning_rate_as_specified() {
    let spec = ModelSpec::from_json(BC_MLP).unwrap();
    let ds = breast_cancer().unwrap();
    let mut model = Sequential::from_spec(&spec, 1).unwrap();
    let config = Recipe {
        optimizer: OptimizerKind::Momentum,
        lr: Some(0.01),
        batch_size: Some(64),
        epochs: 5,
        schedule: Schedule::Step {
            step_size: 2,
            gamma: 0.1,
        },
        ..Recipe::default()
    };
    let h = Trainer::new(config)
        .unwrap()
        .fit(&mut model, &data(&ds, &spec), None)
        .unwrap();
    let lrs: Vec<f64> = h.epochs.iter().map(|e| e.lr).collect();
    let expected = [0.01, 0.01, 0.001, 0.001, 0.0001];
    for (a, b) in lrs.iter().zip(expected) {
        assert!((a - b).abs() < 1e-15, "{lrs:?}");
    }
}

fn train_digits(seed: u64, epochs: usize) -> (Vec<Vec<f32>>, f64) {
    let spec = ModelSpec::from_json(include_str!("../models/digits_mlp.json")).unwrap();
    let (train, test) = split(&digits().unwrap(), 0.2, 0, true).unwrap();
    let mut model = Sequential::from_spec(&spec, 0).unwrap();
    model
        .set_input_scaling(Some(
            InputScaling::fit(&train.features, train.width()).unwrap(),
        ))
        .unwrap();
    let config = Recipe {
        epochs,
        seed,
        patience: None,
        ..spec.recipe()
    };
    Trainer::new(config)
        .unwrap()
        .fit(&mut model, &data(&train, &spec), None)
        .unwrap();
    let test = data(&test, &spec);
    (
        weights(&model),
        evaluate(&model, &test.x, &test.y)
            .unwrap()
            .accuracy
            .unwrap(),
    )
}

#[test]
fn shuffling_is_seeded_and_the_digits_mlp_passes_its_floor() {
    let (a, _) = train_digits(5, 2);
    let (b, _) = train_digits(5, 2);
    let (c, _) = train_digits(6, 2);
    assert_eq!(a, b, "same seed, same batches, same weights");
    assert_ne!(a, c, "another seed reshuffles differently");
    let (_, acc) = train_digits(0, 15);
    assert!(acc >= 0.96, "digits test accuracy {acc}");
}

#[test]
fn a_diverging_run_stops_with_a_clear_error_and_finite_weights() {
    // Regression on raw features (up to ~4000) with squared error: a large rate overflows to inf.
    let spec = ModelSpec::from_json(&BC_MLP.replace("sigmoid", "linear")).unwrap();
    let ds = breast_cancer().unwrap();
    let mut model = Sequential::from_spec(&spec, 1).unwrap();
    let config = Recipe {
        optimizer: OptimizerKind::Sgd,
        lr: Some(1.0),
        batch_size: Some(32),
        epochs: 3,
        ..Recipe::default()
    };
    let err = Trainer::new(config)
        .unwrap()
        .fit(&mut model, &data(&ds, &spec), None)
        .unwrap_err();
    let Error::Diverged { epoch, step, .. } = err else {
        panic!("expected divergence, got {err}")
    };
    assert!(err.to_string().starts_with(&format!(
        "training diverged at epoch {epoch}, step {step}: loss is"
    )));
    for (name, p) in model.parameters() {
        let v: Vec<f32> = p.flatten_all().unwrap().to_vec1().unwrap();
        assert!(
            v.iter().all(|x| x.is_finite()),
            "{name} has non-finite weights"
        );
    }
}

#[test]
fn train_data_refuses_mismatched_rows() {
    let x = Tensor::zeros((4, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
    let y = Tensor::zeros((3, 1), candle_core::DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        TrainData::new(x, y).unwrap_err().to_string(),
        "shape mismatch: features have 4 rows but targets have shape [3, 1]"
    );
}

#[test]
fn the_weights_do_not_depend_on_the_thread_count() {
    let spec = ModelSpec::from_json(include_str!("../models/digits_mlp.json")).unwrap();
    let ds = digits().unwrap();
    let train = data(&ds, &spec);
    let run = |threads: usize| {
        let mut m = Sequential::from_spec(&spec, 3).unwrap();
        let config = Recipe {
            batch_size: Some(128),
            epochs: 2,
            ..spec.recipe()
        };
        Trainer::new(config)
            .unwrap()
            .with_threads(threads)
            .fit(&mut m, &train, None)
            .unwrap();
        weights(&m)
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
}
