//! Predicted against actual values of one regression target, with the line y = x where every
//! point would lie if the model were exact.

use std::fmt::Write as _;

use super::ticks::Scale;
use super::{svg_open, tick_label, xml_escape, COLORS};

/// The figure for `target`'s test rows.
pub fn fit_svg(predicted: &[f32], actual: &[f32], target: &str) -> String {
    let (w, h, left, top, bottom, right) = (460.0, 420.0, 70.0, 30.0, 50.0, 20.0);
    let all = predicted.iter().chain(actual).map(|&v| v as f64);
    let lo = all
        .clone()
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = all
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let s = Scale::linear(lo, hi, 4, false);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let sx = |v: f64| left + s.fraction(v) * pw;
    let sy = |v: f64| top + (1.0 - s.fraction(v)) * ph;
    let mut svg = svg_open(w, h);
    let _ = write!(
        svg,
        r#"<text x="{}" y="18" font-size="14" text-anchor="middle">{}: predicted vs actual (test rows)</text>"#,
        left + pw / 2.0,
        xml_escape(target)
    );
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = write!(
        svg,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 3"/>"##,
        sx(s.lo),
        sy(s.lo),
        sx(s.hi),
        sy(s.hi)
    );
    for &v in &s.ticks {
        let label = s.label(v);
        tick_label(&mut svg, left - 4.0, sy(v) + 3.0, "end", &label);
        tick_label(&mut svg, sx(v), top + ph + 14.0, "middle", &label);
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">actual</text><text x="14" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {})">predicted</text>"#,
        left + pw / 2.0,
        h - 12.0,
        top + ph / 2.0,
        top + ph / 2.0
    );
    for (p, a) in predicted.iter().zip(actual) {
        if !(p.is_finite() && a.is_finite()) {
            continue;
        }
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2" fill="{}" fill-opacity="0.5"/>"#,
            sx(*a as f64),
            sy(*p as f64),
            COLORS[0]
        );
    }
    svg.push_str("</svg>\n");
    svg
}
