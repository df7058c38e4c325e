//! A data-parallel step: this rank's rows of a global batch through phase 1 (the loss averaged
//! over the whole global batch), its share of every gradient captured, the shares summed over the
//! ranks by a [`Reducer`], then the optimiser update of the summed gradient — the same on every
//! rank.

use std::any::Any;

use super::rows::Pass;
use super::update::Sink;
use super::{Engine, Op, StepStats};
use crate::error::{Error, Result};
use crate::optim::Optimizer;
use crate::real::Real;
use crate::rng::Rng;
use crate::train::Reducer;

/// Sums `values` over the ranks in their own precision. (A `Vec`, not a slice: only a sized
/// type can be asked which concrete type it is.)
#[allow(clippy::ptr_arg)]
fn sum<T: Real>(values: &mut Vec<T>, reducer: &mut dyn Reducer) -> Result<()> {
    let any: &mut dyn Any = values;
    if let Some(v) = any.downcast_mut::<Vec<f32>>() {
        return reducer.sum_f32(v);
    }
    if let Some(v) = any.downcast_mut::<Vec<f64>>() {
        return reducer.sum_f64(v);
    }
    Err(Error::Invalid(
        "data-parallel training needs f32 or f64 weights".into(),
    ))
}

impl<T: Real> Engine<T> {
    /// One data-parallel step: `rows` are this rank's rows (indices of `x`, which are the rows'
    /// indices in the training data) of a global batch of `global_batch` rows. Every rank must
    /// call it for every step, with or without rows, and with the same `rng` state. Returns the
    /// global batch's mean loss and correct predictions and the summed gradients' norms; a
    /// non-finite loss leaves the weights as they were.
    #[allow(clippy::too_many_arguments)]
    pub fn step_shard(
        &mut self,
        x: &[T],
        targets: &[T],
        rows: &[u32],
        global_batch: usize,
        rng: &mut Rng,
        optimizer: &mut Optimizer,
        reducer: &mut dyn Reducer,
    ) -> Result<StepStats> {
        let (loss, correct) = if rows.is_empty() {
            // The step's dropout key is drawn all the same, to keep `rng` in step with the ranks
            // that have rows.
            if self.ops.iter().any(|op| matches!(op, Op::Dropout(_))) {
                rng.next_u64();
            }
            (0.0, 0)
        } else {
            self.phase1(
                x,
                targets,
                rows,
                global_batch,
                false,
                Some(rng),
                Pass::Train,
            )
        };
        for p in &mut self.dense {
            p.gw.resize(p.w.len(), T::ZERO);
            p.gb.resize(p.b.as_ref().map_or(0, Vec::len), T::ZERO);
        }
        if rows.is_empty() {
            for p in &mut self.dense {
                p.gw.fill(T::ZERO);
                p.gb.fill(T::ZERO);
            }
        } else {
            self.phase2(&Sink::Capture);
        }
        // One buffer for every gradient, one for the statistics.
        let mut flat = std::mem::take(&mut self.reduce_buf);
        flat.clear();
        for p in &self.dense {
            flat.extend_from_slice(&p.gw);
            flat.extend_from_slice(&p.gb);
        }
        sum(&mut flat, reducer)?;
        let mut stats = [
            if loss.is_finite() { loss } else { f64::NAN },
            correct as f64,
        ];
        reducer.sum_f64(&mut stats)?;
        let mut at = 0;
        for p in &mut self.dense {
            let (nw, nb) = (p.gw.len(), p.gb.len());
            p.gw.copy_from_slice(&flat[at..at + nw]);
            p.gb.copy_from_slice(&flat[at + nw..at + nw + nb]);
            at += nw + nb;
        }
        self.reduce_buf = flat;
        let (loss, correct) = (stats[0], stats[1] as usize);
        if !loss.is_finite() {
            return Ok(StepStats {
                loss,
                correct,
                norms: Vec::new(),
            });
        }
        let update = optimizer.next_update::<T>();
        let norms = self
            .dense
            .iter_mut()
            .map(|p| {
                let [w0, w1] = &mut p.ws;
                let mut sq = update.apply(&mut p.w, &p.gw, w0, w1);
                if let Some(b) = &mut p.b {
                    let [b0, b1] = &mut p.bs;
                    sq += update.apply(b, &p.gb, b0, b1);
                }
                (p.layer, sq.sqrt())
            })
            .collect();
        Ok(StepStats {
            loss,
            correct,
            norms,
        })
    }
}
