//! Axis scales and their ticks: "nice" round steps (1, 2 or 5 × 10ᵏ) for linear axes, powers of
//! ten for logarithmic ones, the axis widened to whole ticks so that every label sits inside the
//! frame, and labels rounded to the precision their spacing needs.

/// A linear or logarithmic axis over a domain that begins and ends on a tick.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// The domain's low and high ends.
    pub lo: f64,
    /// See `lo`.
    pub hi: f64,
    /// Tick positions, in data units, from `lo` to `hi`.
    pub ticks: Vec<f64>,
    /// Base-10 logarithmic axis.
    pub log: bool,
    step: f64,
}

/// The round step (1, 2 or 5 × 10ᵏ) nearest to `range / target` on a log scale (as d3 picks it).
fn nice_step(range: f64, target: usize) -> f64 {
    let raw = range / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let error = raw / magnitude;
    let nice = if error >= 50f64.sqrt() {
        10.0
    } else if error >= 10f64.sqrt() {
        5.0
    } else if error >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    nice * magnitude
}

impl Scale {
    /// A linear axis covering `lo..=hi` with about `target` intervals; `integer` keeps the step a
    /// whole number (epochs). A degenerate or non-finite range is widened around its value.
    pub fn linear(lo: f64, hi: f64, target: usize, integer: bool) -> Scale {
        let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (true, false) => (lo, lo),
            (false, true) => (hi, hi),
            (false, false) => (0.0, 1.0),
        };
        if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
            let pad = match (integer, lo == 0.0) {
                (true, _) | (false, true) => 1.0,
                (false, false) => lo.abs() * 0.5,
            };
            lo -= pad;
            hi += pad;
        }
        let mut step = nice_step(hi - lo, target);
        if integer {
            step = step.max(1.0).round();
        }
        let first = (lo / step).floor();
        let last = (hi / step).ceil();
        let ticks = (0..=(last - first) as usize)
            .map(|k| (first + k as f64) * step)
            .collect();
        Scale {
            lo: first * step,
            hi: last * step,
            ticks,
            log: false,
            step,
        }
    }

    /// A base-10 logarithmic axis from the power of ten at or below `lo` to the one at or above
    /// `hi` (both positive), with a tick at every power (every second or more when there are many).
    pub fn log10(lo: f64, hi: f64) -> Scale {
        let valid = |v: f64| v.is_finite() && v > 0.0;
        let (lo, hi) = match (valid(lo), valid(hi)) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (true, false) => (lo, lo),
            (false, true) => (hi, hi),
            (false, false) => (1.0, 1.0),
        };
        let a = lo.log10().floor() as i32;
        let mut b = hi.log10().ceil() as i32;
        if b <= a {
            b = a + 1;
        }
        let every = ((b - a) as usize).div_ceil(6).max(1) as i32;
        let ticks = (a..=b)
            .filter(|p| (p - a) % every == 0 || *p == b)
            .map(|p| 10f64.powi(p))
            .collect();
        Scale {
            lo: 10f64.powi(a),
            hi: 10f64.powi(b),
            ticks,
            log: true,
            step: 0.0,
        }
    }

    /// Where `v` falls on the axis, from 0 (`lo`) to 1 (`hi`).
    pub fn fraction(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// Whether `v` can be drawn on this axis (finite; positive on a logarithmic one).
    pub fn accepts(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }

    /// A tick's label: `1e-3` style on a logarithmic axis, else rounded to the step's precision.
    pub fn label(&self, v: f64) -> String {
        if self.log {
            let p = v.log10().round() as i32;
            return match p {
                0 => "1".into(),
                1 => "10".into(),
                2 => "100".into(),
                _ => format!("1e{p}"),
            };
        }
        tick_label(v, self.step)
    }
}

/// A value rounded to the precision that a spacing of `step` needs (at most 6 decimals), in
/// exponent form from 10⁵ up: `0.25`, `1200`, `3.5e6`; never `-0`.
pub fn tick_label(v: f64, step: f64) -> String {
    if v.abs() >= 1e5 {
        return format!("{v:.1e}");
    }
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_cover_the_data() {
        let s = Scale::linear(0.0213, 0.8789, 4, false);
        assert_eq!(s.ticks, vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
        let labels: Vec<String> = s.ticks.iter().map(|&t| s.label(t)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let e = Scale::linear(1.0, 28.0, 4, true);
        assert_eq!(e.ticks, vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        assert_eq!(Scale::linear(1.0, 3.0, 5, true).ticks, vec![1.0, 2.0, 3.0]);
        let one = Scale::linear(1.0, 1.0, 4, true);
        assert_eq!((one.lo, one.hi), (0.0, 2.0));
        let flat = Scale::linear(0.5, 0.5, 4, false);
        assert!(flat.lo < 0.5 && flat.hi > 0.5);
        let lr = Scale::linear(1e-3, 1e-3, 4, false);
        assert_eq!(
            (lr.lo, lr.hi, lr.label(lr.ticks[1])),
            (0.0004, 0.0016, "0.0006".to_string())
        );
        let odd = Scale::linear(f64::NAN, f64::INFINITY, 4, false);
        assert_eq!((odd.lo, odd.hi), (0.0, 1.0));
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        let s = Scale::log10(3e-7, 0.04);
        assert_eq!((s.lo, s.hi), (1e-7, 0.1));
        assert_eq!(s.ticks.len(), 7);
        assert_eq!(s.label(1e-7), "1e-7");
        assert_eq!(s.label(1.0), "1");
        assert!((s.fraction(1e-4) - 0.5).abs() < 1e-12);
        assert!(!s.accepts(0.0) && !s.accepts(-1.0) && s.accepts(1e-30));
        let wide = Scale::log10(1e-30, 1.0);
        assert!(wide.ticks.len() <= 7, "{:?}", wide.ticks);
        assert_eq!(Scale::log10(5.0, 5.0).ticks, vec![1.0, 10.0]);
    }

    #[test]
    fn tick_labels_are_rounded() {
        assert_eq!(tick_label(0.30000000000000004, 0.1), "0.3");
        assert_eq!(tick_label(-0.0000001, 0.25), "0");
        assert_eq!(tick_label(1234.5678, 500.0), "1235");
        assert_eq!(tick_label(3.5e6, 1e6), "3.5e6");
    }
}
