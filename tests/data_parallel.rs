//! Data-parallel training in one process: ranks are threads, and the reducer sums their buffers
//! in rank order (as an MPI all-reduce does). N ranks with a global batch B must end an epoch with
//! the weights of one process with batch B — bit-identical with one rank, within 1e-5 relative
//! with 2 and 3 (the halves of each gradient are added in another order) — with dropout on, for
//! momentum and Adam, and every rank must hold the same weights.

use std::sync::{Arc, Barrier, Mutex};

use candle_core::Device;
use deepnet::data::digits;
use deepnet::{
    DataParallel, InputScaling, ModelSpec, OptimizerKind, Recipe, Reducer, Sequential, Trainer,
};
use deepnet_testkit::{relative_difference, weights};

/// The buffers of every rank, summed in rank order.
struct Exchange {
    barrier: Barrier,
    f32s: Mutex<Vec<Vec<f32>>>,
    f64s: Mutex<Vec<Vec<f64>>>,
}

struct ThreadReducer {
    rank: usize,
    shared: Arc<Exchange>,
}

/// Posts `values` as this rank's, waits for every rank, and writes their sum over ranks (in rank
/// order) into `sums`, then waits again so that no rank posts its next buffer before all have
/// read.
fn exchange<T: Copy + std::ops::Add<Output = T>>(
    rank: usize,
    barrier: &Barrier,
    slots: &Mutex<Vec<Vec<T>>>,
    values: &[T],
    sums: &mut [T],
) {
    assert_eq!(values.len(), sums.len());
    slots.lock().unwrap()[rank] = values.to_vec();
    barrier.wait();
    {
        let all = slots.lock().unwrap();
        for (i, v) in sums.iter_mut().enumerate() {
            let mut s = all[0][i];
            for r in &all[1..] {
                s = s + r[i];
            }
            *v = s;
        }
    }
    barrier.wait();
}

impl Reducer for ThreadReducer {
    fn sum_f32(&mut self, values: &[f32], sums: &mut [f32]) -> deepnet::Result<()> {
        exchange(
            self.rank,
            &self.shared.barrier,
            &self.shared.f32s,
            values,
            sums,
        );
        Ok(())
    }
    fn sum_f64(&mut self, values: &[f64], sums: &mut [f64]) -> deepnet::Result<()> {
        exchange(
            self.rank,
            &self.shared.barrier,
            &self.shared.f64s,
            values,
            sums,
        );
        Ok(())
    }
}

const SPEC: &str = r#"{"inputs": 64, "output": "softmax", "init": "he_normal", "layers": [
    {"type": "dense", "units": 48}, {"type": "relu"}, {"type": "dropout", "rate": 0.2},
    {"type": "dense", "units": 32}, {"type": "tanh"}, {"type": "dense", "units": 10}]}"#;

/// The model after `epochs` epochs of `kind` with a global batch of 100, on `ranks` ranks
/// (None: the ordinary single-process trainer), each given every training row or, with
/// `shard`, only its own; one model per rank.
fn train(
    kind: OptimizerKind,
    epochs: usize,
    ranks: Option<usize>,
    shard: bool,
) -> Vec<Vec<Vec<f32>>> {
    let spec = ModelSpec::from_json(SPEC).unwrap();
    let ds = digits().unwrap();
    let data = ds.train_data(spec.output, &Device::Cpu).unwrap();
    let config = Recipe {
        optimizer: kind,
        lr: Some(0.01),
        batch_size: Some(100),
        epochs,
        seed: 7,
        ..Recipe::default()
    };
    let fresh = || {
        let mut m = Sequential::from_spec(&spec, 3).unwrap();
        m.set_input_scaling(Some(InputScaling::fit(&ds.features, ds.width()).unwrap()))
            .unwrap();
        m
    };
    let Some(n) = ranks else {
        let mut m = fresh();
        Trainer::new(config)
            .unwrap()
            .fit(&mut m, &data, None)
            .unwrap();
        return vec![weights(&m)];
    };
    let shared = Arc::new(Exchange {
        barrier: Barrier::new(n),
        f32s: Mutex::new(vec![Vec::new(); n]),
        f64s: Mutex::new(vec![Vec::new(); n]),
    });
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|rank| {
                let (shared, config, mut data, mut m) =
                    (shared.clone(), config.clone(), data.clone(), fresh());
                let ds = &ds;
                s.spawn(move || {
                    let reducer = Box::new(ThreadReducer { rank, shared });
                    let mut parallel = DataParallel::new(rank, n, reducer).unwrap();
                    if shard {
                        let rows: Vec<usize> = parallel.shard(ds.len()).collect();
                        data = ds
                            .subset(&rows)
                            .train_data(spec.output, &Device::Cpu)
                            .unwrap();
                        parallel = parallel.with_shard_of(ds.len());
                    }
                    let mut t = Trainer::new(config)
                        .unwrap()
                        .with_threads(1)
                        .with_data_parallel(parallel);
                    t.fit(&mut m, &data, None).unwrap();
                    weights(&m)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn ranks_end_an_epoch_with_the_weights_of_one_process() {
    for kind in [OptimizerKind::Momentum, OptimizerKind::Adam] {
        let single = train(kind, 1, None, false).remove(0);
        let one_rank = train(kind, 1, Some(1), false).remove(0);
        assert_eq!(
            one_rank, single,
            "{kind:?}: one rank is the single process, bit for bit"
        );
        for n in [2, 3] {
            let ranks = train(kind, 1, Some(n), false);
            assert_eq!(
                train(kind, 1, Some(n), true),
                ranks,
                "{kind:?}, {n} ranks: holding only their own rows changes nothing"
            );
            for (r, w) in ranks.iter().enumerate().skip(1) {
                assert_eq!(
                    w, &ranks[0],
                    "{kind:?}: rank {r} of {n} differs from rank 0"
                );
            }
            let diff = relative_difference(&single, &ranks[0]);
            assert!(
                diff < 1e-5,
                "{kind:?}, {n} ranks: relative difference {diff:e}"
            );
            assert!(relative_difference(&single, &train(kind, 1, None, false)[0]) == 0.0);
        }
    }
}

#[test]
fn dropout_masks_do_not_depend_on_the_split() {
    // With SGD the update is linear in the gradient: 2 ranks stay within rounding of one process
    // over several epochs, which fails if any row's dropout mask depended on its rank.
    let single = train(OptimizerKind::Sgd, 3, None, false).remove(0);
    let two = train(OptimizerKind::Sgd, 3, Some(2), true).remove(0);
    let diff = relative_difference(&single, &two);
    assert!(diff < 1e-5, "relative difference {diff:e}");
}

#[test]
fn a_rank_given_the_wrong_share_of_rows_is_told_so() {
    let spec = ModelSpec::from_json(SPEC).unwrap();
    let ds = digits().unwrap();
    let data = ds.train_data(spec.output, &Device::Cpu).unwrap();
    let shared = Arc::new(Exchange {
        barrier: Barrier::new(1),
        f32s: Mutex::new(vec![Vec::new(); 2]),
        f64s: Mutex::new(vec![Vec::new(); 2]),
    });
    let reducer = Box::new(ThreadReducer { rank: 1, shared });
    let parallel = DataParallel::new(1, 2, reducer)
        .unwrap()
        .with_shard_of(ds.len());
    let mut m = Sequential::from_spec(&spec, 3).unwrap();
    let err = Trainer::new(Recipe::default())
        .unwrap()
        .with_data_parallel(parallel)
        .fit(&mut m, &data, None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid argument: rank 1 of 2 should hold {} of the {} training rows (rows 1, 3, …) but was given {}",
            ds.len() / 2,
            ds.len(),
            ds.len()
        )
    );
}
