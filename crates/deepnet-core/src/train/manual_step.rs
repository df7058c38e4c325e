//! A hand-written gradient-descent step on a model's tensors — the textbook loop
//! `(loss, grads) = model.gradients(…); optimizer.step(&mut model, &grads)` — with the update rule of
//! [`crate::optim`], the same one the trainer runs.

use candle_core::Tensor;

use crate::error::{Error, Result};
use crate::gradients::Gradients;
use crate::model::Sequential;
use crate::optim::Optimizer;
use crate::real::Real;

impl Optimizer {
    /// Applies one update to every parameter of `model` from `grads` (as returned by
    /// [`Sequential::gradients`]), with the same rule the trainer runs.
    pub fn step(&mut self, model: &mut Sequential, grads: &Gradients) -> Result<()> {
        match model.dtype() {
            candle_core::DType::F64 => self.step_in::<f64>(model, grads),
            _ => self.step_in::<f32>(model, grads),
        }
    }

    /// [`Optimizer::step`] computed in `T`.
    fn step_in<T: Real>(&mut self, model: &mut Sequential, grads: &Gradients) -> Result<()> {
        let update = self.next_update::<T>();
        let kind = self.config().kind;
        let mut changes = Vec::new();
        for (name, p) in model.parameters() {
            let g = grads
                .get(&name)
                .ok_or_else(|| Error::Shape(format!("no gradient for parameter `{name}`")))?;
            if g.dims() != p.dims() {
                return Err(Error::Shape(format!(
                    "gradient of `{name}` has shape {:?}; the parameter has {:?}",
                    g.dims(),
                    p.dims()
                )));
            }
            let mut w = T::values(&p)?;
            let g = T::values(g)?;
            let mut slots: Vec<Vec<T>> = Vec::new();
            for b in kind.buffers() {
                slots.push(match self.state().buffers.get(&format!("{name}.{b}")) {
                    Some(t) => T::values(t)?,
                    None => vec![T::ZERO; w.len()],
                });
            }
            let (s0, s1) = match slots.as_mut_slice() {
                [] => (&mut [][..], &mut [][..]),
                [a] => (&mut a[..], &mut [][..]),
                [a, b, ..] => (&mut a[..], &mut b[..]),
            };
            update.apply(&mut w, &g, s0, s1);
            let tensor = |v: &[T]| -> Result<Tensor> {
                Ok(Tensor::from_slice(v, p.dims(), p.device())?.to_dtype(p.dtype())?)
            };
            for (b, s) in kind.buffers().iter().zip(&slots) {
                self.state_mut()
                    .buffers
                    .insert(format!("{name}.{b}"), tensor(s)?);
            }
            changes.push((name, tensor(&w)?));
        }
        for (name, w) in changes {
            model.set_parameter(&name, &w)?;
        }
        Ok(())
    }
}
