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

/// The opening of a standalone figure of `width` × `height`: the SVG element on a white
/// background (close it with `</svg>`).
pub fn svg_open(width: f64, height: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#
    )
}

/// A tick label at (`x`, `y`): `anchor` is `middle` under an x-axis tick, `end` left of a
/// y-axis tick.
pub fn tick_label(svg: &mut String, x: f64, y: f64, anchor: &str, text: &str) {
    use std::fmt::Write as _;
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="10" text-anchor="{anchor}">{text}</text>"#
    );
}

/// `text` with the XML special characters escaped (element text and attribute values).
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
