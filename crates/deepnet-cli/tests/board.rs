//! `deepnet board` over HTTP, through the real binary: the JSON API on finished, partial and
//! broken runs, path traversal and links leading out, methods other than GET, a port in use,
//! and that the board writes nothing.

mod common;

use std::path::Path;

use common::board::Board;
use common::{deepnet, fails, root, temp};
use serde_json::Value;

/// Trains the moons MLP into `out` for `epochs` epochs (more flags in `extra`).
fn train(out: &Path, epochs: usize, extra: &[&str]) {
    let spec = root().join("models/moons_mlp.json");
    let epochs = epochs.to_string();
    let mut args = vec![
        "train",
        "--model",
        spec.to_str().unwrap(),
        "--data",
        "moons",
        "--epochs",
        &epochs,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = deepnet(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The `name` of every run in a `/api/runs` answer.
fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

/// Every file under `dir` with its length and modification time.
fn snapshot(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        out.push((
            e.path().display().to_string(),
            m.len(),
            m.modified().unwrap(),
        ));
        if m.is_dir() {
            out.extend(snapshot(&e.path()));
        }
    }
    out.sort();
    out
}

#[test]
fn the_api_lists_runs_and_serves_their_histories() {
    let dir = temp("board-api");
    let runs = dir.join("runs");
    train(&runs.join("moons"), 6, &[]);
    train(&runs.join("early"), 300, &["--patience", "1"]);
    // A history caught half-written, by an older deepnet (no status.json).
    let full = std::fs::read_to_string(runs.join("moons/history.csv")).unwrap();
    std::fs::create_dir_all(runs.join("partial")).unwrap();
    std::fs::write(runs.join("partial/history.csv"), &full[..full.len() - 7]).unwrap();
    // A history with a broken third line.
    let mut lines: Vec<&str> = full.lines().collect();
    lines[3] = "3,not-a-number";
    std::fs::create_dir_all(runs.join("broken")).unwrap();
    std::fs::write(runs.join("broken/history.csv"), lines.join("\n") + "\n").unwrap();
    std::fs::create_dir_all(runs.join("notes")).unwrap();
    std::fs::write(runs.join("notes/readme.txt"), "not a run").unwrap();
    let before = snapshot(&dir);

    let board = Board::start(&[&runs]);
    let list = board.json("/api/runs");
    let names = names(&list);
    assert_eq!(names, ["broken", "early", "moons", "partial"]);
    let run = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
    };
    let moons = run("moons");
    assert_eq!(moons["status"], "finished");
    assert_eq!(moons["kind"], "classification");
    assert_eq!(
        (moons["epochs"].as_u64(), moons["epochs_planned"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(moons["layers"], "2 → 32 relu → 32 relu → 1 sigmoid");
    assert!(
        moons["metrics"]["test_accuracy"].as_f64().unwrap() > 0.8,
        "{moons}"
    );
    assert!(moons["recipe"]
        .as_str()
        .unwrap()
        .starts_with("adam lr 0.01, batch 32"));
    assert_eq!(
        moons["figures"],
        serde_json::json!(["loss.svg", "boundary.svg"])
    );
    let early = run("early");
    assert_eq!(early["status"], "stopped_early", "{early}");
    assert!(early["epochs"].as_u64().unwrap() < 300);
    let partial = run("partial");
    assert_eq!(
        (partial["status"].as_str(), partial["epochs"].as_u64()),
        (Some("unknown"), Some(5))
    );
    assert_eq!(
        partial["note"],
        "line 7: incomplete (no line end; the file may be being written)"
    );
    let broken = run("broken");
    assert_eq!(broken["epochs"], 2);
    assert_eq!(broken["note"], "line 4: 2 fields where the header has 15");

    let h = board.json("/api/runs/moons/history");
    let epochs = h["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 6);
    assert_eq!(epochs[5]["epoch"], 6);
    assert_eq!(epochs[0]["grad_norms"].as_array().unwrap().len(), 3);
    assert_eq!(h["note"], Value::Null);
    assert_eq!(
        board.json("/api/runs/partial/history")["epochs"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let (status, svg) = board.get("/api/chart/loss?runs=moons,partial");
    assert_eq!(status, 200);
    assert!(
        svg.contains(r#"data-run="moons" data-label="train" data-points="6""#),
        "{svg}"
    );
    assert!(svg.contains(r#"data-run="partial" data-label="validation" data-points="5""#));
    let (_, grads) = board.get("/api/chart/grad_norms?runs=moons");
    assert_eq!(grads.matches(r#"class="series""#).count(), 3);
    let (status, body) = board.get("/api/chart/loss?runs=moons,nope");
    assert_eq!(
        (status, body.as_str()),
        (404, "not found: no run named `nope`\n")
    );
    let (status, body) = board.get("/api/chart/weights?runs=moons");
    assert_eq!(status, 404);
    assert!(body.contains("no chart `weights` (charts: loss, accuracy, r2, rmse, lr, grad_norms)"));
    let (status, page) = board.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("<title>deepnet board</title>"));
    let (status, fig) = board.get("/api/runs/moons/figures/boundary.svg");
    assert_eq!(status, 200);
    assert!(fig.contains("decision boundary on moons"));

    let err = board.stop();
    assert!(
        err.contains("not a run (no history.csv or status.json)") && err.contains("notes"),
        "{err}"
    );
    assert_eq!(
        snapshot(&dir),
        before,
        "the board wrote into the run directories"
    );
}

#[test]
fn requests_cannot_leave_the_run_directories() {
    let dir = temp("board-traversal");
    let runs = dir.join("runs");
    train(&runs.join("moons"), 2, &[]);
    // Outside the runs directory: a secret, and a run reached only through a link.
    std::fs::write(dir.join("secret.txt"), "secret").unwrap();
    train(&dir.join("outside"), 2, &[]);
    std::os::unix::fs::symlink(dir.join("outside"), runs.join("linked")).unwrap();
    std::fs::create_dir_all(runs.join("sneaky")).unwrap();
    std::os::unix::fs::symlink(
        dir.join("outside/history.csv"),
        runs.join("sneaky/history.csv"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), runs.join("moons/fit.svg")).unwrap();

    let board = Board::start(&[&runs]);
    let list = board.json("/api/runs");
    let names = names(&list);
    assert_eq!(
        names,
        ["moons", "sneaky"],
        "a linked run outside is not listed"
    );
    let sneaky = &list[1];
    assert_eq!(sneaky["epochs"], 0);
    assert_eq!(sneaky["note"], "no readable history.csv yet");
    assert_eq!(
        list[0]["figures"],
        serde_json::json!(["loss.svg", "boundary.svg"])
    );
    for path in [
        "/api/runs/linked/history",
        "/api/runs/..%2Foutside/history",
        "/api/runs/%2e%2e/history",
        "/api/runs/..%2F..%2Fsecret.txt/history",
        "/api/runs/moons/figures/fit.svg",
        "/api/runs/moons/figures/..%2F..%2Fsecret.txt",
        "/api/runs/moons/figures/model.safetensors",
        "/api/runs/moons/figures/%2e%2e%2fhistory.csv",
        "/../secret.txt",
        "/api/../../secret.txt",
        "/api/chart/loss?runs=linked",
        "/api/chart/loss?runs=..%2Foutside",
    ] {
        let (status, body) = board.get(path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(
            !body.contains("secret") || body.starts_with("not found"),
            "{path}: {body}"
        );
        assert!(!body.contains("epoch,train_loss"), "{path}: {body}");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let (status, _) = board.raw(&format!(
            "{method} /api/runs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
        ));
        assert_eq!(status, 405, "{method}");
    }
    // A request with a huge header is refused, and the board goes on serving.
    let (status, _) = board.raw(&format!(
        "GET /api/runs HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1 << 20)
    ));
    assert_ne!(status, 200);
    let (status, _) = board.raw("GARBAGE\r\n\r\n");
    assert_ne!(status, 200);
    assert_eq!(board.get("/api/runs").0, 200);
    let err = board.stop();
    assert!(
        err.contains("a link leading out of the runs directory"),
        "{err}"
    );
}

#[test]
fn bad_directories_and_a_port_in_use_give_one_error_line() {
    let dir = temp("board-errors");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let d = dir.to_str().unwrap();
    assert_eq!(
        fails(&["board", d, "--port", &port]),
        format!("error: cannot listen on 127.0.0.1:{port}: the address is in use (another board? choose another --port)")
    );
    let missing = dir.join("missing");
    assert_eq!(
        fails(&["board", missing.to_str().unwrap()]),
        format!(
            "error: {}: no such directory (give the directory that `deepnet train` writes runs into, runs/ by default)",
            missing.display()
        )
    );
    std::fs::write(dir.join("file"), "x").unwrap();
    assert_eq!(
        fails(&["board", dir.join("file").to_str().unwrap()]),
        format!("error: {}: not a directory", dir.join("file").display())
    );
}
