//! Seeded synthetic 2-D classification sets: moons, circles, spirals, xor, blobs.
//!
//! None of them is linearly separable except blobs, so logistic regression stays near chance
//! while a deep MLP fits them — the point of `examples/why_deep.rs`.

use deepnet_core::Rng;

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};

/// Names accepted by [`synthetic`].
pub const SYNTHETIC_NAMES: [&str; 5] = ["moons", "circles", "spirals", "xor", "blobs"];

/// `n` points of the named set, generated from `seed`, with its default noise.
pub fn synthetic(name: &str, n: usize, seed: u64) -> Result<Dataset> {
    if n < 4 {
        return Err(DataError::Invalid(format!(
            "{name}: need at least 4 points, got {n}"
        )));
    }
    match name {
        "moons" => moons(n, 0.1, seed),
        "circles" => circles(n, 0.05, 0.5, seed),
        "spirals" => spirals(n, 3, 0.03, seed),
        "xor" => xor(n, 0.0, seed),
        "blobs" => blobs(n, 3, 0.5, seed),
        other => Err(DataError::Invalid(format!(
            "unknown synthetic dataset `{other}`; expected one of {}",
            SYNTHETIC_NAMES.join(", ")
        ))),
    }
}

/// Two interleaving half circles (as scikit-learn's `make_moons`), Gaussian noise of std `noise`.
pub fn moons(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    let mut rng = Rng::new(seed);
    points(
        "moons",
        n,
        2,
        |i, rng| {
            let class = i % 2;
            let t = std::f64::consts::PI * rng.next_f64();
            let (x, y) = if class == 0 {
                (t.cos(), t.sin())
            } else {
                (1.0 - t.cos(), 0.5 - t.sin())
            };
            (x + noise * rng.normal(), y + noise * rng.normal(), class)
        },
        &mut rng,
    )
}

/// A small circle (class 1, radius `factor`) inside a large one (class 0, radius 1).
pub fn circles(n: usize, noise: f64, factor: f64, seed: u64) -> Result<Dataset> {
    let mut rng = Rng::new(seed);
    points(
        "circles",
        n,
        2,
        |i, rng| {
            let class = i % 2;
            let r = if class == 0 { 1.0 } else { factor };
            let t = std::f64::consts::TAU * rng.next_f64();
            (
                r * t.cos() + noise * rng.normal(),
                r * t.sin() + noise * rng.normal(),
                class,
            )
        },
        &mut rng,
    )
}

/// `arms` interleaved spiral arms, one class each, each turning 1.5 times around the centre.
pub fn spirals(n: usize, arms: usize, noise: f64, seed: u64) -> Result<Dataset> {
    if arms < 2 {
        return Err(DataError::Invalid(format!(
            "spirals: need at least 2 arms, got {arms}"
        )));
    }
    let mut rng = Rng::new(seed);
    points(
        "spirals",
        n,
        arms,
        |i, rng| {
            let class = i % arms;
            let r = 0.05 + 0.95 * rng.next_f64();
            let theta =
                3.0 * std::f64::consts::PI * r + std::f64::consts::TAU * class as f64 / arms as f64;
            (
                r * theta.cos() + noise * rng.normal(),
                r * theta.sin() + noise * rng.normal(),
                class,
            )
        },
        &mut rng,
    )
}

/// Uniform points in [−1, 1]²; class 1 where the coordinates' signs differ.
pub fn xor(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    let mut rng = Rng::new(seed);
    points(
        "xor",
        n,
        2,
        |_, rng| {
            let (x, y) = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
            let class = usize::from((x > 0.0) != (y > 0.0));
            (x + noise * rng.normal(), y + noise * rng.normal(), class)
        },
        &mut rng,
    )
}

/// `centers` Gaussian blobs of std `std`, centred on a circle of radius 3.
pub fn blobs(n: usize, centers: usize, std: f64, seed: u64) -> Result<Dataset> {
    if centers < 2 {
        return Err(DataError::Invalid(format!(
            "blobs: need at least 2 centers, got {centers}"
        )));
    }
    let mut rng = Rng::new(seed);
    points(
        "blobs",
        n,
        centers,
        |i, rng| {
            let class = i % centers;
            let a = std::f64::consts::TAU * class as f64 / centers as f64;
            (
                3.0 * a.cos() + std * rng.normal(),
                3.0 * a.sin() + std * rng.normal(),
                class,
            )
        },
        &mut rng,
    )
}

fn points(
    name: &str,
    n: usize,
    classes: usize,
    mut gen: impl FnMut(usize, &mut Rng) -> (f64, f64, usize),
    rng: &mut Rng,
) -> Result<Dataset> {
    let mut features = Vec::with_capacity(2 * n);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let (x, y, c) = gen(i, rng);
        features.push(x as f32);
        features.push(y as f32);
        ids.push(c as u32);
    }
    Dataset::new(
        name,
        features,
        vec!["x".into(), "y".into()],
        Labels::Classes {
            ids,
            names: (0..classes).map(|c| c.to_string()).collect(),
        },
    )
}
