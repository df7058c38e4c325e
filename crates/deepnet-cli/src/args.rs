//! The command line, as clap derive structs. These names are a public contract.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use deepnet::data::table::Bins;
use deepnet::{ClassWeight, OptimizerKind, Schedule};
use serde::{Deserialize, Serialize};

/// Multi-layer neural networks: train, evaluate, predict, inspect.
#[derive(Parser)]
#[command(name = "deepnet", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a model from a spec and a dataset; writes checkpoint, history and figures.
    // A negative number is a value (`--lr -0.1` gets the flag's own error), not a flag.
    #[command(allow_negative_numbers = true)]
    Train(Box<TrainArgs>),
    /// Evaluate a checkpoint on a dataset: loss, accuracy and per-class figures, or RMSE, MAE and R².
    Eval(EvalArgs),
    /// Predict on the rows of a CSV file.
    Predict(PredictArgs),
    /// Show a checkpoint's architecture, metadata and tensor statistics.
    Inspect(InspectArgs),
    /// Export a checkpoint, preprocessing included, for other runtimes (ONNX).
    Export(ExportArgs),
    /// Compare backprop gradients with finite differences in f64.
    Gradcheck(GradcheckArgs),
    /// Redraw a run's figures from DIR/history.csv.
    Plot(PlotArgs),
    /// Serve a live web dashboard of the runs in the given directories (read-only).
    Board(BoardArgs),
}

/// `--optimizer`: the names of every [`OptimizerKind`], listed in the help.
fn optimizer_parser() -> impl clap::builder::TypedValueParser<Value = OptimizerKind> {
    let names: Vec<String> = OptimizerKind::all().into_iter().map(|k| k.name()).collect();
    clap::builder::PossibleValuesParser::new(names).try_map(|s| s.parse::<OptimizerKind>())
}

/// `deepnet train`. Every flag is optional over the spec's `"train"` recipe.
#[derive(Args, Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrainArgs {
    /// The model spec (JSON); optional for a CSV table, which then gets a 64-32 ReLU network with
    /// the output its target needs (classes or values), as does a spec without "layers".
    #[arg(long, value_name = "SPEC.json")]
    pub model: Option<PathBuf>,
    /// breast-cancer, digits, fashion-mnist, moons, circles, spirals, xor, blobs, or a CSV path.
    #[arg(long, value_name = "SOURCE")]
    pub data: Option<String>,
    /// Target column of a CSV file (default: the last); repeat it for several regression targets.
    #[arg(long, value_name = "COLUMN")]
    #[serde(default, deserialize_with = "one_or_many")]
    pub target: Vec<String>,
    #[command(flatten)]
    #[serde(flatten)]
    pub table: TableArgs,
    /// Number of epochs.
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Rows per step.
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,
    /// Update rule.
    #[arg(long, value_parser = optimizer_parser())]
    pub optimizer: Option<OptimizerKind>,
    /// Learning rate.
    #[arg(long, value_name = "F")]
    pub lr: Option<f64>,
    /// Learning-rate schedule.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(Schedule::NAMES))]
    pub schedule: Option<String>,
    /// Early-stopping patience in epochs (the best weights are restored).
    #[arg(long, value_name = "N")]
    pub patience: Option<usize>,
    /// Fraction of the training rows held out for validation [default: 0.1], or with member
    /// validation each member's own share [default: the recipe's; 0.125 for the default network].
    #[arg(long, value_name = "F")]
    pub val_split: Option<f64>,
    /// Fraction held out for the final test, when the source has no test set [default: 0.2].
    #[arg(long, value_name = "F")]
    pub test_split: Option<f64>,
    /// Seed for initialisation, splits, shuffling and dropout.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Members of a deep ensemble trained together, each with its own initial weights, in one
    /// checkpoint that predicts their mean (the spec's "ensemble"; 1 is a single network).
    #[arg(long, value_name = "K")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<usize>,
    /// Worker threads.
    #[arg(long, value_name = "T")]
    #[serde(skip)]
    pub threads: Option<usize>,
    /// Run directory [default: runs/<model name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run saved in DIR.
    #[arg(long, value_name = "DIR")]
    #[serde(skip)]
    pub resume: Option<PathBuf>,
    /// No progress bar; plain epoch lines.
    #[arg(long)]
    #[serde(skip)]
    pub quiet: bool,
    /// Train data-parallel as one rank of an MPI job: `mpirun -np N deepnet train ... --distributed`
    /// (needs the `mpi` feature). The batch is split across the ranks; rank 0 writes the run.
    #[arg(long)]
    #[serde(skip)]
    pub distributed: bool,
}

/// How a CSV table is read and encoded (training only; eval and predict use the checkpoint's).
#[derive(Args, Clone, Debug, Default, Serialize, Deserialize)]
pub struct TableArgs {
    /// A column that is not a feature (an ID, free text); repeatable.
    #[arg(long, value_name = "COLUMN")]
    #[serde(default)]
    pub ignore: Vec<String>,
    /// A column to one-hot encode although its values are numbers (codes); repeatable.
    #[arg(long, value_name = "COLUMN")]
    #[serde(default)]
    pub categorical: Vec<String>,
    /// Comma-separated tokens that mark a missing cell, replacing NA,N/A,NaN,nan,null,NULL,? (an
    /// empty cell is always missing).
    #[arg(long, value_name = "LIST")]
    #[serde(default)]
    pub na_values: Option<String>,
    /// Missing cells: impute (median and indicator, or a category of their own; rows without a
    /// target skipped) or error [default: impute].
    #[arg(long, value_enum)]
    #[serde(default)]
    pub missing: Option<MissingArg>,
    /// Most distinct values a categorical column may have [default: 1000].
    #[arg(long, value_name = "N")]
    #[serde(default)]
    pub max_categories: Option<usize>,
    /// Field delimiter: one character or `tab` [default: detected from the header line].
    #[arg(long, value_name = "C")]
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The positive class of a binary target [default: 1, true or yes when one of the labels is,
    /// else the less frequent class].
    #[arg(long, value_name = "LABEL")]
    #[serde(default)]
    pub positive: Option<String>,
    /// Quantile bins of every numeric column, each an input besides the value (piecewise-linear
    /// encoding): auto gives one per 256 training rows, at most 16, none under 1,024 rows; off;
    /// or a count [default: auto for the default network, off with a spec's layers].
    #[arg(long, value_name = "auto|off|N", value_parser = bins_parser)]
    #[serde(default)]
    pub bins: Option<Bins>,
    /// Class weights in the loss: balanced weighs class c by n / (k · n_c) [default: none].
    #[arg(long, value_parser = class_weight_parser())]
    #[serde(default)]
    pub class_weight: Option<ClassWeight>,
}

impl TableArgs {
    /// Every flag given here, and whether its value differs from `other`'s.
    fn given_flags(&self, other: &TableArgs) -> Vec<(&'static str, bool)> {
        let (s, o) = (self, other);
        [
            ("--ignore", !s.ignore.is_empty(), s.ignore != o.ignore),
            (
                "--categorical",
                !s.categorical.is_empty(),
                s.categorical != o.categorical,
            ),
            (
                "--na-values",
                s.na_values.is_some(),
                s.na_values != o.na_values,
            ),
            ("--missing", s.missing.is_some(), s.missing != o.missing),
            (
                "--max-categories",
                s.max_categories.is_some(),
                s.max_categories != o.max_categories,
            ),
            (
                "--delimiter",
                s.delimiter.is_some(),
                s.delimiter != o.delimiter,
            ),
            ("--positive", s.positive.is_some(), s.positive != o.positive),
            ("--bins", s.bins.is_some(), s.bins != o.bins),
            (
                "--class-weight",
                s.class_weight.is_some(),
                s.class_weight != o.class_weight,
            ),
        ]
        .into_iter()
        .filter(|&(_, given, _)| given)
        .map(|(flag, _, differs)| (flag, differs))
        .collect()
    }

    /// The first flag given that only a CSV file's reading uses (`--class-weight` weighs any
    /// classes, so it is not one).
    pub fn reading_flag(&self) -> Option<&'static str> {
        self.given_flags(self)
            .into_iter()
            .map(|(flag, _)| flag)
            .find(|&flag| flag != "--class-weight")
    }

    /// The flags given here whose values differ from `saved`'s (a resumed run's own).
    pub fn differing_flags(&self, saved: &TableArgs) -> Vec<&'static str> {
        self.given_flags(saved)
            .into_iter()
            .filter_map(|(flag, differs)| differs.then_some(flag))
            .collect()
    }
}

/// `--bins`'s values: [`Bins::parse`].
fn bins_parser(text: &str) -> Result<Bins, String> {
    Bins::parse(text)
}

/// `--class-weight`'s values: the rules of [`ClassWeight`] that need no numbers.
fn class_weight_parser() -> impl clap::builder::TypedValueParser<Value = ClassWeight> {
    clap::builder::PossibleValuesParser::new(["balanced"]).map(|_| ClassWeight::Balanced)
}

#[derive(Clone, Copy, Debug, ValueEnum, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MissingArg {
    Impute,
    Error,
}

/// A saved `target`: one name (older checkpoints), a list, or null.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// `deepnet eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A model checkpoint (.safetensors).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// Dataset to evaluate on (a source's own test set when it has one).
    #[arg(long, value_name = "SOURCE")]
    pub data: String,
    /// Target column(s) of a CSV file (default: the checkpoint's training target, else the last).
    #[arg(long, value_name = "COLUMN")]
    pub target: Vec<String>,
    /// Field delimiter: one character or `tab` [default: detected from the header line].
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
}

/// `deepnet predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model checkpoint (.safetensors).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// CSV file with a header naming the feature columns.
    #[arg(long, value_name = "FILE.csv")]
    pub input: PathBuf,
    /// Where to write the predictions [default: stdout]. Written atomically: all rows or nothing.
    #[arg(long, value_name = "FILE.csv")]
    pub output: Option<PathBuf>,
    /// Field delimiter: one character or `tab` [default: detected from the header line].
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
}

/// `deepnet export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A model checkpoint (.safetensors).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// The format to write.
    #[arg(long, value_enum, default_value = "onnx")]
    pub format: ExportFormat,
    /// The file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
    /// One float32 input `input` [N, columns] (the feature columns' values in order) instead of
    /// one input per column (models with only numeric columns and no missing indicators).
    #[arg(long)]
    pub single_input: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormat {
    /// ONNX (opset 19), runnable by onnxruntime, tract and candle-onnx.
    Onnx,
}

/// `deepnet inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A .safetensors file.
    pub file: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `deepnet gradcheck`.
#[derive(Args, Debug)]
pub struct GradcheckArgs {
    /// The model spec (JSON).
    #[arg(long, value_name = "SPEC.json")]
    pub model: PathBuf,
    /// Take the samples from this source (default: random inputs and targets).
    #[arg(long, value_name = "SOURCE")]
    pub data: Option<String>,
    /// Number of samples.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub samples: usize,
}

/// `deepnet plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A run directory written by `deepnet train`.
    pub dir: PathBuf,
}

/// `deepnet board`.
#[derive(Args, Debug)]
pub struct BoardArgs {
    /// Directories holding run directories, as `deepnet train` writes them [default: runs].
    #[arg(value_name = "RUNS_DIR")]
    pub dirs: Vec<PathBuf>,
    /// Port to listen on (0: any free port).
    #[arg(long, value_name = "P", default_value_t = 6006)]
    pub port: u16,
    /// Address to listen on; anything but a loopback address exposes the runs to the network.
    #[arg(long, value_name = "H", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
}
