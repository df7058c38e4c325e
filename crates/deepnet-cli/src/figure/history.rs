//! Charts of training histories: one metric per chart, one or several runs overlaid (training
//! solid, validation dashed, the best epoch marked), as drawn in `loss.svg` and by the board.

use deepnet::{EpochRecord, History};

use super::chart::{Chart, Marker, Series};
use super::{svg_open, COLORS};

/// What a history chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Training and validation loss.
    Loss,
    /// Training and validation accuracy (classifiers).
    Accuracy,
    /// Validation R² (regression).
    R2,
    /// Validation RMSE (regression).
    Rmse,
    /// The learning rate of each epoch.
    LearningRate,
    /// The mean L2 norm of each dense layer's gradient, on a log scale.
    GradNorms,
}

impl Metric {
    /// Every metric, in the board's order.
    pub const ALL: [Metric; 6] = [
        Metric::Loss,
        Metric::Accuracy,
        Metric::R2,
        Metric::Rmse,
        Metric::LearningRate,
        Metric::GradNorms,
    ];

    /// The name used in URLs: `loss`, `accuracy`, `r2`, `rmse`, `lr`, `grad_norms`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Loss => "loss",
            Metric::Accuracy => "accuracy",
            Metric::R2 => "r2",
            Metric::Rmse => "rmse",
            Metric::LearningRate => "lr",
            Metric::GradNorms => "grad_norms",
        }
    }

    /// The metric called `name`, if any.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    fn title(self) -> &'static str {
        match self {
            Metric::Loss => "loss",
            Metric::Accuracy => "accuracy",
            Metric::R2 => "R² (validation)",
            Metric::Rmse => "RMSE (validation, training units)",
            Metric::LearningRate => "learning rate",
            Metric::GradNorms => "gradient norm per dense layer",
        }
    }

    fn y_label(self) -> &'static str {
        match self {
            Metric::Loss => "loss",
            Metric::Accuracy => "accuracy",
            Metric::R2 => "R²",
            Metric::Rmse => "RMSE",
            Metric::LearningRate => "learning rate",
            Metric::GradNorms => "mean ‖dJ/dW‖₂ (log)",
        }
    }

    /// The (label, dashed, value) lines this metric draws for one history.
    #[allow(clippy::type_complexity)]
    fn lines(self, h: &History) -> Vec<(String, bool, Vec<(f64, f64)>)> {
        let series = |f: &dyn Fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            h.epochs
                .iter()
                .filter_map(|e| f(e).map(|v| (e.epoch as f64, v)))
                .collect()
        };
        let pair = |train: &dyn Fn(&EpochRecord) -> Option<f64>,
                    val: &dyn Fn(&EpochRecord) -> Option<f64>| {
            vec![
                ("train".to_string(), false, series(train)),
                ("validation".to_string(), true, series(val)),
            ]
        };
        let mut lines = match self {
            Metric::Loss => pair(&|e| Some(e.train_loss), &|e| e.val_loss),
            Metric::Accuracy => pair(&|e| e.train_accuracy, &|e| e.val_accuracy),
            Metric::R2 => vec![("validation".into(), true, series(&|e| e.val_r2))],
            Metric::Rmse => vec![("validation".into(), true, series(&|e| e.val_rmse))],
            Metric::LearningRate => vec![("lr".into(), false, series(&|e| Some(e.lr)))],
            Metric::GradNorms => {
                let layers: Vec<usize> = h
                    .epochs
                    .first()
                    .map(|e| e.grad_norms.iter().map(|g| g.0).collect())
                    .unwrap_or_default();
                layers
                    .iter()
                    .map(|&l| {
                        let norm = move |e: &EpochRecord| {
                            e.grad_norms.iter().find(|g| g.0 == l).map(|g| g.1)
                        };
                        (format!("layer {l}"), false, series(&norm))
                    })
                    .collect()
            }
        };
        lines.retain(|l| !l.2.is_empty());
        lines
    }

    /// Whether `h` has values for this metric.
    pub fn applies_to(self, h: &History) -> bool {
        !self.lines(h).is_empty()
    }
}

/// Dash patterns that tell runs apart where colours tell layers apart.
const RUN_DASHES: [Option<&str>; 3] = [None, Some("6 3"), Some("2 2")];

/// The chart of `metric` for the named histories: one run keeps one colour per line; several runs
/// get one colour per run (per run and layer for gradient norms), their legend entries prefixed
/// by the run's name. Each run's best epoch is marked.
pub fn metric_chart(metric: Metric, runs: &[(&str, &History)]) -> Chart {
    let single = runs.len() == 1;
    let mut series = Vec::new();
    let mut markers = Vec::new();
    for (r, (name, h)) in runs.iter().enumerate() {
        for (k, (label, dashed, points)) in metric.lines(h).into_iter().enumerate() {
            let color = match (single, metric) {
                (true, _) => COLORS[k % COLORS.len()],
                (false, Metric::GradNorms) => COLORS[k % COLORS.len()],
                (false, _) => COLORS[r % COLORS.len()],
            };
            // Validation dashed; for gradient norms of several runs, one dash pattern per run.
            let dash = match (metric, single) {
                (Metric::GradNorms, false) => RUN_DASHES[r % RUN_DASHES.len()],
                _ => dashed.then_some("6 3"),
            };
            series.push(Series {
                run: name.to_string(),
                label,
                color,
                dash,
                points,
            });
        }
        if let (Some(best), false) = (h.best(), metric == Metric::GradNorms && !single) {
            markers.push(Marker {
                x: best.epoch as f64,
                label: if single {
                    format!("best epoch {}", best.epoch)
                } else {
                    format!("{name}: best {}", best.epoch)
                },
                color: if single {
                    "#555"
                } else {
                    COLORS[r % COLORS.len()]
                },
            });
        }
    }
    Chart {
        title: metric.title().into(),
        x_label: "epoch".into(),
        y_label: metric.y_label().into(),
        log_y: metric == Metric::GradNorms,
        series,
        markers,
    }
}

/// `loss.svg`: loss (left) and accuracy — R² for regression — (right) per epoch, training and
/// validation, the best epoch marked.
pub fn loss_svg(h: &History) -> String {
    let (w, height) = (480.0, 300.0);
    let right = if Metric::R2.applies_to(h) {
        Metric::R2
    } else {
        Metric::Accuracy
    };
    let mut svg = svg_open(2.0 * w, height);
    metric_chart(Metric::Loss, &[("", h)]).draw(&mut svg, 0.0, w, height);
    metric_chart(right, &[("", h)]).draw(&mut svg, w, w, height);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(epochs: usize) -> History {
        History {
            epochs: (1..=epochs)
                .map(|epoch| EpochRecord {
                    epoch,
                    train_loss: 1.0 / epoch as f64,
                    train_accuracy: Some(0.9),
                    val_loss: Some(1.2 / epoch as f64),
                    val_accuracy: Some(0.8),
                    val_precision: None,
                    val_recall: None,
                    val_f1: None,
                    val_r2: None,
                    val_rmse: None,
                    lr: 0.01,
                    seconds: 0.1,
                    grad_norms: vec![(0, 1e-5), (2, 1e-3), (4, 0.1)],
                })
                .collect(),
            ..History::default()
        }
    }

    #[test]
    fn runs_overlay_with_one_series_per_layer_and_run() {
        let (a, b) = (history(5), history(3));
        let c = metric_chart(Metric::GradNorms, &[("a", &a), ("b", &b)]);
        assert_eq!(c.series.len(), 6);
        assert!(c.log_y);
        let loss = metric_chart(Metric::Loss, &[("a", &a), ("b", &b)]);
        let svg = loss.svg(600.0, 300.0);
        assert!(svg.contains(r#"data-run="b" data-label="validation" data-points="3""#));
        assert_eq!(svg.matches(r#"class="point""#).count(), 16);
        assert_eq!(loss.markers.len(), 2);
        assert!(!Metric::R2.applies_to(&a) && Metric::Accuracy.applies_to(&a));
        assert_eq!(Metric::parse("grad_norms"), Some(Metric::GradNorms));
        assert_eq!(Metric::parse("../x"), None);
    }

    #[test]
    fn the_loss_figure_marks_the_best_epoch() {
        let svg = loss_svg(&history(4));
        assert!(svg.contains(">best epoch 4<"));
        assert_eq!(svg.matches(r#"class="chart""#).count(), 2);
    }
}
