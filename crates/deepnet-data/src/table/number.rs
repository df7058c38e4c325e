//! The numbers a cell can hold: finite and within the range of 32-bit floats, since the model's
//! inputs and outputs are f32. The lowest layer of the table reader: reading ([`super::RawTable`]),
//! the column encodings and the targets all parse cells through it.

/// The value of a cell holding a finite number within the range of 32-bit floats (the model's
/// inputs and outputs are f32).
pub fn parse_finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|v| in_f32_range(*v))
}

/// True when `v` is finite and representable as a finite f32.
pub fn in_f32_range(v: f64) -> bool {
    v.is_finite() && v.abs() <= f32::MAX as f64
}
