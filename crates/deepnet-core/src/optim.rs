//! Optimisers: gradient descent / SGD with optional momentum and Nesterov, Adam and AdamW, with an
//! optional L2 penalty. Their state (moments, step count) is plain data that checkpoints save and
//! restore; buffers are named after the parameter and PyTorch's state keys
//! (`"0.weight.momentum_buffer"`, `"0.weight.exp_avg"`, `"0.weight.exp_avg_sq"`).

use std::collections::BTreeMap;

use candle_core::Tensor;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gradients::Gradients;
use crate::sequential::Sequential;

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// w := w − α·g.
    Sgd,
    /// v := μv + g; w := w − α·v (or w − α(g + μv) with Nesterov), as `torch.optim.SGD`.
    Momentum,
    /// Adam (Kingma & Ba), as `torch.optim.Adam`.
    Adam,
    /// Adam with decoupled weight decay, as `torch.optim.AdamW`.
    Adamw,
}

impl std::str::FromStr for OptimizerKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            Error::Invalid(format!(
                "unknown optimizer `{s}`; expected one of sgd, momentum, adam, adamw"
            ))
        })
    }
}

/// Hyper-parameters of an optimiser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    /// The update rule.
    pub kind: OptimizerKind,
    /// Learning rate α.
    pub lr: f64,
    /// Momentum μ (momentum only).
    pub momentum: f64,
    /// Nesterov momentum (momentum only).
    pub nesterov: bool,
    /// Adam β₁.
    pub beta1: f64,
    /// Adam β₂.
    pub beta2: f64,
    /// Adam ε.
    pub eps: f64,
    /// L2 penalty λ (added to the gradient as λw), or decoupled decay for AdamW.
    pub weight_decay: f64,
}

impl OptimizerConfig {
    /// Defaults for `kind` at learning rate `lr`: μ = 0.9, β = (0.9, 0.999), ε = 1e-8, and no
    /// weight decay except AdamW's 0.01 (PyTorch's defaults).
    pub fn new(kind: OptimizerKind, lr: f64) -> Self {
        OptimizerConfig {
            kind,
            lr,
            momentum: 0.9,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: if kind == OptimizerKind::Adamw {
                0.01
            } else {
                0.0
            },
        }
    }

    /// Plain gradient descent.
    pub fn sgd(lr: f64) -> Self {
        Self::new(OptimizerKind::Sgd, lr)
    }

    /// Adam with PyTorch's defaults.
    pub fn adam(lr: f64) -> Self {
        Self::new(OptimizerKind::Adam, lr)
    }

    fn validate(&self) -> Result<()> {
        let check = |name: &str, v: f64, ok: bool| {
            if ok && v.is_finite() {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "optimizer `{name}` must be {}, got {v}",
                    match name {
                        "lr" => "positive and finite",
                        "weight_decay" => "non-negative",
                        _ => "in [0, 1)",
                    }
                )))
            }
        };
        check("lr", self.lr, self.lr > 0.0)?;
        check("weight_decay", self.weight_decay, self.weight_decay >= 0.0)?;
        check(
            "momentum",
            self.momentum,
            (0.0..1.0).contains(&self.momentum),
        )?;
        check("beta1", self.beta1, (0.0..1.0).contains(&self.beta1))?;
        check("beta2", self.beta2, (0.0..1.0).contains(&self.beta2))?;
        check("eps", self.eps, self.eps > 0.0)
    }
}

/// The optimiser's mutable state.
#[derive(Clone, Debug, Default)]
pub struct OptimizerState {
    /// Number of updates applied so far.
    pub step: u64,
    /// Moment buffers by name (`"{param}.exp_avg"`, ...).
    pub buffers: BTreeMap<String, Tensor>,
}

/// An optimiser: configuration plus state.
#[derive(Clone, Debug)]
pub struct Optimizer {
    config: OptimizerConfig,
    state: OptimizerState,
}

impl Optimizer {
    /// A fresh optimiser; checks the hyper-parameters.
    pub fn new(config: OptimizerConfig) -> Result<Self> {
        config.validate()?;
        Ok(Optimizer {
            config,
            state: OptimizerState::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.config.lr
    }

    /// Changes the learning rate (schedules use this).
    pub fn set_lr(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    /// Moments and step count, for checkpoints.
    pub fn state(&self) -> &OptimizerState {
        &self.state
    }

    /// Restores a state saved from [`Optimizer::state`].
    pub fn set_state(&mut self, state: OptimizerState) {
        self.state = state;
    }

    /// Counts an update applied outside [`Optimizer::step`] (the CPU fast path).
    pub(crate) fn count_step(&mut self) {
        self.state.step += 1;
    }

    /// Applies one update to every parameter of `model` from `grads`.
    pub fn step(&mut self, model: &mut Sequential, grads: &Gradients) -> Result<()> {
        self.state.step += 1;
        let c = &self.config;
        let t = self.state.step as i32;
        for (name, p) in model.parameters_mut() {
            let g = grads
                .get(&name)
                .ok_or_else(|| Error::Shape(format!("no gradient for parameter `{name}`")))?;
            let mut g = g.clone();
            if c.weight_decay > 0.0 && c.kind != OptimizerKind::Adamw {
                // L2 penalty λ/2·‖w‖² adds λw to the gradient.
                g = (g + (&*p * c.weight_decay)?)?;
            }
            let update = match c.kind {
                OptimizerKind::Sgd => g,
                OptimizerKind::Momentum => {
                    let key = format!("{name}.momentum_buffer");
                    let buf = match self.state.buffers.get(&key) {
                        Some(b) => ((b * c.momentum)? + &g)?,
                        None => g.clone(),
                    };
                    let u = if c.nesterov {
                        (&g + (&buf * c.momentum)?)?
                    } else {
                        buf.clone()
                    };
                    self.state.buffers.insert(key, buf);
                    u
                }
                OptimizerKind::Adam | OptimizerKind::Adamw => {
                    if c.kind == OptimizerKind::Adamw && c.weight_decay > 0.0 {
                        *p = (&*p * (1.0 - c.lr * c.weight_decay))?;
                    }
                    let (km, kv) = (format!("{name}.exp_avg"), format!("{name}.exp_avg_sq"));
                    let m = match self.state.buffers.get(&km) {
                        Some(m) => ((m * c.beta1)? + (&g * (1.0 - c.beta1))?)?,
                        None => (&g * (1.0 - c.beta1))?,
                    };
                    let g2 = g.sqr()?;
                    let v = match self.state.buffers.get(&kv) {
                        Some(v) => ((v * c.beta2)? + (g2 * (1.0 - c.beta2))?)?,
                        None => (g2 * (1.0 - c.beta2))?,
                    };
                    let bc1 = 1.0 - c.beta1.powi(t);
                    let bc2 = 1.0 - c.beta2.powi(t);
                    // m̂ / (√v̂ + ε), with the bias corrections folded into scalars
                    let denom = ((v.sqrt()? / bc2.sqrt())? + c.eps)?;
                    let u = ((&m / bc1)? / denom)?;
                    self.state.buffers.insert(km, m);
                    self.state.buffers.insert(kv, v);
                    u
                }
            };
            *p = (&*p - (update * c.lr)?)?;
        }
        Ok(())
    }
}
