//! The decision boundary of a classifier of two features: the predicted class over the plane
//! (a grid of cells) with the data points on top, axes named after the features, rounded ticks,
//! a class legend and a title.

use std::fmt::Write as _;

use anyhow::Result;
use deepnet::data::Dataset;
use deepnet::{Device, Sequential, Tensor};

use super::ticks::Scale;
use super::{svg_open, tick_label, xml_escape, COLORS};

const CELLS: usize = 80;

/// The figure for `model` over `ds` (two features, class labels), titled `title`.
pub fn boundary_svg(model: &Sequential, ds: &Dataset, title: &str) -> Result<String> {
    let (plot, left, top, bottom, legend) = (400.0, 62.0, 34.0, 46.0, 150.0);
    let (width, height) = (left + plot + 14.0 + legend, top + plot + bottom);
    let xs: Vec<f64> = ds.features.chunks_exact(2).map(|p| p[0] as f64).collect();
    let ys: Vec<f64> = ds.features.chunks_exact(2).map(|p| p[1] as f64).collect();
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = (hi - lo).abs().max(1e-6) * 0.05;
        Scale::linear(lo - pad, hi + pad, 5, false)
    };
    let (sx, sy) = (range(&xs), range(&ys));
    let mut grid = Vec::with_capacity(CELLS * CELLS * 2);
    for j in 0..CELLS {
        for i in 0..CELLS {
            let fx = (i as f64 + 0.5) / CELLS as f64;
            let fy = 1.0 - (j as f64 + 0.5) / CELLS as f64;
            grid.push((sx.lo + (sx.hi - sx.lo) * fx) as f32);
            grid.push((sy.lo + (sy.hi - sy.lo) * fy) as f32);
        }
    }
    let classes =
        model.predict_classes(&Tensor::from_vec(grid, (CELLS * CELLS, 2), &Device::Cpu)?)?;
    let px = |x: f64| left + sx.fraction(x) * plot;
    let py = |y: f64| top + (1.0 - sy.fraction(y)) * plot;
    let mut svg = svg_open(width, height);
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="20" font-size="14" text-anchor="middle">{}</text>"#,
        left + plot / 2.0,
        xml_escape(title)
    );
    let cell = plot / CELLS as f64;
    for (k, c) in classes.iter().enumerate() {
        let (i, j) = (k % CELLS, k / CELLS);
        let _ = write!(
            svg,
            r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}" fill-opacity="0.25"/>"#,
            left + i as f64 * cell,
            top + j as f64 * cell,
            cell + 0.05,
            cell + 0.05,
            COLORS[*c as usize % COLORS.len()]
        );
    }
    let ids = ds.class_ids().unwrap_or_default();
    for ((x, y), c) in xs.iter().zip(&ys).zip(ids) {
        let _ = write!(
            svg,
            r##"<circle class="point" cx="{:.1}" cy="{:.1}" r="2.5" fill="{}" stroke="#fff" stroke-width="0.4"/>"##,
            px(*x),
            py(*y),
            COLORS[*c as usize % COLORS.len()]
        );
    }
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot}" height="{plot}" fill="none" stroke="#333"/>"##
    );
    for &t in &sx.ticks {
        tick_label(&mut svg, px(t), top + plot + 14.0, "middle", &sx.label(t));
    }
    for &t in &sy.ticks {
        tick_label(&mut svg, left - 4.0, py(t) + 3.0, "end", &sy.label(t));
    }
    let name = |i: usize| {
        ds.feature_names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("x{i}"))
    };
    let (lx, ly) = (14.0, top + plot / 2.0);
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text><text x="{lx}" y="{ly}" font-size="12" text-anchor="middle" transform="rotate(-90 {lx} {ly})">{}</text>"#,
        left + plot / 2.0,
        top + plot + 34.0,
        xml_escape(&name(0)),
        xml_escape(&name(1))
    );
    let ex = left + plot + 14.0;
    let _ = write!(
        svg,
        r#"<text x="{ex}" y="{}" font-size="12">class</text>"#,
        top + 10.0
    );
    for (k, class) in ds.class_names().iter().enumerate() {
        let ey = top + 28.0 + 18.0 * k as f64;
        let _ = write!(
            svg,
            r#"<g class="legend"><rect x="{ex}" y="{:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text></g>"#,
            ey - 10.0,
            COLORS[k % COLORS.len()],
            ex + 18.0,
            ey,
            xml_escape(class)
        );
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}
