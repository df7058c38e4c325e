//! Datasets compiled into the binary, so examples and tests run with no download.
//!
//! - `breast-cancer`: Breast Cancer Wisconsin (Diagnostic), UCI ML repository, W. N. Street,
//!   W. H. Wolberg, O. L. Mangasarian (1995), as shipped by scikit-learn; CC BY 4.0. 569 rows,
//!   30 features, target `malignant` (1 = malignant).
//! - `digits`: Optical Recognition of Handwritten Digits, UCI ML repository, E. Alpaydin,
//!   C. Kaynak (1998), as shipped by scikit-learn; CC BY 4.0. 1797 rows, 64 pixels (0..16),
//!   target `digit`.

use crate::dataset::Dataset;
use crate::error::Result;
use crate::table::{whole_table, Dialect, RawTable, TableOptions, Task};

const BREAST_CANCER: &str = include_str!("embedded/breast_cancer.csv");
const DIGITS: &str = include_str!("embedded/digits.csv");

/// Breast Cancer Wisconsin: 569 × 30, binary.
pub fn breast_cancer() -> Result<Dataset> {
    embedded(BREAST_CANCER, "breast-cancer", "malignant")
}

/// Handwritten digits 8×8: 1797 × 64, 10 classes.
pub fn digits() -> Result<Dataset> {
    embedded(DIGITS, "digits", "digit")
}

/// An embedded table (numeric features, whole-number classes) read by the table reader.
fn embedded(text: &str, name: &str, target: &str) -> Result<Dataset> {
    let table = RawTable::parse(text.as_bytes(), name, &Dialect::default())?;
    let mut options = TableOptions::new(Task::Classification);
    options.targets = vec![target.to_string()];
    let (mut ds, _) = whole_table(&table, &options)?;
    ds.name = name.to_string();
    Ok(ds)
}
