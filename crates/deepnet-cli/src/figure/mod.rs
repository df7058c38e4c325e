//! Figures as hand-written SVG, shared by `deepnet train`, `deepnet plot` and `deepnet board`:
//! per-epoch charts ([`chart`]), the decision boundary of 2-D classifiers ([`boundary`]) and
//! predicted-against-actual values of regressions ([`fit`]).

pub mod boundary;
pub mod chart;
pub mod fit;
pub mod history;
pub mod ticks;

/// Colours of successive series, runs and classes.
pub const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// `text` with the XML special characters escaped (element text and attribute values).
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
