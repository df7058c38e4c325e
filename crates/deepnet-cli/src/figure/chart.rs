//! A line chart of per-epoch series — the one drawing code behind `loss.svg`, `deepnet plot` and
//! every chart of `deepnet board`: rounded ticks inside the frame, labelled axes, an optional
//! logarithmic y axis, a legend beside the plot, and dashed vertical markers (the best epoch).
//!
//! Each series is a `<g class="series" data-run=… data-label=…>` holding its line and one
//! `<circle class="point">` per value, so tools (and the board's browser test) can read the
//! chart back.

use std::fmt::Write as _;

use super::ticks::Scale;
use super::{svg_open, tick_label, xml_escape};

/// One line: (epoch, value) points, drawn in `color`, dashed or solid.
#[derive(Clone, Debug)]
pub struct Series {
    /// The run the values come from (empty for a figure of one run); legend entries name it
    /// when the chart shows several runs.
    pub run: String,
    /// What the values are (`train`, `validation`, `layer 2`).
    pub label: String,
    /// A CSS colour.
    pub color: &'static str,
    /// An SVG dash pattern (`"6 3"` for validation series), or none for a solid line.
    pub dash: Option<&'static str>,
    /// (x, y) points in x order; non-finite values (and non-positive ones on a log axis) are
    /// left out of the drawing.
    pub points: Vec<(f64, f64)>,
}

/// A dashed vertical line at `x` with a short label (the best epoch).
#[derive(Clone, Debug)]
pub struct Marker {
    /// Where, in x units.
    pub x: f64,
    /// Text beside the line's top.
    pub label: String,
    /// A CSS colour.
    pub color: &'static str,
}

/// A titled chart of series sharing an x axis (epochs) and a y axis.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Shown above the plot.
    pub title: String,
    /// The x axis' name.
    pub x_label: String,
    /// The y axis' name.
    pub y_label: String,
    /// Base-10 logarithmic y axis (gradient norms).
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
}

const LEFT: f64 = 62.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 44.0;
const CHAR_WIDTH: f64 = 6.2;

impl Chart {
    /// The chart as a standalone SVG document of the given size.
    pub fn svg(&self, width: f64, height: f64) -> String {
        let mut s = svg_open(width, height);
        self.draw(&mut s, 0.0, width, height);
        s.push_str("</svg>\n");
        s
    }

    /// The width the legend needs beside the plot.
    fn legend_width(&self) -> f64 {
        let longest = self
            .series
            .iter()
            .map(|s| self.legend_text(s).chars().count())
            .max()
            .unwrap_or(0)
            .min(32);
        if longest == 0 {
            0.0
        } else {
            34.0 + longest as f64 * CHAR_WIDTH
        }
    }

    /// Draws the chart into `svg` in the box starting at `x0` (top 0), `width` × `height`.
    pub fn draw(&self, svg: &mut String, x0: f64, width: f64, height: f64) {
        let legend = self.legend_width().min(width * 0.4);
        let pw = (width - LEFT - 14.0 - legend).max(40.0);
        let ph = (height - TOP - BOTTOM).max(40.0);
        let (px, py) = (x0 + LEFT, TOP);
        let drawn = |s: &Series, ys: &Scale| -> Vec<(f64, f64)> {
            s.points
                .iter()
                .copied()
                .filter(|&(x, y)| x.is_finite() && ys.accepts(y))
                .collect()
        };
        let probe = if self.log_y {
            Scale::log10(1.0, 10.0)
        } else {
            Scale::linear(0.0, 1.0, 4, false)
        };
        let all: Vec<(f64, f64)> = self.series.iter().flat_map(|s| drawn(s, &probe)).collect();
        let (xmin, xmax) = bounds(
            all.iter()
                .map(|p| p.0)
                .chain(self.markers.iter().map(|m| m.x)),
        );
        let (ymin, ymax) = bounds(all.iter().map(|p| p.1));
        let xs = Scale::linear(xmin, xmax, 5, true);
        let ys = if self.log_y {
            Scale::log10(ymin, ymax)
        } else {
            Scale::linear(ymin, ymax, 4, false)
        };
        let sx = |x: f64| px + xs.fraction(x) * pw;
        let sy = |y: f64| py + (1.0 - ys.fraction(y)) * ph;
        let _ = write!(
            svg,
            r#"<g class="chart"><text x="{:.1}" y="18" font-size="14" text-anchor="middle">{}</text>"#,
            px + pw / 2.0,
            xml_escape(&self.title)
        );
        for &t in &ys.ticks {
            let _ = write!(
                svg,
                r##"<line x1="{px:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e4e4e4"/>"##,
                px + pw,
                y = sy(t),
            );
            tick_label(svg, px - 4.0, sy(t) + 3.0, "end", &ys.label(t));
        }
        for &t in &xs.ticks {
            tick_label(svg, sx(t), py + ph + 14.0, "middle", &xs.label(t));
        }
        let _ = write!(
            svg,
            r##"<rect x="{px:.1}" y="{py:.1}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#333"/>"##
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
            px + pw / 2.0,
            py + ph + 32.0,
            xml_escape(&self.x_label)
        );
        let (lx, ly) = (x0 + 14.0, py + ph / 2.0);
        let _ = write!(
            svg,
            r#"<text x="{lx:.1}" y="{ly:.1}" font-size="12" text-anchor="middle" transform="rotate(-90 {lx:.1} {ly:.1})">{}</text>"#,
            xml_escape(&self.y_label)
        );
        if all.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#777" text-anchor="middle">no values yet</text>"##,
                px + pw / 2.0,
                py + ph / 2.0
            );
        }
        for (k, m) in self.markers.iter().enumerate() {
            let x = sx(m.x);
            let _ = write!(
                svg,
                r#"<g class="marker"><line x1="{x:.1}" x2="{x:.1}" y1="{py:.1}" y2="{:.1}" stroke="{}" stroke-dasharray="2 3"/><text x="{:.1}" y="{:.1}" font-size="10" fill="{}" text-anchor="{}">{}</text></g>"#,
                py + ph,
                m.color,
                if x > px + pw * 0.7 { x - 3.0 } else { x + 3.0 },
                py + 11.0 + 12.0 * (k % 4) as f64,
                m.color,
                if x > px + pw * 0.7 { "end" } else { "start" },
                xml_escape(&m.label)
            );
        }
        for (k, s) in self.series.iter().enumerate() {
            let pts = drawn(s, &ys);
            let dash = s
                .dash
                .map(|d| format!(r#" stroke-dasharray="{d}""#))
                .unwrap_or_default();
            let _ = write!(
                svg,
                r#"<g class="series" data-run="{}" data-label="{}" data-points="{}">"#,
                xml_escape(&s.run),
                xml_escape(&s.label),
                pts.len()
            );
            let line: Vec<String> = pts
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="1.8"{dash} points="{}"/>"#,
                s.color,
                line.join(" ")
            );
            for &(x, y) in &pts {
                let _ = write!(
                    svg,
                    r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="2.2" fill="{}"><title>{} {}: {}</title></circle>"#,
                    sx(x),
                    sy(y),
                    s.color,
                    xml_escape(&self.legend_text(s)),
                    xs.label(x),
                    y
                );
            }
            svg.push_str("</g>");
            let (ex, ey) = (px + pw + 12.0, py + 8.0 + 16.0 * k as f64);
            if ey > py + ph {
                continue;
            }
            let mut text = self.legend_text(s);
            if text.chars().count() > 32 {
                text = text.chars().take(31).collect::<String>() + "…";
            }
            let _ = write!(
                svg,
                r#"<line x1="{ex:.1}" x2="{:.1}" y1="{ey:.1}" y2="{ey:.1}" stroke="{}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                ex + 22.0,
                s.color,
                ex + 26.0,
                ey + 4.0,
                xml_escape(&text)
            );
        }
        svg.push_str("</g>");
    }
}

impl Chart {
    /// A series' legend entry: `run: label` when the chart shows several runs, else the label.
    fn legend_text(&self, s: &Series) -> String {
        if self.series.iter().any(|o| o.run != s.run) {
            format!("{}: {}", s.run, s.label)
        } else {
            s.label.clone()
        }
    }
}

/// The smallest and largest of `values` (NaN when there are none).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::NAN, f64::NAN), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(log_y: bool, points: Vec<(f64, f64)>) -> Chart {
        Chart {
            title: "loss <train>".into(),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            log_y,
            series: vec![Series {
                run: "a&b".into(),
                label: "train".into(),
                color: "#000",
                dash: None,
                points,
            }],
            markers: vec![Marker {
                x: 2.0,
                label: "best epoch 2".into(),
                color: "#555",
            }],
        }
    }

    /// The numbers of every `attr="…"` in `svg`.
    fn numbers(svg: &str, attr: &str) -> Vec<f64> {
        svg.split(&format!(" {attr}=\""))
            .skip(1)
            .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
            .collect()
    }

    #[test]
    fn every_point_and_label_lies_inside_the_figure() {
        let svg = chart(
            false,
            vec![(1.0, 0.87), (2.0, 0.31), (3.0, f64::NAN), (4.0, 0.0213)],
        )
        .svg(480.0, 300.0);
        assert_eq!(svg.matches(r#"class="point""#).count(), 3, "NaN left out");
        assert!(svg.contains(r#"data-run="a&amp;b" data-label="train" data-points="3""#));
        assert!(svg.contains("loss &lt;train&gt;"));
        for x in numbers(&svg, "cx").into_iter().chain(numbers(&svg, "x")) {
            assert!((0.0..=480.0).contains(&x), "{x}");
        }
        for y in numbers(&svg, "cy").into_iter().chain(numbers(&svg, "y")) {
            assert!((0.0..=300.0).contains(&y), "{y}");
        }
        assert!(svg.contains(">best epoch 2<"));
        // Rounded tick labels only.
        assert!(svg.contains(">0.2<") && svg.contains(">1.0<"), "{svg}");
        assert!(!svg.contains("00000"), "{svg}");
    }

    #[test]
    fn a_log_axis_drops_what_it_cannot_draw() {
        let svg = chart(true, vec![(1.0, 1e-6), (2.0, 0.0), (3.0, 0.02)]).svg(480.0, 300.0);
        assert_eq!(svg.matches(r#"class="point""#).count(), 2);
        assert!(svg.contains(">1e-6<") && svg.contains(">1e-1<"), "{svg}");
        let empty = chart(false, Vec::new()).svg(480.0, 300.0);
        assert!(empty.contains("no values yet"));
        assert!(empty.contains(r#"data-points="0""#));
    }
}
