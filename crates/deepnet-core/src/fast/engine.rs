//! The fast-path engine: a [`Sequential`]'s parameters and optimiser state as flat f32 buffers.

use candle_core::{DType, Device, Tensor};

use super::matmul::{matmul, View};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::rng::Rng;
use crate::sequential::Sequential;
use crate::spec::Output;

struct Param {
    name: String,
    value: Vec<f32>,
    grad: Vec<f32>,
    /// exp_avg or momentum_buffer.
    m: Vec<f32>,
    /// exp_avg_sq.
    v: Vec<f32>,
    dims: Vec<usize>,
}

enum Op {
    /// weight and bias indices into `params`.
    Dense { w: usize, b: Option<usize>, inputs: usize, outputs: usize },
    Act(Activation),
    Dropout(f64),
}

/// One step's numbers.
pub(crate) struct StepStats {
    pub loss: f64,
    pub correct: usize,
    /// (layer index, ‖∇‖) per dense layer.
    pub norms: Vec<(usize, f64)>,
}

/// A training engine for a CPU f32 model.
pub(crate) struct CpuMlp {
    ops: Vec<(usize, Op)>,
    params: Vec<Param>,
    output: Output,
    inputs: usize,
    outputs: usize,
    scaling: Option<(Vec<f32>, Vec<f32>)>,
    threads: usize,
    /// acts[i] is the input of op i; acts[ops.len()] the logits.
    acts: Vec<Vec<f32>>,
    widths: Vec<usize>,
    masks: Vec<Vec<f32>>,
    grad_a: Vec<f32>,
    grad_b: Vec<f32>,
}

/// Contiguous f32 values of a CPU tensor.
fn values(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.flatten_all()?.to_vec1::<f32>()?)
}

impl CpuMlp {
    /// The engine for `model`, or `None` when the fast path does not apply (not CPU or not f32).
    pub fn new(model: &Sequential, optimizer: &Optimizer) -> Result<Option<Self>> {
        if !matches!(model.device(), Device::Cpu) || model.dtype() != DType::F32 {
            return Ok(None);
        }
        let kind = optimizer.config().kind;
        let state = optimizer.state();
        let mut params = Vec::new();
        let mut ops = Vec::new();
        let mut widths = vec![model.spec().inputs];
        for (i, layer) in model.layers().iter().enumerate() {
            let width = *widths.last().unwrap_or(&0);
            let op = match layer {
                Layer::Dense(d) => {
                    let mut slot = |name: String, t: &Tensor| -> Result<usize> {
                        let value = values(t)?;
                        let buffer = |suffix: &str| -> Result<Vec<f32>> {
                            match state.buffers.get(&format!("{name}.{suffix}")) {
                                Some(b) => values(b),
                                None => Ok(vec![0.0; value.len()]),
                            }
                        };
                        let (m, v) = match kind {
                            OptimizerKind::Sgd => (Vec::new(), Vec::new()),
                            OptimizerKind::Momentum => (buffer("momentum_buffer")?, Vec::new()),
                            OptimizerKind::Adam | OptimizerKind::Adamw => (buffer("exp_avg")?, buffer("exp_avg_sq")?),
                        };
                        params.push(Param { name, grad: vec![0.0; value.len()], value, m, v, dims: t.dims().to_vec() });
                        Ok(params.len() - 1)
                    };
                    let w = slot(format!("{i}.weight"), d.weight())?;
                    let b = d.bias().map(|b| slot(format!("{i}.bias"), b)).transpose()?;
                    widths.push(d.out_features());
                    Op::Dense { w, b, inputs: d.in_features(), outputs: d.out_features() }
                }
                Layer::Activation(a) => {
                    widths.push(width);
                    Op::Act(*a)
                }
                Layer::Dropout(r) => {
                    widths.push(width);
                    Op::Dropout(*r)
                }
            };
            ops.push((i, op));
        }
        let scaling = model.input_scaling().map(|s| (s.mean.clone(), s.scale.iter().map(|v| 1.0 / v).collect()));
        Ok(Some(CpuMlp {
            masks: vec![Vec::new(); ops.len()],
            acts: vec![Vec::new(); ops.len() + 1],
            ops,
            params,
            output: model.spec().output,
            inputs: model.spec().inputs,
            outputs: model.spec().output_units(),
            scaling,
            threads: candle_core::utils::get_num_threads(),
            widths,
            grad_a: Vec::new(),
            grad_b: Vec::new(),
        }))
    }

    /// Copies rows `rows` of the row-major `x` into the input buffer, standardised.
    fn gather(&mut self, x: &[f32], rows: &[u32]) {
        let d = self.inputs;
        let buf = &mut self.acts[0];
        buf.resize(rows.len() * d, 0.0);
        for (dst, &r) in buf.chunks_exact_mut(d).zip(rows) {
            let src = &x[r as usize * d..(r as usize + 1) * d];
            match &self.scaling {
                Some((mean, inv)) => {
                    for (((o, &v), &m), &s) in dst.iter_mut().zip(src).zip(mean).zip(inv) {
                        *o = (v - m) * s;
                    }
                }
                None => dst.copy_from_slice(src),
            }
        }
    }

    /// One step on the rows `rows` of `x`: forward, loss, backward and the optimiser update.
    /// `targets` are the class index (as f32) or target values of every row, `target_width` per row.
    pub fn step(
        &mut self,
        x: &[f32],
        targets: &[f32],
        rows: &[u32],
        rng: &mut Rng,
        optimizer: &mut Optimizer,
    ) -> Result<StepStats> {
        let bsz = rows.len();
        self.gather(x, rows);
        self.forward(bsz, rng)?;
        let (loss, correct) = self.loss_grad(targets, rows);
        let norms = self.backward(bsz);
        if loss.is_finite() {
            optimizer.count_step();
            let step = optimizer.state().step;
            self.update(optimizer.config(), step);
        }
        Ok(StepStats { loss, correct, norms })
    }

    fn forward(&mut self, bsz: usize, rng: &mut Rng) -> Result<()> {
        for k in 0..self.ops.len() {
            let out_w = self.widths[k + 1];
            let (head, tail) = self.acts.split_at_mut(k + 1);
            let x = &head[k];
            let y = &mut tail[0];
            y.resize(bsz * out_w, 0.0);
            match &self.ops[k].1 {
                Op::Dense { w, b, inputs, outputs } => {
                    let (w, i, o) = (&self.params[*w].value, *inputs, *outputs);
                    match b {
                        // y = b broadcast, then y += x·Wᵀ
                        Some(b) => {
                            let b = &self.params[*b].value;
                            for row in y.chunks_exact_mut(o) {
                                row.copy_from_slice(b);
                            }
                            matmul(y, View::new(x, bsz, i), View::new(w, o, i).t(), true, self.threads);
                        }
                        None => matmul(y, View::new(x, bsz, i), View::new(w, o, i).t(), false, self.threads),
                    }
                }
                Op::Act(a) => activate(*a, x, y),
                Op::Dropout(rate) => {
                    let mask = &mut self.masks[k];
                    mask.resize(x.len(), 0.0);
                    if *rate > 0.0 {
                        // Same draws, in the same order, as `dropout_mask` on the candle path.
                        let keep = 1.0 - rate;
                        let scale = (1.0 / keep) as f32;
                        for m in mask.iter_mut() {
                            *m = if rng.next_f64() < keep { scale } else { 0.0 };
                        }
                    } else {
                        mask.fill(1.0);
                    }
                    for ((o, &v), &m) in y.iter_mut().zip(x.iter()).zip(mask.iter()) {
                        *o = v * m;
                    }
                }
            }
        }
        Ok(())
    }

    /// Loss of the batch and dJ/dlogits into `grad_a`; returns (loss, correct predictions).
    fn loss_grad(&mut self, targets: &[f32], rows: &[u32]) -> (f64, usize) {
        let bsz = rows.len();
        let k = self.outputs;
        let z = &self.acts[self.ops.len()];
        let g = &mut self.grad_a;
        g.resize(bsz * k, 0.0);
        let (mut loss, mut correct) = (0f64, 0usize);
        match self.output {
            Output::Softmax => {
                let inv_n = 1.0 / bsz as f32;
                for ((zr, gr), &r) in z.chunks_exact(k).zip(g.chunks_exact_mut(k)).zip(rows) {
                    let y = targets[r as usize] as usize;
                    let (mut best, mut m) = (0, zr[0]);
                    for (j, &v) in zr.iter().enumerate() {
                        if v > m {
                            (best, m) = (j, v);
                        }
                    }
                    let mut s = 0f32;
                    for (gj, &v) in gr.iter_mut().zip(zr) {
                        *gj = (v - m).exp();
                        s += *gj;
                    }
                    loss += (m + s.ln() - zr[y]) as f64;
                    let inv_s = 1.0 / s;
                    for gj in gr.iter_mut() {
                        *gj *= inv_s * inv_n;
                    }
                    gr[y] -= inv_n;
                    correct += usize::from(best == y);
                }
            }
            Output::Sigmoid => {
                let inv_n = 1.0 / bsz as f32;
                for ((&zv, gv), &r) in z.iter().zip(g.iter_mut()).zip(rows) {
                    let y = targets[r as usize];
                    loss += (zv.max(0.0) - zv * y + (-zv.abs()).exp().ln_1p()) as f64;
                    let p = 1.0 / (1.0 + (-zv).exp());
                    *gv = (p - y) * inv_n;
                    correct += usize::from((zv > 0.0) == (y > 0.5));
                }
            }
            Output::Linear => {
                let scale = 2.0 / (bsz * k) as f32;
                for ((zr, gr), &r) in z.chunks_exact(k).zip(g.chunks_exact_mut(k)).zip(rows) {
                    let yr = &targets[r as usize * k..(r as usize + 1) * k];
                    for ((&zv, gv), &y) in zr.iter().zip(gr.iter_mut()).zip(yr) {
                        loss += ((zv - y) * (zv - y)) as f64;
                        *gv = (zv - y) * scale;
                    }
                }
                loss /= k as f64;
            }
        }
        (loss / bsz as f64, correct)
    }

    /// Backpropagation from `grad_a`; fills every parameter's `grad` and returns layer norms.
    fn backward(&mut self, bsz: usize) -> Vec<(usize, f64)> {
        let first_param_op = self.ops.iter().position(|(_, op)| matches!(op, Op::Dense { .. })).unwrap_or(0);
        let mut norms = Vec::new();
        for k in (0..self.ops.len()).rev() {
            let x = &self.acts[k];
            let dy = &self.grad_a;
            let dx = &mut self.grad_b;
            let need_dx = k > first_param_op;
            match &self.ops[k].1 {
                Op::Dense { w, b, inputs, outputs } => {
                    let (i, o) = (*inputs, *outputs);
                    let dyv = View::new(dy, bsz, o);
                    // dW = dZᵀ·X
                    let mut gw = std::mem::take(&mut self.params[*w].grad);
                    matmul(&mut gw, dyv.t(), View::new(x, bsz, i), false, self.threads);
                    let mut sq: f64 = gw.iter().map(|v| (*v as f64) * (*v as f64)).sum();
                    self.params[*w].grad = gw;
                    // db = Σ_batch dZ
                    if let Some(b) = b {
                        let gb = &mut self.params[*b].grad;
                        gb.fill(0.0);
                        for row in dy.chunks_exact(o) {
                            for (g, v) in gb.iter_mut().zip(row) {
                                *g += v;
                            }
                        }
                        sq += gb.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>();
                    }
                    norms.push((self.ops[k].0, sq.sqrt()));
                    if need_dx {
                        // dX = dZ·W
                        dx.resize(bsz * i, 0.0);
                        matmul(dx, dyv, View::new(&self.params[*w].value, o, i), false, self.threads);
                    }
                }
                Op::Act(a) => {
                    if need_dx {
                        dx.resize(dy.len(), 0.0);
                        activation_backward(*a, x, &self.acts[k + 1], dy, dx);
                    }
                }
                Op::Dropout(_) => {
                    if need_dx {
                        dx.resize(dy.len(), 0.0);
                        for ((d, &g), &m) in dx.iter_mut().zip(dy.iter()).zip(self.masks[k].iter()) {
                            *d = g * m;
                        }
                    }
                }
            }
            if need_dx {
                std::mem::swap(&mut self.grad_a, &mut self.grad_b);
            }
        }
        norms.reverse();
        norms
    }

    /// The optimiser update, in place; the same formulas as [`Optimizer::step`].
    fn update(&mut self, c: &OptimizerConfig, step: u64) {
        let lr = c.lr as f32;
        let wd = c.weight_decay as f32;
        let l2 = if c.kind != OptimizerKind::Adamw { wd } else { 0.0 };
        let (b1, b2, eps, mu) = (c.beta1 as f32, c.beta2 as f32, c.eps as f32, c.momentum as f32);
        let bc1 = (1.0 - c.beta1.powi(step as i32)) as f32;
        let bc2_sqrt = (1.0 - c.beta2.powi(step as i32)).sqrt() as f32;
        let decay = (1.0 - c.lr * c.weight_decay) as f32;
        for p in &mut self.params {
            match c.kind {
                OptimizerKind::Sgd => {
                    for (w, &g) in p.value.iter_mut().zip(&p.grad) {
                        let g = g + l2 * *w;
                        *w -= g * lr;
                    }
                }
                OptimizerKind::Momentum => {
                    for ((w, &g), m) in p.value.iter_mut().zip(&p.grad).zip(p.m.iter_mut()) {
                        let g = g + l2 * *w;
                        *m = *m * mu + g;
                        let u = if c.nesterov { g + *m * mu } else { *m };
                        *w -= u * lr;
                    }
                }
                OptimizerKind::Adam | OptimizerKind::Adamw => {
                    let adamw = c.kind == OptimizerKind::Adamw && c.weight_decay > 0.0;
                    for (((w, &g), m), v) in p.value.iter_mut().zip(&p.grad).zip(p.m.iter_mut()).zip(p.v.iter_mut()) {
                        if adamw {
                            *w *= decay;
                        }
                        let g = g + l2 * *w;
                        *m = *m * b1 + g * (1.0 - b1);
                        *v = *v * b2 + g * g * (1.0 - b2);
                        let denom = v.sqrt() / bc2_sqrt + eps;
                        *w -= (*m / bc1) / denom * lr;
                    }
                }
            }
        }
    }

    /// True when every weight is finite.
    pub fn weights_finite(&self) -> bool {
        self.params.iter().all(|p| p.value.iter().all(|v| v.is_finite()))
    }

    /// Writes weights into `model` and moments into `optimizer`'s state.
    pub fn write_back(&self, model: &mut Sequential, optimizer: &mut Optimizer) -> Result<()> {
        let kind = optimizer.config().kind;
        let mut state = optimizer.state().clone();
        for p in &self.params {
            let t = |v: &[f32]| Tensor::from_slice(v, p.dims.as_slice(), &Device::Cpu).map_err(Error::from);
            model.set_parameter(&p.name, &t(&p.value)?)?;
            match kind {
                OptimizerKind::Sgd => {}
                OptimizerKind::Momentum => {
                    state.buffers.insert(format!("{}.momentum_buffer", p.name), t(&p.m)?);
                }
                OptimizerKind::Adam | OptimizerKind::Adamw => {
                    state.buffers.insert(format!("{}.exp_avg", p.name), t(&p.m)?);
                    state.buffers.insert(format!("{}.exp_avg_sq", p.name), t(&p.v)?);
                }
            }
        }
        optimizer.set_state(state);
        Ok(())
    }
}

fn activate(a: Activation, x: &[f32], y: &mut [f32]) {
    match a {
        Activation::Relu => y.iter_mut().zip(x).for_each(|(o, &v)| *o = v.max(0.0)),
        Activation::Sigmoid => y.iter_mut().zip(x).for_each(|(o, &v)| *o = 1.0 / (1.0 + (-v).exp())),
        Activation::Tanh => y.iter_mut().zip(x).for_each(|(o, &v)| *o = v.tanh()),
        Activation::LeakyRelu(s) => {
            let s = s as f32;
            y.iter_mut().zip(x).for_each(|(o, &v)| *o = if v > 0.0 { v } else { v * s })
        }
        Activation::Identity => y.copy_from_slice(x),
    }
}

fn activation_backward(a: Activation, z: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    let it = dx.iter_mut().zip(dy).zip(z.iter().zip(y));
    match a {
        Activation::Relu => it.for_each(|((d, &g), (&z, _))| *d = if z > 0.0 { g } else { 0.0 }),
        Activation::Sigmoid => it.for_each(|((d, &g), (_, &a))| *d = g * (a * (1.0 - a))),
        Activation::Tanh => it.for_each(|((d, &g), (_, &a))| *d = g * (1.0 - a * a)),
        Activation::LeakyRelu(s) => {
            let s = s as f32;
            it.for_each(|((d, &g), (&z, _))| *d = if z > 0.0 { g } else { g * s })
        }
        Activation::Identity => dx.copy_from_slice(dy),
    }
}
