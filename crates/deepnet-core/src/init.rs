//! Weight initialisation schemes, drawn from the seeded [`Rng`].
//!
//! Formulas mirror `torch.nn.init` (gain 1 for Xavier, the ReLU gain √2 for He) and
//! `nn.Linear.reset_parameters` for [`Init::Pytorch`]. Weights have shape `[fan_out, fan_in]`.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// How a dense layer's weights (and, for some schemes, its bias) start.
///
/// In a spec: `"zeros"`, `"xavier_uniform"`, `"xavier_normal"`, `"he_uniform"`, `"he_normal"`,
/// `"pytorch"`, `{"constant": 0.5}`, `{"uniform": {"low": -0.1, "high": 0.1}}`,
/// `{"normal": {"mean": 0.0, "std": 0.01}}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Init {
    /// All weights 0. A hidden layer started this way never breaks its symmetry.
    Zeros,
    /// All weights equal to the value (symmetric like zeros).
    Constant(f64),
    /// U(low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// N(mean, std²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Glorot: U(±√(6 / (fan_in + fan_out))) — `torch.nn.init.xavier_uniform_`.
    XavierUniform,
    /// Glorot: N(0, 2 / (fan_in + fan_out)) — `torch.nn.init.xavier_normal_`.
    XavierNormal,
    /// He/Kaiming for ReLU: U(±√(6 / fan_in)) — `kaiming_uniform_(nonlinearity="relu")`.
    HeUniform,
    /// He/Kaiming for ReLU: N(0, 2 / fan_in) — `kaiming_normal_(nonlinearity="relu")`.
    HeNormal,
    /// PyTorch's default for `nn.Linear`: weight and bias U(±1/√fan_in).
    #[default]
    Pytorch,
}

impl Init {
    /// `fan_out × fan_in` weight values, row-major.
    pub fn weights(&self, fan_out: usize, fan_in: usize, rng: &mut Rng) -> Vec<f64> {
        let n = fan_out * fan_in;
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match *self {
            Init::Zeros => vec![0.0; n],
            Init::Constant(c) => vec![c; n],
            Init::Uniform { low, high } => (0..n).map(|_| rng.uniform(low, high)).collect(),
            Init::Normal { mean, std } => (0..n).map(|_| mean + std * rng.normal()).collect(),
            Init::XavierUniform => uniform_sym(n, (6.0 / (fi + fo)).sqrt(), rng),
            Init::XavierNormal => normal(n, (2.0 / (fi + fo)).sqrt(), rng),
            Init::HeUniform => uniform_sym(n, (6.0 / fi).sqrt(), rng),
            Init::HeNormal => normal(n, (2.0 / fi).sqrt(), rng),
            Init::Pytorch => uniform_sym(n, 1.0 / fi.sqrt(), rng),
        }
    }

    /// `fan_out` bias values: U(±1/√fan_in) for [`Init::Pytorch`], zeros otherwise (as Keras).
    pub fn biases(&self, fan_out: usize, fan_in: usize, rng: &mut Rng) -> Vec<f64> {
        match self {
            Init::Pytorch => uniform_sym(fan_out, 1.0 / (fan_in as f64).sqrt(), rng),
            _ => vec![0.0; fan_out],
        }
    }

    /// True when every unit of a layer starts identical, so gradient descent cannot tell the
    /// units apart (zeros, constant).
    pub fn is_symmetric(&self) -> bool {
        matches!(self, Init::Zeros | Init::Constant(_))
    }
}

fn uniform_sym(n: usize, bound: f64, rng: &mut Rng) -> Vec<f64> {
    (0..n).map(|_| rng.uniform(-bound, bound)).collect()
}

fn normal(n: usize, std: f64, rng: &mut Rng) -> Vec<f64> {
    (0..n).map(|_| std * rng.normal()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_parse() {
        let parse = |s: &str| serde_json::from_str::<Init>(s).map_err(|e| e.to_string());
        assert_eq!(parse("\"he_normal\""), Ok(Init::HeNormal));
        assert_eq!(parse("{\"constant\": 0.5}"), Ok(Init::Constant(0.5)));
        assert_eq!(
            parse("{\"uniform\": {\"low\": -1, \"high\": 1}}"),
            Ok(Init::Uniform {
                low: -1.0,
                high: 1.0
            })
        );
        assert!(parse("\"lecun\"").is_err());
    }

    #[test]
    fn bounds_and_spread_follow_the_formulas() {
        let mut rng = Rng::new(1);
        let w = Init::HeUniform.weights(100, 50, &mut rng);
        let bound = (6.0f64 / 50.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        let w = Init::XavierNormal.weights(200, 300, &mut rng);
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        assert!((var / (2.0 / 500.0) - 1.0).abs() < 0.05, "var {var}");
        let b = Init::Pytorch.biases(1000, 4, &mut rng);
        assert!(b.iter().all(|v| v.abs() <= 0.5) && b.iter().any(|v| v.abs() > 0.4));
    }
}
