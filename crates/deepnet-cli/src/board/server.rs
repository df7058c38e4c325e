//! The board's HTTP routes: the page, the JSON API and the charts. GET (and HEAD) only; request
//! bodies are never read; every run name is looked up among the scanned runs, never joined to a
//! path, so no request reaches a file outside the run directories.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::runs::{history, read_inside, scan, summary, RunDir, Skipped, FIGURES};
use crate::figure::history::{metric_chart, Metric};

/// The page: HTML, CSS and script in one file, embedded in the binary.
const PAGE: &str = include_str!("page.html");
/// At most this many runs in one chart.
const MAX_CHART_RUNS: usize = 12;

/// What the handlers share: the root directories, and the skipped entries already reported.
#[derive(Clone)]
pub struct Board {
    roots: Arc<Vec<PathBuf>>,
    reported: Arc<Mutex<Vec<Skipped>>>,
}

impl Board {
    /// A board over the canonical directories `roots`.
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Board {
            roots: Arc::new(roots),
            reported: Arc::default(),
        }
    }

    /// The runs now, noting each newly skipped directory once on stderr.
    pub fn runs(&self) -> Vec<RunDir> {
        let (runs, skipped) = scan(&self.roots);
        if let Ok(mut seen) = self.reported.lock() {
            for s in skipped {
                if !seen.contains(&s) {
                    eprintln!("note: skipping {}: {}", s.path.display(), s.why);
                    seen.push(s);
                }
            }
        }
        runs
    }

    /// The run called `name`, if there is one now.
    fn find(&self, name: &str) -> Option<RunDir> {
        self.runs().into_iter().find(|r| r.name == name)
    }
}

/// The router over `board`.
pub fn router(board: Board) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/runs", get(list_runs))
        .route("/api/runs/{name}/history", get(run_history))
        .route("/api/runs/{name}/figures/{file}", get(figure))
        .route("/api/chart/{metric}", get(chart))
        .fallback(|| async { not_found("no such page") })
        .with_state(board)
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("not found: {what}\n")).into_response()
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("bad request: {what}\n")).into_response()
}

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

async fn page() -> Response {
    let mut r = with_type(PAGE.to_string(), "text/html; charset=utf-8");
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'",
        ),
    );
    r
}

async fn list_runs(State(board): State<Board>) -> Response {
    let rows: Vec<_> = board.runs().iter().map(summary).collect();
    let mut r = Json(rows).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn run_history(State(board): State<Board>, UrlPath(name): UrlPath<String>) -> Response {
    let Some(run) = board.find(&name) else {
        return not_found(&format!("no run named `{name}`"));
    };
    let read = history(&run);
    let body = serde_json::json!({
        "name": run.name,
        "epochs": read.history.epochs,
        "note": read.problem,
    });
    let mut r = Json(body).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn figure(
    State(board): State<Board>,
    UrlPath((name, file)): UrlPath<(String, String)>,
) -> Response {
    let Some(run) = board.find(&name) else {
        return not_found(&format!("no run named `{name}`"));
    };
    let Some(known) = FIGURES.iter().find(|f| **f == file) else {
        return not_found(&format!("`{file}` is not a figure the board serves"));
    };
    match read_inside(&run, known) {
        Some(svg) => with_type(svg, "image/svg+xml"),
        None => not_found(&format!("run `{name}` has no {known}")),
    }
}

/// `?runs=a,b` (run names, comma-separated).
#[derive(Deserialize)]
struct ChartQuery {
    runs: Option<String>,
}

async fn chart(
    State(board): State<Board>,
    UrlPath(metric): UrlPath<String>,
    Query(q): Query<ChartQuery>,
) -> Response {
    let Some(metric) = Metric::parse(&metric) else {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        return not_found(&format!(
            "no chart `{metric}` (charts: {})",
            names.join(", ")
        ));
    };
    let wanted: Vec<&str> = q
        .runs
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .collect();
    if wanted.len() > MAX_CHART_RUNS {
        return bad_request(&format!("at most {MAX_CHART_RUNS} runs per chart"));
    }
    let all = board.runs();
    let mut histories = Vec::new();
    for name in &wanted {
        match all.iter().find(|r| r.name == *name) {
            Some(run) => histories.push((run.name.clone(), history(run).history)),
            None => return not_found(&format!("no run named `{name}`")),
        }
    }
    let named: Vec<(&str, &deepnet::History)> =
        histories.iter().map(|(n, h)| (n.as_str(), h)).collect();
    with_type(
        metric_chart(metric, &named).svg(640.0, 320.0),
        "image/svg+xml",
    )
}
