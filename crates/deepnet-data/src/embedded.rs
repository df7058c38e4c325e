//! Datasets compiled into the binary, so examples and tests run with no download.
//!
//! - `breast-cancer`: Breast Cancer Wisconsin (Diagnostic), UCI ML repository, W. N. Street,
//!   W. H. Wolberg, O. L. Mangasarian (1995), as shipped by scikit-learn; CC BY 4.0. 569 rows,
//!   30 features, target `malignant` (1 = malignant).
//! - `digits`: Optical Recognition of Handwritten Digits, UCI ML repository, E. Alpaydin,
//!   C. Kaynak (1998), as shipped by scikit-learn; CC BY 4.0. 1797 rows, 64 pixels (0..16),
//!   target `digit`.

use crate::csv::parse_csv;
use crate::dataset::Dataset;
use crate::error::Result;

const BREAST_CANCER: &str = include_str!("embedded/breast_cancer.csv");
const DIGITS: &str = include_str!("embedded/digits.csv");

/// Breast Cancer Wisconsin: 569 × 30, binary.
pub fn breast_cancer() -> Result<Dataset> {
    let mut ds = parse_csv(BREAST_CANCER.as_bytes(), "breast-cancer", Some("malignant"))?;
    ds.name = "breast-cancer".into();
    Ok(ds)
}

/// Handwritten digits 8×8: 1797 × 64, 10 classes.
pub fn digits() -> Result<Dataset> {
    let mut ds = parse_csv(DIGITS.as_bytes(), "digits", Some("digit"))?;
    ds.name = "digits".into();
    Ok(ds)
}
