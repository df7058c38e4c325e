//! Element-wise activations a = g(z), each with its derivative g'(z) beside it.
//!
//! This file is the only place an activation's formula is written: [`Activation::f`] and
//! [`Activation::df`] are what the engine runs for training, gradient checks and inference, in
//! f32 and f64. A new activation is a new variant here (its spec name comes from the variant).

use serde::{Deserialize, Serialize};

use crate::linalg::simd;
use crate::real::Real;

/// An element-wise non-linearity. In a spec: `{"type": "relu"}`, `{"type": "leaky_relu",
/// "slope": 0.01}`, ...
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^−z); σ'(z) = σ(z)(1 − σ(z)) ≤ 1/4, near 0 when |z| is large.
    Sigmoid,
    /// tanh(z); tanh'(z) = 1 − tanh²(z), near 0 when |z| is large.
    Tanh,
    /// max(z, 0); derivative 1 for z > 0, else 0.
    Relu,
    /// z for z > 0, slope·z otherwise.
    LeakyRelu {
        /// Slope for negative inputs (default 0.01).
        #[serde(default = "default_slope")]
        slope: f64,
    },
    /// z.
    Identity,
    /// GELU, z·Φ(z) with Φ the standard normal CDF (PyTorch's `nn.GELU()`, exact erf form);
    /// GELU'(z) = Φ(z) + z·φ(z).
    Gelu,
}

fn default_slope() -> f64 {
    0.01
}

impl Activation {
    /// a = g(z).
    #[inline(always)]
    pub fn f<T: Real>(self, z: T) -> T {
        match self {
            Activation::Sigmoid => sigmoid_and_exp(z).0,
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max_of(T::ZERO),
            Activation::LeakyRelu { slope } => {
                if z > T::ZERO {
                    z
                } else {
                    z * T::from_f64(slope)
                }
            }
            Activation::Identity => z,
            // z·Φ(z) = z·(1 + erf(z/√2))/2
            Activation::Gelu => z * normal_cdf(z),
        }
    }

    /// g'(z), from the input `z` and the output `a = g(z)` (whichever is cheaper).
    #[inline(always)]
    pub fn df<T: Real>(self, z: T, a: T) -> T {
        match self {
            // σ' = a(1 − a)
            Activation::Sigmoid => a * (T::ONE - a),
            // tanh' = 1 − a²
            Activation::Tanh => T::ONE - a * a,
            // relu' = [z > 0]
            Activation::Relu => {
                if z > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Activation::LeakyRelu { slope } => {
                if z > T::ZERO {
                    T::ONE
                } else {
                    T::from_f64(slope)
                }
            }
            Activation::Identity => T::ONE,
            // Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)
            Activation::Gelu => {
                let pdf = (-(z * z) * T::from_f64(0.5)).exp()
                    * T::from_f64(1.0 / (2.0 * std::f64::consts::PI).sqrt());
                normal_cdf(z) + z * pdf
            }
        }
    }

    /// a = g(z) element-wise over a slice.
    pub fn forward<T: Real>(self, z: &[T], a: &mut [T]) {
        // One loop per variant, so each compiles to its own tight loop; the formula is `f`.
        match self {
            Activation::Sigmoid => map(z, a, |v| Activation::Sigmoid.f(v)),
            Activation::Tanh => map(z, a, |v| Activation::Tanh.f(v)),
            Activation::Relu => map(z, a, |v| Activation::Relu.f(v)),
            l @ Activation::LeakyRelu { .. } => map(z, a, |v| l.f(v)),
            Activation::Identity => a.copy_from_slice(z),
            Activation::Gelu => map(z, a, |v| Activation::Gelu.f(v)),
        }
    }

    /// Backward: dZ = dA ⊙ g'(z), from the cached input `z` and output `a`.
    pub fn backward<T: Real>(self, z: &[T], a: &[T], da: &[T], dz: &mut [T]) {
        match self {
            Activation::Sigmoid => chain(z, a, da, dz, |z, a| Activation::Sigmoid.df(z, a)),
            Activation::Tanh => chain(z, a, da, dz, |z, a| Activation::Tanh.df(z, a)),
            Activation::Relu => chain(z, a, da, dz, |z, a| Activation::Relu.df(z, a)),
            l @ Activation::LeakyRelu { .. } => chain(z, a, da, dz, |z, a| l.df(z, a)),
            Activation::Identity => dz.copy_from_slice(da),
            Activation::Gelu => chain(z, a, da, dz, |z, a| Activation::Gelu.df(z, a)),
        }
    }

    /// Checks the activation's parameters; the message names the one at fault.
    pub fn check(self) -> std::result::Result<(), String> {
        match self {
            Activation::LeakyRelu { slope } if !slope.is_finite() => {
                Err("`slope` must be finite".into())
            }
            _ => Ok(()),
        }
    }

    /// The spec name (`"relu"`, `"leaky_relu"`, ...).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("type")?.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// Every activation, with its default parameters.
    pub fn all() -> Vec<Activation> {
        let mut out = Vec::new();
        // The match has no wildcard: a new variant does not compile until it is listed here.
        let next = |a: Activation| match a {
            Activation::Sigmoid => Some(Activation::Tanh),
            Activation::Tanh => Some(Activation::Relu),
            Activation::Relu => Some(Activation::LeakyRelu {
                slope: default_slope(),
            }),
            Activation::LeakyRelu { .. } => Some(Activation::Identity),
            Activation::Identity => Some(Activation::Gelu),
            Activation::Gelu => None,
        };
        let mut a = Some(Activation::Sigmoid);
        while let Some(x) = a {
            out.push(x);
            a = next(x);
        }
        out
    }
}

/// σ(z) = 1 / (1 + e^−z) computed from e = e^−|z| (never overflows: 1/(1 + e) for z ≥ 0,
/// e/(1 + e) otherwise), returned with e so the log loss can reuse it.
#[inline(always)]
pub fn sigmoid_and_exp<T: Real>(z: T) -> (T, T) {
    let e = (-z.abs()).exp();
    let s = if z >= T::ZERO {
        T::ONE / (T::ONE + e)
    } else {
        e / (T::ONE + e)
    };
    (s, e)
}

/// Φ(z) = (1 + erf(z/√2)) / 2, the standard normal CDF.
#[inline(always)]
fn normal_cdf<T: Real>(z: T) -> T {
    (T::ONE + (z * T::from_f64(std::f64::consts::FRAC_1_SQRT_2)).erf()) * T::from_f64(0.5)
}

/// a = f(z) element-wise, on the widest vector instructions the CPU has.
#[inline(always)]
fn map<T: Real>(z: &[T], a: &mut [T], f: impl Fn(T) -> T) {
    simd::map(z, a, f);
}

/// dz = da ⊙ df(z, a) element-wise, on the widest vector instructions the CPU has.
#[inline(always)]
fn chain<T: Real>(z: &[T], a: &[T], da: &[T], dz: &mut [T], df: impl Fn(T, T) -> T) {
    simd::map3(z, a, da, dz, |z, a, g| g * df(z, a));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_derivative_matches_a_finite_difference() {
        for act in Activation::all() {
            for &z in &[-3.0f64, -0.7, -0.1, 0.2, 0.9, 2.5] {
                let h = 1e-6;
                let numeric = (act.f(z + h) - act.f(z - h)) / (2.0 * h);
                let analytic = act.df(z, act.f(z));
                assert!(
                    (numeric - analytic).abs() < 1e-6,
                    "{act:?} at {z}: {analytic} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn names_round_trip_through_serde() {
        for act in Activation::all() {
            let json = serde_json::to_string(&act).unwrap();
            assert!(json.contains(&act.name()), "{json}");
            assert_eq!(serde_json::from_str::<Activation>(&json).unwrap(), act);
        }
    }
}
