//! deepnet-data: datasets for deepnet.
//!
//! A [`Dataset`] holds row-major f32 features and class or value labels. Sources: the embedded
//! `breast-cancer` and `digits` tables, IDX files (Fashion-MNIST), and seeded synthetic 2-D sets
//! ([`load_source`]); CSV tables as users have them, through one reader and the preprocessing
//! learned from their training rows ([`table`]). [`split()`] makes seeded, optionally stratified,
//! splits.
#![warn(missing_docs)]

pub mod dataset;
pub mod embedded;
pub mod error;
pub mod fit;
pub mod idx;
pub mod split;
pub mod synthetic;
pub mod table;
pub mod tabular;

pub use dataset::{numeric_names, preview, Dataset, Labels};
pub use embedded::{breast_cancer, digits};
pub use error::{DataError, Result};
pub use fit::{align_classes, check_fits, check_targets, fit_inputs, new_model, Use};
pub use idx::{fashion_mnist, fashion_mnist_rows, read_idx, read_idx_rows, FASHION_MNIST_DIR};
pub use split::{split, split_indices, split_off, split_rows, HoldOut, Parts};
pub use synthetic::{synthetic, SYNTHETIC_NAMES};
pub use table::{csv_reader, sniff_delimiter, Preprocessing, RawTable, TableOptions};
pub use tabular::{Prediction, TableFit, TableModel};

/// Names of the built-in sources, for `--data`.
pub const SOURCES: [&str; 8] = [
    "breast-cancer",
    "digits",
    "fashion-mnist",
    "moons",
    "circles",
    "spirals",
    "xor",
    "blobs",
];

/// A named source with its own test set (Fashion-MNIST) or without.
pub struct Source {
    /// The training (or only) data.
    pub data: Dataset,
    /// The source's own test set, if it has one.
    pub test: Option<Dataset>,
}

/// Loads a named source or a directory holding the four Fashion-MNIST-format IDX files.
/// Synthetic sets have 1000 points generated from `seed`. A CSV file is a table: it is read by
/// [`table`], with the preprocessing it needs.
pub fn load_source(source: &str, seed: u64) -> Result<Source> {
    let only = |data| Ok(Source { data, test: None });
    match source {
        "breast-cancer" => only(breast_cancer()?),
        "digits" => only(digits()?),
        "fashion-mnist" => {
            let (data, test) = fashion_mnist(None)?;
            Ok(Source {
                data,
                test: Some(test),
            })
        }
        s if SYNTHETIC_NAMES.contains(&s) => only(synthetic(s, 1000, seed)?),
        path => {
            let p = std::path::Path::new(path);
            if p.is_dir() {
                // A directory of Fashion-MNIST-format IDX files.
                let (data, test) = fashion_mnist(Some(p))?;
                return Ok(Source {
                    data,
                    test: Some(test),
                });
            }
            if !p.exists() {
                return Err(DataError::Invalid(format!(
                    "data `{path}`: no such file, and not a built-in source ({})",
                    SOURCES.join(", ")
                )));
            }
            Err(DataError::Invalid(format!(
                "data `{path}` is a file, not a built-in source or an IDX directory; read a CSV table with `table::RawTable` and `table::Preprocessing`"
            )))
        }
    }
}
