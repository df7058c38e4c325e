//! Progress reporting for training: an indicatif bar per epoch on a terminal, plain epoch lines
//! otherwise. Everything goes to stderr, so stdout carries only the final `key: value` metrics.

use std::io::IsTerminal;
use std::time::Instant;

use deepnet::{EpochRecord, History, Observer, RunInfo, Sequential, StepInfo, TrainState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// An [`Observer`] that shows a bar per epoch (step, samples/s, ETA, running loss and accuracy)
/// and leaves one summary line per epoch.
pub struct ProgressBars {
    bar: Option<ProgressBar>,
    show_bar: bool,
    epochs: usize,
    samples: usize,
    epoch_start: Instant,
}

impl ProgressBars {
    /// Bars when both stdout and stderr are terminals and `quiet` is false; plain epoch lines
    /// otherwise (e.g. when the metrics on stdout go to a file).
    pub fn new(quiet: bool) -> Self {
        ProgressBars {
            bar: None,
            show_bar: !quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
            epochs: 0,
            samples: 0,
            epoch_start: Instant::now(),
        }
    }
}

impl Observer for ProgressBars {
    fn on_train_begin(&mut self, info: &RunInfo) {
        self.epochs = info.epochs;
        self.samples = info.samples;
        if self.show_bar {
            let bar = ProgressBar::with_draw_target(
                Some(info.steps_per_epoch as u64),
                ProgressDrawTarget::stderr(),
            );
            let style =
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
                    .map(|s| s.progress_chars("=> "))
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            self.bar = Some(bar);
        }
    }

    fn on_epoch_begin(&mut self, epoch: usize, _lr: f64) {
        self.epoch_start = Instant::now();
        if let Some(bar) = &self.bar {
            bar.reset();
            bar.set_prefix(format!("epoch {epoch}/{}", self.epochs));
        }
    }

    fn on_step(&mut self, s: &StepInfo) -> deepnet::Result<()> {
        if let Some(bar) = &self.bar {
            bar.set_position(s.step as u64);
            let rate = s.samples as f64 / self.epoch_start.elapsed().as_secs_f64().max(1e-9);
            let acc = s
                .accuracy
                .map(|a| format!(" acc {a:.4}"))
                .unwrap_or_default();
            bar.set_message(format!("{rate:.0} samples/s loss {:.4}{acc}", s.loss));
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        record: &EpochRecord,
        _model: &Sequential,
        _state: &TrainState,
    ) -> deepnet::Result<()> {
        let line = record.line(self.epochs, self.samples);
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
        Ok(())
    }

    fn on_train_end(&mut self, _history: &History, _model: &Sequential) -> deepnet::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        Ok(())
    }
}
