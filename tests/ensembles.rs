//! Deep ensembles in one model (`"ensemble": K`): the prediction is the mean of K single networks
//! cut from the stacked weights, members train as if alone, one member is a plain network, and
//! a checkpoint round-trips. Gradients are checked with every layer in `tests/gradients.rs`.

use candle_core::{Device, Tensor};
use deepnet::checkpoint::{load_model, save_model};
use deepnet::{
    DType, Mlp, ModelSpec, OptimizerKind, Output, Recipe, Rng, Sequential, TrainData, Trainer,
};
use deepnet_testkit::temp;

fn spec(output: Output, units: usize, members: usize) -> ModelSpec {
    let mlp = Mlp::new(3)
        .ensemble(members)
        .dense(6)
        .relu()
        .dense(4)
        .tanh()
        .dense(units);
    match output {
        Output::Sigmoid => mlp.sigmoid(),
        Output::Softmax => mlp.softmax(),
        Output::Linear => mlp.linear(),
    }
    .spec()
    .unwrap()
}

const OUTPUTS: [(Output, usize); 3] = [
    (Output::Sigmoid, 1),
    (Output::Softmax, 3),
    (Output::Linear, 2),
];

fn inputs(n: usize, seed: u64) -> Tensor {
    let mut rng = Rng::new(seed);
    let x: Vec<f32> = (0..n * 3).map(|_| rng.normal() as f32).collect();
    Tensor::from_vec(x, (n, 3), &Device::Cpu).unwrap()
}

/// Member `m` of `ensemble` as a single network: its rows of every stacked tensor.
fn member(ensemble: &Sequential, m: usize) -> Sequential {
    let members = ensemble.spec().ensemble;
    let single = ModelSpec {
        ensemble: 1,
        ..ensemble.spec().clone()
    };
    let mut model = Sequential::from_spec(&single, 0).unwrap();
    for (name, t) in ensemble.parameters() {
        let rows = t.dims()[0] / members;
        model
            .set_parameter(&name, &t.narrow(0, m * rows, rows).unwrap())
            .unwrap();
    }
    model
}

/// Asserts that member `m` of `ensemble` gives the logits of `single` on `x`, within 1e-4.
fn member_matches(ensemble: &Sequential, m: usize, single: &Sequential, x: &Tensor) {
    let (a, b) = (
        values(&member(ensemble, m).logits(x).unwrap()),
        values(&single.logits(x).unwrap()),
    );
    let diff = a
        .iter()
        .zip(&b)
        .map(|(p, q)| (p - q).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-4, "member {m}: max difference {diff:e}");
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

#[test]
fn an_ensemble_predicts_the_mean_of_its_members_predictions() {
    for (output, units) in OUTPUTS {
        let ensemble = Sequential::from_spec(&spec(output, units, 4), 7).unwrap();
        let x = inputs(9, 1);
        let got = values(&ensemble.predict_proba(&x).unwrap());
        let mut mean = vec![0f32; got.len()];
        for m in 0..4 {
            let p = values(&member(&ensemble, m).predict_proba(&x).unwrap());
            mean.iter_mut().zip(p).for_each(|(a, b)| *a += b / 4.0);
        }
        for (g, w) in got.iter().zip(&mean) {
            assert!((g - w).abs() < 1e-5, "{output:?}: {got:?} vs {mean:?}");
        }
        // The members differ: each has its own initial weights.
        assert_ne!(
            values(&member(&ensemble, 0).logits(&x).unwrap()),
            values(&member(&ensemble, 1).logits(&x).unwrap())
        );
        if output != Output::Linear {
            let classes = ensemble.predict_classes(&x).unwrap();
            assert_eq!(classes.len(), 9);
        }
    }
}

#[test]
fn one_member_is_the_plain_network_and_the_spec_says_so_only_when_there_are_more() {
    let plain = Sequential::from_spec(&spec(Output::Softmax, 3, 1), 3).unwrap();
    let mut json = ModelSpec::to_json(&spec(Output::Softmax, 3, 1));
    assert!(!json.contains("ensemble"), "{json}");
    json = json.replacen('{', "{\"ensemble\": 1,", 1);
    let one = Sequential::from_spec(&ModelSpec::from_json(&json).unwrap(), 3).unwrap();
    let x = inputs(5, 2);
    assert_eq!(
        values(&plain.logits(&x).unwrap()),
        values(&one.logits(&x).unwrap())
    );
    assert!(spec(Output::Softmax, 3, 3)
        .to_json()
        .contains("\"ensemble\": 3"));
    assert_eq!(
        spec(Output::Softmax, 3, 3).parameter_count(),
        3 * spec(Output::Softmax, 3, 1).parameter_count()
    );
}

#[test]
fn members_train_as_if_each_trained_alone_on_the_same_batches() {
    let x = inputs(40, 4);
    let y: Vec<u32> = values(&x)
        .chunks(3)
        .map(|r| u32::from(r[0] > 0.0) + u32::from(r[1] > 0.5))
        .collect();
    let y = Tensor::from_vec(y, 40, &Device::Cpu).unwrap();
    let data = TrainData::new(x.clone(), y).unwrap();
    let recipe = Recipe {
        optimizer: OptimizerKind::Adam,
        batch_size: Some(8),
        epochs: 3,
        seed: 5,
        ..Recipe::default()
    };
    let mut ensemble = Sequential::from_spec(&spec(Output::Softmax, 3, 3), 11).unwrap();
    let alone: Vec<Sequential> = (0..3).map(|m| member(&ensemble, m)).collect();
    Trainer::new(recipe.clone())
        .unwrap()
        .fit(&mut ensemble, &data, None)
        .unwrap();
    for (m, mut single) in alone.into_iter().enumerate() {
        Trainer::new(recipe.clone())
            .unwrap()
            .fit(&mut single, &data, None)
            .unwrap();
        // The members' mean loss scales each gradient by 1/3, which Adam's update divides out
        // (up to its ε).
        member_matches(&ensemble, m, &single, &x);
    }
}

/// With `bootstrap`, member m counts row r `bootstrap_count(key, m, r)` times: in full-batch
/// training without shuffling, it ends as a single network trained on the rows repeated that
/// many times (Adam divides out the different scale of the two losses, up to its ε).
#[test]
fn bootstrap_members_train_as_if_alone_on_their_resampled_rows() {
    use deepnet::ensemble::{bootstrap_count, bootstrap_key};
    let n = 30;
    let x = inputs(n, 6);
    let xs = values(&x);
    let ys: Vec<u32> = xs.chunks(3).map(|r| u32::from(r[0] + r[2] > 0.0)).collect();
    let recipe = Recipe {
        optimizer: OptimizerKind::Adam,
        batch_size: None,
        shuffle: false,
        epochs: 3,
        seed: 9,
        bootstrap: true,
        ..Recipe::default()
    };
    let data = TrainData::new(
        x.clone(),
        Tensor::from_vec(ys.clone(), n, &Device::Cpu).unwrap(),
    )
    .unwrap();
    let mut ensemble = Sequential::from_spec(&spec(Output::Softmax, 2, 3), 12).unwrap();
    let alone: Vec<Sequential> = (0..3).map(|m| member(&ensemble, m)).collect();
    Trainer::new(recipe.clone())
        .unwrap()
        .fit(&mut ensemble, &data, None)
        .unwrap();
    let key = bootstrap_key(recipe.seed);
    let mut samples = Vec::new();
    for (m, mut single) in alone.into_iter().enumerate() {
        let (mut rx, mut ry) = (Vec::new(), Vec::new());
        for r in 0..n {
            for _ in 0..bootstrap_count(key, m, r as u32) {
                rx.extend_from_slice(&xs[r * 3..r * 3 + 3]);
                ry.push(ys[r]);
            }
        }
        let rows = ry.len();
        samples.push(rows);
        let resampled = TrainData::new(
            Tensor::from_vec(rx, (rows, 3), &Device::Cpu).unwrap(),
            Tensor::from_vec(ry, rows, &Device::Cpu).unwrap(),
        )
        .unwrap();
        let plain = Recipe {
            bootstrap: false,
            ..recipe.clone()
        };
        Trainer::new(plain)
            .unwrap()
            .fit(&mut single, &resampled, None)
            .unwrap();
        member_matches(&ensemble, m, &single, &x);
    }
    // Three different samples.
    samples.dedup();
    assert!(samples.len() > 1, "{samples:?}");
    // Poisson(1): mean 1, e⁻¹ of the rows left out.
    let counts: Vec<u32> = (0..20_000).map(|r| bootstrap_count(key, 0, r)).collect();
    let mean = counts.iter().sum::<u32>() as f64 / 2e4;
    let zeros = counts.iter().filter(|&&c| c == 0).count() as f64 / 2e4;
    assert!((mean - 1.0).abs() < 0.03, "{mean}");
    assert!((zeros - (-1f64).exp()).abs() < 0.01, "{zeros}");
    // A single network has nothing to resample.
    let mut single = Sequential::from_spec(&spec(Output::Softmax, 2, 1), 1).unwrap();
    assert_eq!(
        Trainer::new(recipe)
            .unwrap()
            .fit(&mut single, &data, None)
            .unwrap_err()
            .to_string(),
        "recipe: `bootstrap` needs an ensemble of 2 or more members (`ensemble` in the spec, or --ensemble)"
    );
}

/// With `member_validation`, member m never trains on the rows it holds out
/// (`holdout_members`): in full-batch training without shuffling it ends as a single network
/// trained on the other rows. The validation loss and accuracy are those of every held-out row
/// as predicted by its holder alone.
#[test]
fn member_validation_members_train_without_their_own_rows_and_validate_on_them() {
    use deepnet::ensemble::{held_out_per_member, holdout_members, NO_MEMBER};
    let n = 30;
    let x = inputs(n, 8);
    let xs = values(&x);
    let ys: Vec<u32> = xs.chunks(3).map(|r| u32::from(r[0] - r[1] > 0.0)).collect();
    let recipe = Recipe {
        optimizer: OptimizerKind::Adam,
        batch_size: None,
        shuffle: false,
        epochs: 3,
        seed: 5,
        member_validation: Some(0.2),
        ..Recipe::default()
    };
    let data = TrainData::new(
        x.clone(),
        Tensor::from_vec(ys.clone(), n, &Device::Cpu).unwrap(),
    )
    .unwrap();
    let mut ensemble = Sequential::from_spec(&spec(Output::Softmax, 2, 3), 4).unwrap();
    let alone: Vec<Sequential> = (0..3).map(|m| member(&ensemble, m)).collect();
    let history = Trainer::new(recipe.clone())
        .unwrap()
        .fit(&mut ensemble, &data, None)
        .unwrap();
    let holder = holdout_members(n, 3, 0.2, recipe.seed, Some(&ys)).unwrap();
    assert_eq!(held_out_per_member(n, 3, 0.2), 6);
    for m in 0..3u16 {
        assert_eq!(holder.iter().filter(|&&h| h == m).count(), 6);
    }
    assert_eq!(holder.iter().filter(|&&h| h == NO_MEMBER).count(), 12);
    let mut alone_losses = vec![0f64; recipe.epochs];
    for (m, mut single) in alone.into_iter().enumerate() {
        let kept: Vec<usize> = (0..n).filter(|&r| holder[r] != m as u16).collect();
        let rx: Vec<f32> = kept
            .iter()
            .flat_map(|&r| xs[r * 3..r * 3 + 3].to_vec())
            .collect();
        let ry: Vec<u32> = kept.iter().map(|&r| ys[r]).collect();
        let rest = TrainData::new(
            Tensor::from_vec(rx, (kept.len(), 3), &Device::Cpu).unwrap(),
            Tensor::from_vec(ry, kept.len(), &Device::Cpu).unwrap(),
        )
        .unwrap();
        let plain = Recipe {
            member_validation: None,
            ..recipe.clone()
        };
        let h = Trainer::new(plain)
            .unwrap()
            .fit(&mut single, &rest, None)
            .unwrap();
        member_matches(&ensemble, m, &single, &x);
        for (sum, e) in alone_losses.iter_mut().zip(&h.epochs) {
            *sum += e.train_loss / 3.0;
        }
    }
    // Every member trains on as many rows, so the training loss over the rows each member
    // trains on is the mean of the members' own.
    for (e, want) in history.epochs.iter().zip(&alone_losses) {
        assert!(
            (e.train_loss - want).abs() < 1e-5,
            "{} {want}",
            e.train_loss
        );
    }
    // The last epoch's validation: each held-out row by its holder, cut from the ensemble.
    let (mut loss, mut correct, mut rows) = (0f64, 0usize, 0usize);
    for m in 0..3 {
        let p = values(&member(&ensemble, m).predict_proba(&x).unwrap());
        for r in (0..n).filter(|&r| holder[r] == m as u16) {
            let (p0, p1) = (p[r * 2] as f64, p[r * 2 + 1] as f64);
            let y = ys[r] as usize;
            loss -= [p0, p1][y].ln();
            correct += usize::from(usize::from(p1 > p0) == y);
            rows += 1;
        }
    }
    let last = history.epochs.last().unwrap();
    let (got_loss, got_acc) = (last.val_loss.unwrap(), last.val_accuracy.unwrap());
    assert!(
        (got_loss - loss / rows as f64).abs() < 1e-4,
        "{got_loss} {}",
        loss / rows as f64
    );
    assert_eq!(got_acc, correct as f64 / rows as f64);
    // A single network holds out one fraction, as a validation split would.
    let mut single = Sequential::from_spec(&spec(Output::Softmax, 2, 1), 3).unwrap();
    let h = Trainer::new(recipe.clone())
        .unwrap()
        .fit(&mut single, &data, None)
        .unwrap();
    assert!(h.epochs.iter().all(|e| e.val_loss.is_some()));
    // Validation data given, or more rows than there are.
    let err = |spec: &ModelSpec, recipe: &Recipe, val: Option<&TrainData>| {
        let mut model = Sequential::from_spec(spec, 1).unwrap();
        Trainer::new(recipe.clone())
            .and_then(|mut t| t.fit(&mut model, &data, val))
            .unwrap_err()
            .to_string()
    };
    let three = spec(Output::Softmax, 2, 3);
    assert_eq!(
        err(&three, &recipe, Some(&data)),
        "recipe: `member_validation` holds out rows of the training data for each member; give no validation data with it"
    );
    let half = Recipe {
        member_validation: Some(0.5),
        ..recipe.clone()
    };
    let none = Recipe {
        member_validation: Some(1.5),
        ..recipe.clone()
    };
    assert_eq!(
        err(&three, &none, None),
        "recipe: `member_validation` must be in (0, 1), got 1.5"
    );
    assert_eq!(
        err(&three, &half, None),
        "recipe: `member_validation` 0.5 of the rows for each of 3 members is more than all of them; at most 0.3333333333333333"
    );
}

#[test]
fn an_ensemble_checkpoint_round_trips() {
    let model = Sequential::from_spec(&spec(Output::Linear, 2, 5), 9).unwrap();
    let path = temp("ensemble-roundtrip").join("model.safetensors");
    save_model(&model, &path, &Default::default()).unwrap();
    let loaded = load_model(&path, &Device::Cpu, DType::F32).unwrap();
    assert_eq!(loaded.spec().ensemble, 5);
    let x = inputs(6, 3);
    assert_eq!(
        values(&model.predict_proba(&x).unwrap()),
        values(&loaded.predict_proba(&x).unwrap())
    );
}

#[test]
fn an_ensemble_outside_one_to_sixty_four_members_is_refused() {
    for k in [0, 65] {
        let text = format!(
            r#"{{"inputs": 2, "ensemble": {k}, "output": "linear",
                "layers": [{{"type": "dense", "units": 1}}]}}"#
        );
        let err = ModelSpec::from_json(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("spec: `ensemble` must be between 1 and 64 members, got {k}")
        );
    }
}
