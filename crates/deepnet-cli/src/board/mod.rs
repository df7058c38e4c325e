//! `deepnet board`: a read-only web dashboard of the runs in one or more directories — a table of
//! runs, their per-epoch charts overlaid, decision boundaries — that follows running trainings
//! live (the page polls every second). The JSON API it uses is documented in the README.

mod runs;
mod server;

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};

use crate::args::BoardArgs;
use server::{router, Board};

pub fn run(a: BoardArgs) -> Result<()> {
    let dirs = if a.dirs.is_empty() {
        vec![PathBuf::from("runs")]
    } else {
        a.dirs.clone()
    };
    let mut roots = Vec::new();
    for d in &dirs {
        let real = std::fs::canonicalize(d).map_err(|e| {
            anyhow!(
                "{}: {} (give the directory that `deepnet train` writes runs into, runs/ by default)",
                d.display(),
                match e.kind() {
                    std::io::ErrorKind::NotFound => "no such directory".to_string(),
                    _ => e.to_string(),
                }
            )
        })?;
        if !real.is_dir() {
            bail!("{}: not a directory", d.display());
        }
        roots.push(real);
    }
    let addr = SocketAddr::new(a.host, a.port);
    let listener = TcpListener::bind(addr).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "the address is in use (another board? choose another --port)".to_string()
            }
            std::io::ErrorKind::AddrNotAvailable => {
                "no interface of this machine has that address".to_string()
            }
            _ => e.to_string(),
        };
        anyhow!("cannot listen on {addr}: {why}")
    })?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    if !a.host.is_loopback() {
        eprintln!(
            "warning: listening on {bound}: anyone who can reach this machine can read these runs"
        );
    }
    let board = Board::new(roots);
    let found = board.runs().len();
    let shown = if bound.ip().is_unspecified() {
        SocketAddr::new([127, 0, 0, 1].into(), bound.port())
    } else {
        bound
    };
    println!("board: http://{shown}/");
    std::io::stdout().flush()?;
    eprintln!(
        "serving {found} run{} from {} (read-only; Ctrl-C stops)",
        if found == 1 { "" } else { "s" },
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router(board)).await
    })?;
    Ok(())
}
