//! The board in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
//! driven over WebDriver loads the page served by `deepnet board` over a finished run and a run
//! that a background `deepnet train` is still writing. Ignored by default (it needs the browser);
//! `.ci/run` installs the browser and runs it. Screenshots are saved under the target directory's
//! `tmp/board-e2e/`.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::board::Board;
use common::{deepnet, root, temp};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The number of complete epoch lines in `dir/history.csv`.
fn epochs_written(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("history.csv"))
        .map(|t| t.lines().count().saturating_sub(1))
        .unwrap_or(0)
}

/// Polls `probe` every 100 ms until it gives a value, or panics after `seconds` naming `what`.
async fn until<T, F, Fut>(seconds: u64, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "timed out after {seconds} s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `data-points` of the chart series of `run` labelled `label` in chart `metric`, and the
/// number of point circles it holds.
async fn series_points(c: &Client, metric: &str, run: &str, label: &str) -> Option<(usize, usize)> {
    let css = format!("#chart-{metric} g.series[data-run='{run}'][data-label='{label}']");
    let series = c.find_all(Locator::Css(&css)).await.ok()?;
    let s = series.first()?;
    let declared = s.attr("data-points").await.ok()??.parse().ok()?;
    let circles = s.find_all(Locator::Css("circle.point")).await.ok()?.len();
    Some((declared, circles))
}

/// Sets the "show" checkbox of `run` to `on` by clicking it (again, if the table was redrawn
/// between finding the box and clicking it, as it is on every change of a running run).
async fn show(c: &Client, run: &str, on: bool) {
    let css = format!("input.select[data-run='{run}']");
    until(20, &format!("the checkbox of {run} to be {on}"), || async {
        let b = c.find(Locator::Css(&css)).await.ok()?;
        if b.is_selected().await.ok()? == on {
            return Some(());
        }
        let _ = b.click().await;
        None
    })
    .await
}

async fn save_screenshot(c: &Client, dir: &Path, name: &str) -> PathBuf {
    let png = c.screenshot().await.unwrap();
    let path = dir.join(name);
    std::fs::write(&path, png).unwrap();
    path
}

#[test]
#[ignore = "needs Debian's chromium and chromium-driver (.ci/run installs them)"]
fn the_board_lists_compares_and_follows_runs_in_chromium() {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "install Debian's chromium and chromium-driver"
    );
    let dir = temp("board-browser");
    let runs = dir.join("runs");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("board-e2e");
    std::fs::create_dir_all(&shots).unwrap();

    // A finished run: the digits recipe, 12 epochs.
    let spec = root().join("models/digits_mlp.json");
    let finished = runs.join("digits_tanh");
    let o = deepnet(&[
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        "digits",
        "--epochs",
        "12",
        "--out",
        finished.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A run still training: a wide network, one thread, an epoch every second or so.
    let wide = dir.join("wide.json");
    std::fs::write(
        &wide,
        r#"{"name": "wide", "layers": [{"type": "dense", "units": 1024}, {"type": "tanh"},
            {"type": "dense", "units": 1024}, {"type": "sigmoid"}, {"type": "dense", "units": 10}],
            "output": "softmax",
            "train": {"optimizer": "sgd", "lr": 0.05, "batch_size": 16, "epochs": 500}}"#,
    )
    .unwrap();
    let live = runs.join("digits_wide");
    let _train = Killed(
        Command::new(env!("CARGO_BIN_EXE_deepnet"))
            .args([
                "train",
                "--model",
                wide.to_str().unwrap(),
                "--data",
                "digits",
            ])
            .args(["--threads", "1", "--quiet", "--out", live.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while epochs_written(&live) < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the live run wrote no epoch"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let board = Board::start(&[&runs]);
    let port = free_port();
    let _driver = Killed(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = dir.join("chromium-profile");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         format!("--user-data-dir={}", profile.display()),
                         "--window-size=1400,1500"],
            }),
        );
        let c = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session in headless Chromium");
        let task = tokio::spawn(scenario(
            c.clone(),
            board.url(),
            finished.clone(),
            live.clone(),
            shots.clone(),
        ));
        let result = task.await;
        // Whatever happened, keep the page as the browser last showed it.
        let _ = save_screenshot(&c, &shots, "board-last.png").await;
        if result.is_err() {
            if let Ok(html) = c.source().await {
                let _ = std::fs::write(shots.join("board-last.html"), html);
            }
        }
        c.close().await.unwrap();
        if let Err(e) = result {
            std::panic::resume_unwind(e.into_panic());
        }
    });
    eprintln!("screenshots in {}", shots.display());
}

async fn scenario(c: Client, url: String, finished: PathBuf, live: PathBuf, shots: PathBuf) {
    let (c, finished, live, shots) = (&c, &finished, &live, &shots);
    c.goto(&url).await.unwrap();
    // The run table lists both runs with their status and metrics.
    let rows = until(20, "two rows in the run table", || async {
        let rows = c.find_all(Locator::Css("#runs tbody tr")).await.ok()?;
        (rows.len() == 2).then_some(rows)
    })
    .await;
    let mut texts = Vec::new();
    for r in &rows {
        texts.push(r.text().await.unwrap());
    }
    let row = |name: &str| texts.iter().find(|t| t.contains(name)).cloned().unwrap();
    let done = row("digits_tanh");
    assert!(
        done.contains("finished") && done.contains("12 / 12"),
        "{done}"
    );
    let test_accuracy = std::fs::read_to_string(finished.join("status.json")).unwrap();
    let status: serde_json::Value = serde_json::from_str(&test_accuracy).unwrap();
    let acc = status["metrics"]["test_accuracy"].as_f64().unwrap();
    assert!(done.contains(&format!("accuracy {acc:.4}")), "{done}");
    assert!(
        done.contains("64 → 256 tanh → 128 tanh → 10 softmax"),
        "{done}"
    );
    let running = row("digits_wide");
    assert!(
        running.contains("running") && running.contains("val_loss"),
        "{running}"
    );

    // The loss chart of the finished run alone has one point per epoch.
    show(c, "digits_wide", false).await;
    show(c, "digits_tanh", true).await;
    let points = until(20, "the finished run's loss chart", || {
        series_points(c, "loss", "digits_tanh", "train")
    })
    .await;
    assert_eq!(points, (12, 12));
    let val = series_points(c, "loss", "digits_tanh", "validation").await;
    assert_eq!(val, Some((12, 12)));
    save_screenshot(c, shots, "board-finished.png").await;

    // The running run's chart gains a point after its next epoch.
    show(c, "digits_tanh", false).await;
    show(c, "digits_wide", true).await;
    let (before, _) = until(20, "the running run's loss chart", || {
        series_points(c, "loss", "digits_wide", "train")
    })
    .await;
    let written = epochs_written(live);
    assert!(
        before >= 2 && before <= written,
        "{before} points, {written} epochs written"
    );
    let grown = until(60, "a new point after the next epoch", || async {
        let (n, circles) = series_points(c, "loss", "digits_wide", "train").await?;
        (n > before).then_some((n, circles))
    })
    .await;
    assert_eq!(grown.0, grown.1);
    assert!(grown.0 <= epochs_written(live));

    // The gradient-norm chart has one series per dense layer.
    let layers = until(20, "the gradient-norm chart", || async {
        let s = c
            .find_all(Locator::Css("#chart-grad_norms g.series"))
            .await
            .ok()?;
        (!s.is_empty()).then_some(s)
    })
    .await;
    let mut labels = Vec::new();
    for s in &layers {
        labels.push(s.attr("data-label").await.unwrap().unwrap_or_default());
    }
    assert_eq!(labels, ["layer 0", "layer 2", "layer 4"]);

    // Both runs compared: one loss series pair per run.
    show(c, "digits_tanh", true).await;
    until(20, "both runs in the loss chart", || async {
        let a = series_points(c, "loss", "digits_tanh", "train").await?;
        let b = series_points(c, "loss", "digits_wide", "train").await?;
        (a.0 == 12 && b.0 >= 2).then_some(())
    })
    .await;
    // The filter box hides the other run's row.
    let filter = c.find(Locator::Css("#filter")).await.unwrap();
    filter.send_keys("digits_tanh").await.unwrap();
    let visible = until(10, "one row left by the filter", || async {
        let rows = c.find_all(Locator::Css("#runs tbody tr")).await.ok()?;
        (rows.len() == 1).then_some(rows)
    })
    .await;
    assert!(visible[0].text().await.unwrap().contains("digits_tanh"));
    filter.clear().await.unwrap();
    c.execute(
        "document.getElementById('filter').dispatchEvent(new Event('input'))",
        vec![],
    )
    .await
    .unwrap();
    until(10, "both rows back", || async {
        let rows = c.find_all(Locator::Css("#runs tbody tr")).await.ok()?;
        (rows.len() == 2).then_some(())
    })
    .await;
    save_screenshot(c, shots, "board-two-runs.png").await;
}
