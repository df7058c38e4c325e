//! Training progress seen from Python: Ctrl-C is checked between steps (the GIL is taken for a
//! moment every 20 ms), and with `verbose` every epoch's line is printed through Python's
//! `print`, so notebooks and captured output see it.

use std::time::{Duration, Instant};

use deepnet_core::{EpochRecord, Observer, RunInfo, Sequential, StepInfo, TrainState};
use pyo3::prelude::*;

use crate::error::INTERRUPTED;

/// How often pending signals are checked.
const CHECK_EVERY: Duration = Duration::from_millis(20);

/// An [`Observer`] for training with the GIL released.
pub struct PyObserver {
    verbose: bool,
    epochs: usize,
    samples: usize,
    last_check: Instant,
    /// The exception a signal handler raised (KeyboardInterrupt), to be raised again.
    pub interrupt: Option<PyErr>,
}

impl PyObserver {
    /// An observer that prints epoch lines when `verbose`.
    pub fn new(verbose: bool) -> Self {
        PyObserver {
            verbose,
            epochs: 0,
            samples: 0,
            last_check: Instant::now(),
            interrupt: None,
        }
    }
}

impl Observer for PyObserver {
    fn on_train_begin(&mut self, info: &RunInfo) {
        self.epochs = info.epochs;
        self.samples = info.samples;
    }

    fn on_step(&mut self, step: &StepInfo) -> deepnet_core::Result<()> {
        if self.last_check.elapsed() < CHECK_EVERY {
            return Ok(());
        }
        self.last_check = Instant::now();
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            self.interrupt = Some(e);
            return Err(deepnet_core::Error::Stopped {
                epoch: step.epoch,
                step: step.step,
                reason: INTERRUPTED.into(),
            });
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        record: &EpochRecord,
        _model: &Sequential,
        _state: &TrainState,
    ) -> deepnet_core::Result<()> {
        if self.verbose {
            let line = record.line(self.epochs, self.samples);
            Python::attach(|py| -> PyResult<()> {
                let print = py.import("builtins")?.getattr("print")?;
                print.call1((line,))?;
                Ok(())
            })
            .map_err(|e| deepnet_core::Error::Invalid(format!("printing the epoch line: {e}")))?;
        }
        Ok(())
    }
}
