//! Figures as hand-written SVG: loss and accuracy curves per epoch, and for 2-D data the decision
//! boundary over the data points. `deepnet plot DIR` redraws them from DIR/history.csv.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use deepnet::checkpoint::atomic_write;
use deepnet::checkpoint::load_model_with_metadata;
use deepnet::data::{synthetic, Dataset, SYNTHETIC_NAMES};
use deepnet::{DType, Device, EpochRecord, History, Sequential, Tensor};

use crate::args::{PlotArgs, TrainArgs};

const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
];

/// One panel: named series of (epoch, value), with labelled axes.
fn panel(svg: &mut String, x0: f64, title: &str, ylabel: &str, series: &[(&str, Vec<(f64, f64)>)]) {
    let (w, h, left, top, bottom) = (420.0, 300.0, 60.0, 30.0, 50.0);
    let pts: Vec<(f64, f64)> = series.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    if pts.is_empty() {
        return;
    }
    let (xmin, xmax) = (1.0, pts.iter().map(|p| p.0).fold(1.0, f64::max).max(2.0));
    let mut ymin = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut ymax = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if (ymax - ymin).abs() < 1e-12 {
        ymin -= 0.5;
        ymax += 0.5;
    }
    let pw = w - left - 20.0;
    let ph = h - top - bottom;
    let sx = |x: f64| x0 + left + (x - xmin) / (xmax - xmin) * pw;
    let sy = |y: f64| top + (1.0 - (y - ymin) / (ymax - ymin)) * ph;
    let _ = write!(
        svg,
        r#"<text x="{}" y="18" font-size="14" text-anchor="middle">{title}</text>"#,
        x0 + left + pw / 2.0
    );
    let _ = write!(
        svg,
        r##"<rect x="{}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##,
        x0 + left
    );
    for i in 0..=4 {
        let fy = ymin + (ymax - ymin) * i as f64 / 4.0;
        let fx = xmin + (xmax - xmin) * i as f64 / 4.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>"#,
            x0 + left - 4.0,
            sy(fy) + 3.0,
            tick_label(fy, (ymax - ymin) / 4.0)
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="10" text-anchor="middle">{fx:.0}</text>"#,
            sx(fx),
            top + ph + 14.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">epoch</text>"#,
        x0 + left + pw / 2.0,
        h - 12.0
    );
    let _ = write!(
        svg,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 {} {})">{ylabel}</text>"#,
        x0 + 14.0,
        top + ph / 2.0,
        x0 + 14.0,
        top + ph / 2.0
    );
    for (k, (name, s)) in series.iter().enumerate() {
        if s.is_empty() {
            continue;
        }
        let path: Vec<String> = s
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let c = COLORS[k % COLORS.len()];
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{c}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        let ly = top + 14.0 + 16.0 * k as f64;
        let _ = write!(
            svg,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="2"/>"#,
            x0 + left + pw - 110.0,
            x0 + left + pw - 90.0
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" font-size="11">{name}</text>"#,
            x0 + left + pw - 85.0,
            ly + 4.0
        );
    }
}

/// A tick value rounded to the precision its spacing `step` needs (at most 4 decimals), short
/// enough to stay inside the figure's margin: `0.25`, `1200`, `3.5e6`.
pub fn tick_label(v: f64, step: f64) -> String {
    if v.abs() >= 1e5 {
        return format!("{v:.1e}");
    }
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 4.0) as usize
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".into()
    } else {
        s
    }
}

/// Loss (left) and accuracy — R² for regression — (right) per epoch, train and validation.
pub fn loss_svg(h: &History) -> String {
    let series = |f: &dyn Fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
        h.epochs
            .iter()
            .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
            .collect()
    };
    let mut svg = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="860" height="300" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#,
    );
    panel(
        &mut svg,
        0.0,
        "loss",
        "loss",
        &[
            ("train", series(&|e| Some(e.train_loss))),
            ("validation", series(&|e| e.val_loss)),
        ],
    );
    if h.epochs.iter().any(|e| e.val_r2.is_some()) {
        panel(
            &mut svg,
            430.0,
            "R² (validation)",
            "R²",
            &[("validation", series(&|e| e.val_r2))],
        );
    } else {
        panel(
            &mut svg,
            430.0,
            "accuracy",
            "accuracy",
            &[
                ("train", series(&|e| e.train_accuracy)),
                ("validation", series(&|e| e.val_accuracy)),
            ],
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Predicted against actual values of one regression target on the test rows, with the line
/// y = x where every point would lie if the model were exact.
pub fn fit_svg(predicted: &[f32], actual: &[f32], target: &str) -> String {
    let (w, h, left, top, bottom, right) = (460.0, 420.0, 70.0, 30.0, 50.0, 20.0);
    let all = predicted.iter().chain(actual).map(|&v| v as f64);
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let mut hi = all.fold(f64::NEG_INFINITY, f64::max);
    if !(hi - lo).is_normal() {
        hi = lo + 1.0;
    }
    let (pw, ph) = (w - left - right, h - top - bottom);
    let sx = |v: f64| left + (v - lo) / (hi - lo) * pw;
    let sy = |v: f64| top + (1.0 - (v - lo) / (hi - lo)) * ph;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>"#
    );
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
        sx(lo),
        sy(lo),
        sx(hi),
        sy(hi)
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * i as f64 / 4.0;
        let label = tick_label(v, (hi - lo) / 4.0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" font-size="10" text-anchor="end">{label}</text><text x="{:.1}" y="{}" font-size="10" text-anchor="middle">{label}</text>"#,
            left - 4.0,
            sy(v) + 3.0,
            sx(v),
            top + ph + 14.0
        );
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

/// `text` with the XML special characters escaped.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The model's predicted class over the plane (a grid of cells), with the data points on top.
pub fn boundary_svg(model: &Sequential, ds: &Dataset) -> Result<String> {
    let (size, cells) = (400.0, 80usize);
    let xs: Vec<f32> = ds.features.chunks_exact(2).map(|p| p[0]).collect();
    let ys: Vec<f32> = ds.features.chunks_exact(2).map(|p| p[1]).collect();
    let lo = |v: &[f32]| v.iter().copied().fold(f32::INFINITY, f32::min) as f64;
    let hi = |v: &[f32]| v.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let pad = 0.1;
    let (x0, x1) = (lo(&xs) - pad, hi(&xs) + pad);
    let (y0, y1) = (lo(&ys) - pad, hi(&ys) + pad);
    let mut grid = Vec::with_capacity(cells * cells * 2);
    for j in 0..cells {
        for i in 0..cells {
            grid.push((x0 + (x1 - x0) * (i as f64 + 0.5) / cells as f64) as f32);
            grid.push((y1 - (y1 - y0) * (j as f64 + 0.5) / cells as f64) as f32);
        }
    }
    let classes =
        model.predict_classes(&Tensor::from_vec(grid, (cells * cells, 2), &Device::Cpu)?)?;
    let cell = size / cells as f64;
    let mut svg =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">"#);
    for (k, c) in classes.iter().enumerate() {
        let (i, j) = (k % cells, k / cells);
        let _ = write!(
            svg,
            r#"<rect x="{:.2}" y="{:.2}" width="{cell:.2}" height="{cell:.2}" fill="{}" fill-opacity="0.25"/>"#,
            i as f64 * cell,
            j as f64 * cell,
            COLORS[*c as usize % COLORS.len()]
        );
    }
    let ids = ds.class_ids().unwrap_or_default();
    for ((x, y), c) in xs.iter().zip(&ys).zip(ids) {
        let px = (*x as f64 - x0) / (x1 - x0) * size;
        let py = (1.0 - (*y as f64 - y0) / (y1 - y0)) * size;
        let _ = write!(
            svg,
            r#"<circle cx="{px:.1}" cy="{py:.1}" r="2.5" fill="{}"/>"#,
            COLORS[*c as usize % COLORS.len()]
        );
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// Writes `loss.svg` and, for 2-D classification data, `boundary.svg` into `dir`.
pub fn write_figures(
    dir: &Path,
    history: &History,
    model: &Sequential,
    data: Option<&Dataset>,
) -> Result<()> {
    atomic_write(&dir.join("loss.svg"), loss_svg(history).as_bytes())?;
    if let Some(ds) = data.filter(|d| d.width() == 2 && d.num_classes() > 0) {
        atomic_write(
            &dir.join("boundary.svg"),
            boundary_svg(model, ds)?.as_bytes(),
        )?;
    }
    Ok(())
}

/// Parses `history.csv` as written by `History::to_csv`.
pub fn read_history(path: &Path) -> Result<History> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    if header.get(..3) != Some(&["epoch", "train_loss", "train_accuracy"][..]) {
        bail!("{}: not a deepnet history (expected a header starting epoch,train_loss,train_accuracy)", path.display());
    }
    let mut h = History::default();
    for (k, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() {
            bail!(
                "{}:{}: row has {} fields but the header has {}",
                path.display(),
                k + 2,
                f.len(),
                header.len()
            );
        }
        let num = |i: usize| -> Result<Option<f64>> {
            if f[i].is_empty() {
                return Ok(None);
            }
            f[i].parse::<f64>().map(Some).map_err(|_| {
                anyhow::anyhow!(
                    "{}:{}: column `{}`: cannot parse `{}` as a number",
                    path.display(),
                    k + 2,
                    header[i],
                    f[i]
                )
            })
        };
        h.epochs.push(EpochRecord {
            epoch: num(0)?.unwrap_or(0.0) as usize,
            train_loss: num(1)?.unwrap_or(f64::NAN),
            train_accuracy: num(2)?,
            val_loss: num(3)?,
            val_accuracy: num(4)?,
            val_precision: None,
            val_recall: None,
            val_f1: None,
            val_r2: match header.iter().position(|h| *h == "val_r2") {
                Some(i) => num(i)?,
                None => None,
            },
            lr: num(5)?.unwrap_or(f64::NAN),
            seconds: num(6)?.unwrap_or(0.0),
            grad_norms: Vec::new(),
        });
    }
    Ok(h)
}

pub fn run(a: PlotArgs) -> Result<()> {
    let history = read_history(&a.dir.join("history.csv"))?;
    let ckpt = a.dir.join("model.safetensors");
    let (model, meta) = load_model_with_metadata(&ckpt, &Device::Cpu, DType::F32)?;
    // Regenerate a synthetic training set for the boundary plot.
    let run: Option<TrainArgs> = meta
        .get("deepnet.run")
        .and_then(|t| serde_json::from_str(t).ok());
    let data = match run.as_ref().and_then(|r| r.data.clone()) {
        Some(name) if SYNTHETIC_NAMES.contains(&name.as_str()) => Some(synthetic(
            &name,
            1000,
            run.as_ref().and_then(|r| r.seed).unwrap_or(0),
        )?),
        _ => None,
    };
    write_figures(&a.dir, &history, &model, data.as_ref())?;
    println!("figures: {}", a.dir.join("loss.svg").display());
    Ok(())
}
