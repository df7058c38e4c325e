//! The `deepnet` command: train a model from a spec and a dataset, evaluate it, predict on new
//! rows, inspect checkpoints, check gradients, draw the run's figures and serve a dashboard.
//!
//! Final metrics go to stdout as `key: value` lines; progress and logs go to stderr. Errors print
//! one `error: ...` line and exit with status 1 (2 for usage errors, as clap does).

mod args;
mod board;
mod data;
mod distributed;
mod eval;
mod export;
mod figure;
mod gradcheck;
mod inspect;
mod plot;
mod predict;
mod progress;
mod run_status;
mod table;
mod train;

use clap::Parser;

use args::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        // A closed pipe (`deepnet predict ... | head`) is the reader's choice, not an error.
        if broken_pipe(&e) {
            std::process::exit(0);
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Whether `e` comes from writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().or_else(|| {
            c.downcast_ref::<csv::Error>().and_then(|c| match c.kind() {
                csv::ErrorKind::Io(io) => Some(io),
                _ => None,
            })
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train(a) => train::run(*a),
        Command::Eval(a) => eval::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Export(a) => export::run(a),
        Command::Gradcheck(a) => gradcheck::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Board(a) => board::run(a),
    }
}
