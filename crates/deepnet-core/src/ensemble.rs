//! Deep ensembles in one model: K members with the same layers and their own initial weights,
//! trained side by side on the same batches, predicting the mean of their predictions.
//!
//! A spec's `"ensemble": K` stacks the members inside every dense layer (weight `[K·units, in]`,
//! see [`crate::ModelSpec::parameter_shapes`]): the first layer reads the shared input, every
//! later one its own member's activations, so one pass computes all members with K matrix
//! products per layer instead of K passes, and the members never see each other's weights.
//!
//! Training minimises the members' mean loss, (1/K) Σₘ J(zₘ): each member's gradient is its own
//! loss's, scaled by 1/K (which Adam's update does not see). Validation, early stopping,
//! evaluation and prediction use the ensemble's prediction: the mean of the members'
//! probabilities (softmax or sigmoid) or values (linear), given to the loss as the logits that
//! produce it ([`combine`]), so every metric, loss and export reads it as a single network's.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::loss::{softmax, Loss};
use crate::real::Real;
use crate::rng::Rng;

/// The key of a run's bootstrap counts, from the recipe's seed: one for the whole run, so that
/// each member keeps its sample from step to step.
pub fn bootstrap_key(seed: u64) -> u64 {
    Rng::new(seed ^ 0xB007_57A9).next_u64()
}

/// With the recipe's `bootstrap`, how many times training row `row` counts in member `member`'s
/// loss: a draw from Poisson(1), fixed by (`key`, member, row) for the whole run. Each member
/// then trains on its own bootstrap sample of the rows, as bagging draws n rows with
/// replacement (whose counts tend to Poisson(1) as n grows), without resampling the batches.
pub fn bootstrap_count(key: u64, member: usize, row: u32) -> u32 {
    let id = ((member as u64) << 40) ^ row as u64;
    let u = Rng::new(key ^ id.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_f64();
    // Inverse CDF: P(c) = e⁻¹ / c!.
    let (mut c, mut p) = (0u32, (-1f64).exp());
    let mut cdf = p;
    while u >= cdf && c < 20 {
        c += 1;
        p /= c as f64;
        cdf += p;
    }
    c
}

/// Marks a training row that no member holds out in [`holdout_members`].
pub const NO_MEMBER: u16 = u16::MAX;

/// With the recipe's `member_validation` fraction `f`, which member holds out each of `n`
/// training rows: the rows in an order shuffled by `seed`, the first round(f·n) held out by
/// member 0, the next round(f·n) by member 1, and so on ([`held_out_per_member`]); the rest by
/// none ([`NO_MEMBER`]).
/// Member m trains on every row but its own and validates on its own, so each validation row
/// is predicted by a member that never trained on it.
///
/// With `classes` (each row's class), the order is stratified, as scikit-learn's
/// `StratifiedKFold` is: each class's rows, shuffled, are spread evenly over it (the i-th of a
/// class's c rows at (i + u)/c of the way, u drawn once per class), so that any stretch of the
/// order, and so every member's held-out rows, holds each class in its share of the rows to
/// within one row. `classes` of another length than `n` are an error.
pub fn holdout_members(
    n: usize,
    members: usize,
    fraction: f64,
    seed: u64,
    classes: Option<&[u32]>,
) -> Result<Vec<u16>> {
    if let Some(c) = classes.filter(|c| c.len() != n) {
        return Err(Error::Invalid(format!(
            "holdout_members: {} classes for {n} rows",
            c.len()
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(seed ^ 0x4F1D_0C7A);
    rng.shuffle(&mut order);
    if let Some(classes) = classes {
        // Per class: its size, its offset u, and how many of its rows are placed so far.
        let mut class = std::collections::BTreeMap::<u32, (usize, f64, usize)>::new();
        for &c in classes {
            class.entry(c).or_default().0 += 1;
        }
        for entry in class.values_mut() {
            entry.1 = rng.next_f64();
        }
        let mut place: Vec<(f64, usize)> = order
            .iter()
            .map(|&r| match class.get_mut(&classes[r]) {
                Some((size, u, placed)) => {
                    let at = (*placed as f64 + *u) / *size as f64;
                    *placed += 1;
                    (at, r)
                }
                // Every row's class was counted above.
                None => (0.0, r),
            })
            .collect();
        // Stable: rows at the same place keep their shuffled order.
        place.sort_by(|a, b| a.0.total_cmp(&b.0));
        order = place.into_iter().map(|(_, r)| r).collect();
    }
    let mut holder = vec![NO_MEMBER; n];
    let each = held_out_per_member(n, members, fraction);
    if each == 0 {
        return Ok(holder);
    }
    for (m, rows) in order.chunks(each).take(members).enumerate() {
        for &r in rows {
            holder[r] = m as u16;
        }
    }
    Ok(holder)
}

/// How many of `n` training rows each of `members` members holds out with the fraction
/// `fraction` ([`holdout_members`]): round(fraction·n), at least 1 and at most n / members
/// (0 when there are fewer rows than members).
pub fn held_out_per_member(n: usize, members: usize, fraction: f64) -> usize {
    ((fraction * n as f64).round() as usize)
        .max(1)
        .min(n / members.max(1))
}

/// Smallest probability [`combine`] takes the log of: e^−69, far below any f32 probability a
/// member can produce other than 0, so that a class no member gives any chance stays finite.
const MIN_PROBABILITY: f64 = 1e-30;

/// The ensemble's logits `out` (`k` values) from the members' logits `z` (`members · k` values,
/// member m at `m·k..(m + 1)·k`) of one row:
/// - softmax: log p̄ with p̄ = (1/K) Σₘ softmax(zₘ), whose softmax is p̄ again;
/// - sigmoid: log p̄ − log q̄ with p̄ = (1/K) Σₘ σ(zₘ) and q̄ = (1/K) Σₘ σ(−zₘ) = 1 − p̄ (computed
///   on its own, so that a p̄ near 1 keeps its precision), whose sigmoid is p̄;
/// - linear: the mean (1/K) Σₘ zₘ.
///
/// `scratch` holds `k` values.
pub(crate) fn combine<T: Real>(loss: Loss, z: &[T], out: &mut [T], scratch: &mut [T]) {
    let k = out.len();
    let members = z.len() / k.max(1);
    let inv = T::ONE / T::from_f64(members as f64);
    out.fill(T::ZERO);
    match loss {
        Loss::MeanSquaredError => {
            for zm in z.chunks_exact(k) {
                for (o, &v) in out.iter_mut().zip(zm) {
                    *o += v * inv;
                }
            }
        }
        Loss::CrossEntropy => {
            for zm in z.chunks_exact(k) {
                softmax(zm, scratch);
                for (o, &p) in out.iter_mut().zip(scratch.iter()) {
                    *o += p * inv;
                }
            }
            let floor = T::from_f64(MIN_PROBABILITY);
            out.iter_mut().for_each(|p| *p = p.max_of(floor).ln());
        }
        Loss::BinaryCrossEntropy => {
            let (mut p, mut q) = (T::ZERO, T::ZERO);
            for zm in z.chunks_exact(k) {
                let mut s = [T::ZERO; 2];
                Activation::Sigmoid.forward(&[zm[0], -zm[0]], &mut s);
                p += s[0] * inv;
                q += s[1] * inv;
            }
            let floor = T::from_f64(MIN_PROBABILITY);
            out[0] = p.max_of(floor).ln() - q.max_of(floor).ln();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sigmoid(z: f64) -> f64 {
        1.0 / (1.0 + (-z).exp())
    }

    /// How many rows of each of `k` classes every member holds out.
    fn held_out_classes(
        holder: &[u16],
        classes: &[u32],
        members: usize,
        k: usize,
    ) -> Vec<Vec<usize>> {
        let mut counts = vec![vec![0; k]; members];
        for (&m, &c) in holder.iter().zip(classes) {
            if m != NO_MEMBER {
                counts[m as usize][c as usize] += 1;
            }
        }
        counts
    }

    #[test]
    fn stratified_members_hold_out_each_class_in_its_share() {
        // 100 rows, a fifth of them class 1, in runs: every member of eight holds out 12 rows,
        // 9 or 10 of class 0 and 2 or 3 of class 1 (a fifth of 12 is 2.4); 4 rows are held out
        // by none.
        let classes: Vec<u32> = (0..100).map(|r| u32::from(r % 50 >= 40)).collect();
        for seed in 0..20 {
            let holder = holdout_members(100, 8, 0.125, seed, Some(&classes)).unwrap();
            assert_eq!(holder.iter().filter(|&&m| m == NO_MEMBER).count(), 4);
            for counts in held_out_classes(&holder, &classes, 8, 2) {
                assert_eq!(counts[0] + counts[1], 12, "{counts:?}");
                assert!((2..=3).contains(&counts[1]), "seed {seed}: {counts:?}");
            }
            // Drawn at random instead, some member's share of class 1 strays further for
            // some seed; the held-out rows are as many.
            let plain = holdout_members(100, 8, 0.125, seed, None).unwrap();
            assert_eq!(plain.iter().filter(|&&m| m == NO_MEMBER).count(), 4);
        }
        let strays = (0..20).any(|seed| {
            let plain = holdout_members(100, 8, 0.125, seed, None).unwrap();
            held_out_classes(&plain, &classes, 8, 2)
                .iter()
                .any(|c| !(2..=3).contains(&c[1]))
        });
        assert!(strays);
        // A class of one row is held out by one member; three classes of 10, 10 and 1 rows,
        // over three members holding out 7 each, give each 3 or 4 of the first two.
        let classes: Vec<u32> = (0..21).map(|r| r % 2 + u32::from(r == 20) * 2).collect();
        let holder = holdout_members(21, 3, 1.0 / 3.0, 7, Some(&classes)).unwrap();
        let counts = held_out_classes(&holder, &classes, 3, 3);
        assert_eq!(counts.iter().map(|c| c[2]).sum::<usize>(), 1, "{counts:?}");
        for c in &counts {
            assert_eq!(c.iter().sum::<usize>(), 7, "{counts:?}");
            assert!(
                (3..=4).contains(&c[0]) && (3..=4).contains(&c[1]),
                "{counts:?}"
            );
        }
        assert_eq!(
            holdout_members(21, 3, 0.2, 7, Some(&classes[..20]))
                .unwrap_err()
                .to_string(),
            "invalid argument: holdout_members: 20 classes for 21 rows"
        );
    }

    #[test]
    fn the_combined_logits_give_the_members_mean_prediction() {
        let mut scratch = [0.0; 3];
        // Softmax: softmax(out) is the mean of the members' softmax.
        let z = [1.0f64, 2.0, 0.5, -1.0, 3.0, 0.0];
        let mut out = [0.0; 3];
        combine(Loss::CrossEntropy, &z, &mut out, &mut scratch);
        let (mut a, mut b, mut p) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        softmax(&z[..3], &mut a);
        softmax(&z[3..], &mut b);
        softmax(&out, &mut p);
        for j in 0..3 {
            assert!((p[j] - (a[j] + b[j]) / 2.0).abs() < 1e-12, "{p:?}");
        }
        // Sigmoid, with one member sure: σ(out) is the mean.
        let mut out = [0.0];
        combine(
            Loss::BinaryCrossEntropy,
            &[0.3, 40.0, -2.0],
            &mut out,
            &mut scratch,
        );
        let want = (sigmoid(0.3) + sigmoid(40.0) + sigmoid(-2.0)) / 3.0;
        assert!((sigmoid(out[0]) - want).abs() < 1e-12, "{out:?}");
        // Linear: the mean of every target.
        let mut out = [0.0; 2];
        combine(
            Loss::MeanSquaredError,
            &[1.0, 2.0, 3.0, 6.0],
            &mut out,
            &mut scratch,
        );
        assert_eq!(out, [2.0, 4.0]);
        // A class no member gives any chance stays finite.
        let mut out = [0.0; 2];
        combine(Loss::CrossEntropy, &[0.0, -1e4], &mut out, &mut scratch);
        assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    }
}
