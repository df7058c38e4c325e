//! A data-parallel step: this rank's rows of a global batch through phase 1 (the loss averaged
//! over the whole global batch), its share of every gradient captured, the shares summed over the
//! ranks by a [`Reducer`], then the optimiser update of the summed gradient — the same on every
//! rank.

use super::rows::Pass;
use super::update::Sink;
use super::{Engine, Op, StepStats};
use crate::error::Result;
use crate::optim::Optimizer;
use crate::real::Real;
use crate::reduce::Reducer;
use crate::rng::Rng;

impl<T: Real> Engine<T> {
    /// One data-parallel step: `rows` are this rank's rows (indices in the training data) of a
    /// global batch of `global_batch` rows. Every rank must call it for every step, with or
    /// without rows, and with the same `rng` state. Returns the global batch's mean loss and
    /// correct predictions and the summed gradients' norms; a non-finite loss leaves the weights
    /// as they were.
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
        for q in &mut self.periodic {
            for (g, p) in q.g.iter_mut().zip(&q.p) {
                g.resize(p.len(), T::ZERO);
            }
        }
        if let Some(e) = &mut self.embedding {
            e.g.resize(e.w.len(), T::ZERO);
        }
        if rows.is_empty() {
            for p in &mut self.dense {
                p.gw.fill(T::ZERO);
                p.gb.fill(T::ZERO);
            }
            for q in &mut self.periodic {
                q.g.iter_mut().for_each(|g| g.fill(T::ZERO));
            }
            if let Some(e) = &mut self.embedding {
                e.g.fill(T::ZERO);
            }
        } else {
            self.phase2(&Sink::Capture);
        }
        // The statistics first: every rank sees the same loss, so all of them skip the update
        // of a non-finite one.
        let local = [
            if loss.is_finite() { loss } else { f64::NAN },
            correct as f64,
        ];
        let mut stats = [0.0; 2];
        reducer.sum_f64(&local, &mut stats)?;
        let (loss, correct) = (stats[0], stats[1] as usize);
        if !loss.is_finite() {
            return Ok(StepStats {
                loss,
                correct,
                norms: Vec::new(),
            });
        }
        // Each gradient is summed straight from the buffer phase 2 wrote into one that the
        // update reads: no copy on either side.
        let update = optimizer.next_update::<T>();
        let size = self
            .dense
            .iter()
            .map(|p| p.gw.len())
            .chain(self.periodic.iter().flat_map(|q| q.g.iter().map(Vec::len)))
            .chain(self.embedding.iter().map(|e| e.g.len()))
            .max()
            .unwrap_or(0);
        let mut sums = std::mem::take(&mut self.reduce_buf);
        if sums.len() < size {
            sums.resize(size, T::ZERO);
        }
        let mut norms = Vec::with_capacity(self.dense.len());
        for p in &mut self.dense {
            let g = &mut sums[..p.gw.len()];
            T::sum_over_ranks(&p.gw, g, reducer)?;
            let [w0, w1] = &mut p.ws;
            let mut sq = update.apply(&mut p.w, g, w0, w1);
            if let Some(b) = &mut p.b {
                let g = &mut sums[..p.gb.len()];
                T::sum_over_ranks(&p.gb, g, reducer)?;
                let [b0, b1] = &mut p.bs;
                sq += update.apply(b, g, b0, b1);
            }
            norms.push((p.layer, sq.sqrt()));
        }
        for q in &mut self.periodic {
            let mut sq = 0.0;
            for t in 0..3 {
                let g = &mut sums[..q.g[t].len()];
                T::sum_over_ranks(&q.g[t], g, reducer)?;
                let [s0, s1] = &mut q.s[t];
                sq += update.apply(&mut q.p[t], g, s0, s1);
            }
            norms.push((q.layer, sq.sqrt()));
        }
        if let Some(e) = &mut self.embedding {
            let g = &mut sums[..e.g.len()];
            T::sum_over_ranks(&e.g, g, reducer)?;
            let [s0, s1] = &mut e.s;
            let sq = update.apply(&mut e.w, g, s0, s1);
            norms.push((e.layer, sq.sqrt()));
        }
        norms.sort_by_key(|&(layer, _)| layer);
        self.reduce_buf = sums;
        Ok(StepStats {
            loss,
            correct,
            norms,
        })
    }
}
