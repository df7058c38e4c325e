//! `deepnet train --distributed`: without the `mpi` feature, one clear error; with it, under
//! `mpirun -np 2`, the same weights as one process with the same global batch (Adam and
//! momentum, dropout on, periodic and categorical embeddings and an ensemble), a killed job resumed (with 2 ranks or 1) matching a straight run, a
//! killed rank ending the whole job (no hang) with its checkpoint intact, and ranks given
//! different flags stopping with an error that names them.

mod common;

#[cfg(not(feature = "mpi"))]
use common::{fails, temp};

#[cfg(not(feature = "mpi"))]
#[test]
fn without_the_mpi_feature_distributed_is_one_error_line() {
    let dir = temp("no-mpi");
    let out = dir.join("run");
    assert_eq!(
        fails(&["train", "--model", "models/digits_mlp.json", "--data", "digits", "--distributed", "--out", out.to_str().unwrap()]),
        "error: --distributed needs a deepnet built with the `mpi` feature: cargo build --release -p deepnet-cli --features mpi (with an MPI library such as Debian's libopenmpi-dev, and libclang-dev)"
    );
    assert!(!out.exists(), "nothing is written");
}

#[cfg(feature = "mpi")]
mod with_mpi {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};
    use std::time::{Duration, Instant};

    use super::common::{
        checkpoint_weights, deepnet, fails, idx_bytes, relative_difference, root, temp,
    };

    /// A 64-48-32-10 MLP with dropout, its recipe given by flags.
    const SPEC: &str = r#"{"name": "dropout_mlp", "init": "he_normal", "output": "softmax", "layers": [
        {"type": "dense", "units": 48}, {"type": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 32}, {"type": "tanh"}, {"type": "dense", "units": 10}]}"#;

    /// Periodic embeddings and an ensemble of two members with dropout: the layers whose
    /// gradients the ranks sum besides dense ones.
    const PLR_ENSEMBLE: &str = r#"{"name": "plr", "init": "he_normal", "output": "softmax", "ensemble": 2,
        "layers": [{"type": "periodic", "frequencies": 4, "units": 2}, {"type": "dense", "units": 32},
        {"type": "relu"}, {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 10}]}"#;

    /// Categorical embeddings (the penguins' `Individual ID` and `Date Egg`) in an ensemble of
    /// two with bootstrap rows: the embedding table's gradient is summed over the ranks too, and
    /// every rank counts its rows as one process does.
    const EMBEDDING_ENSEMBLE: &str = r#"{"name": "emb", "init": "he_normal", "output": "softmax", "ensemble": 2,
        "train": {"bootstrap": true},
        "layers": [{"type": "embedding", "units": 3}, {"type": "dense", "units": 16},
        {"type": "relu"}, {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 3}]}"#;

    fn mpirun(ranks: usize, args: &[&str]) -> Output {
        Command::new("mpirun")
            .args([
                "--allow-run-as-root",
                "--oversubscribe",
                "-np",
                &ranks.to_string(),
            ])
            .arg(env!("CARGO_BIN_EXE_deepnet"))
            .args(args)
            .current_dir(root())
            .output()
            .expect("mpirun (install openmpi-bin)")
    }

    fn train_args<'a>(
        spec: &'a str,
        data: &'a str,
        out: &'a str,
        optimizer: &'a str,
        epochs: &'a str,
    ) -> Vec<&'a str> {
        vec![
            "train",
            "--model",
            spec,
            "--data",
            data,
            "--optimizer",
            optimizer,
            "--lr",
            "0.01",
            "--batch-size",
            "64",
            "--epochs",
            epochs,
            "--seed",
            "5",
            "--threads",
            "1",
            "--quiet",
            "--out",
            out,
        ]
    }

    /// A 64-512-512-10 MLP with dropout: about a second per epoch on one thread, slow enough
    /// to kill a job between two epochs.
    const WIDE: &str = r#"{"name": "wide", "init": "he_normal", "output": "softmax", "layers": [
        {"type": "dense", "units": 512}, {"type": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 512}, {"type": "tanh"}, {"type": "dense", "units": 10}]}"#;

    fn spec_file(dir: &Path) -> PathBuf {
        let p = dir.join("spec.json");
        std::fs::write(&p, SPEC).unwrap();
        p
    }

    /// The digits as a directory of Fashion-MNIST-format IDX files (8×8 images, pixel 15·v):
    /// 1,500 training rows and 297 test rows.
    fn digits_idx(dir: &Path) -> PathBuf {
        let ds = deepnet::data::digits().unwrap();
        let out = dir.join("digits-idx");
        std::fs::create_dir_all(&out).unwrap();
        let pixels: Vec<u8> = ds.features.iter().map(|&v| (v * 15.0) as u8).collect();
        let labels: Vec<u8> = ds.class_ids().unwrap().iter().map(|&c| c as u8).collect();
        for (stem, rows) in [("train", 0..1500), ("t10k", 1500..ds.len())] {
            let n = rows.len() as u32;
            let images = &pixels[rows.start * 64..rows.end * 64];
            std::fs::write(
                out.join(format!("{stem}-images-idx3-ubyte")),
                idx_bytes(&[n, 8, 8], images),
            )
            .unwrap();
            std::fs::write(
                out.join(format!("{stem}-labels-idx1-ubyte")),
                idx_bytes(&[n], &labels[rows]),
            )
            .unwrap();
        }
        out
    }

    #[test]
    fn two_ranks_end_with_the_weights_of_one_process() {
        let dir = temp("mpi-two-ranks");
        let spec = spec_file(&dir);
        let spec = spec.to_str().unwrap();
        let plr = dir.join("plr.json");
        std::fs::write(&plr, PLR_ENSEMBLE).unwrap();
        let emb = dir.join("emb.json");
        std::fs::write(&emb, EMBEDDING_ENSEMBLE).unwrap();
        let emb = emb.to_str().unwrap();
        let plr = plr.to_str().unwrap();
        // An IDX directory is read by each rank for its own rows only.
        let idx = digits_idx(&dir);
        let runs = [
            (
                spec,
                "digits",
                "adam",
                "1293 rows (145 validation, 359 test)",
            ),
            (
                spec,
                "digits",
                "momentum",
                "1293 rows (145 validation, 359 test)",
            ),
            (
                spec,
                idx.to_str().unwrap(),
                "adam",
                "1350 rows (150 validation, 297 test)",
            ),
            (
                plr,
                "digits",
                "adam",
                "1293 rows (145 validation, 359 test)",
            ),
            (
                emb,
                "tests/fixtures/penguins-raw.csv",
                "adam",
                "248 rows (27 validation, 69 test)",
            ),
        ];
        for (k, (spec, data, optimizer, rows)) in runs.into_iter().enumerate() {
            // A table names its target.
            let target: &[&str] = if data.ends_with(".csv") {
                &["--target", "Species"]
            } else {
                &[]
            };
            let single = dir.join(format!("single-{k}"));
            let mut args = train_args(spec, data, single.to_str().unwrap(), optimizer, "2");
            args.extend(target);
            let o = deepnet(&args);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let dist = dir.join(format!("dist-{k}"));
            let mut args = train_args(spec, data, dist.to_str().unwrap(), optimizer, "2");
            args.extend(target);
            args.push("--distributed");
            let o = mpirun(2, &args);
            let (out, err) = (
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
            );
            assert!(o.status.success(), "{out}\n{err}");
            assert_eq!(
                out.matches("test_accuracy: ").count(),
                1,
                "rank 0 alone prints: {out}"
            );
            assert!(err.contains("distributed: 2 ranks"), "{err}");
            assert!(err.contains(&format!("training on {rows}")), "{err}");
            let diff = relative_difference(
                &checkpoint_weights(&single.join("model.safetensors")),
                &checkpoint_weights(&dist.join("model.safetensors")),
            );
            assert!(
                diff < 1e-5,
                "{data}, {optimizer}: relative difference {diff:e}"
            );
            assert_eq!(
                std::fs::read_to_string(single.join("history.csv"))
                    .unwrap()
                    .lines()
                    .count(),
                std::fs::read_to_string(dist.join("history.csv"))
                    .unwrap()
                    .lines()
                    .count()
            );
        }
    }

    /// The process of rank `rank` among the children of `mpirun` (found through /proc).
    fn rank_process(mpirun: u32, rank: usize) -> Option<u32> {
        let want = format!("OMPI_COMM_WORLD_RANK={rank}");
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            let ppid = status.lines().find_map(|l| l.strip_prefix("PPid:"))?;
            let env = std::fs::read(e.path().join("environ")).ok()?;
            let is_rank = env.split(|&b| b == 0).any(|v| v == want.as_bytes());
            (ppid.trim() == mpirun.to_string() && is_rank).then_some(pid)
        })
    }

    /// How a job is interrupted.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fault {
        /// The whole job is killed (mpirun and its ranks).
        Job,
        /// Rank 1 alone is killed: mpirun must end the job, not hang.
        Rank1,
    }

    #[test]
    fn a_killed_job_resumes_with_two_ranks_or_one_and_matches_a_straight_run() {
        let dir = temp("mpi-resume");
        let spec = dir.join("wide.json");
        std::fs::write(&spec, WIDE).unwrap();
        let spec = spec.to_str().unwrap();
        // Momentum: over 8 epochs 2 ranks stay within 1e-6 of one process (Adam's normalisation
        // amplifies the rounding differences of the split sums to ~1e-2 over as many epochs).
        let straight = dir.join("straight");
        let o = deepnet(&train_args(
            spec,
            "digits",
            straight.to_str().unwrap(),
            "momentum",
            "8",
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let uninterrupted = dir.join("uninterrupted");
        let mut args = train_args(
            spec,
            "digits",
            uninterrupted.to_str().unwrap(),
            "momentum",
            "8",
        );
        args.push("--distributed");
        let o = mpirun(2, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (fault, resume_ranks) in [(Fault::Job, 2), (Fault::Job, 1), (Fault::Rank1, 2)] {
            let run = dir.join(format!("{fault:?}-killed-then-{resume_ranks}"));
            let r = run.to_str().unwrap();
            let mut args = train_args(spec, "digits", r, "momentum", "8");
            args.push("--distributed");
            let stderr_path = dir.join(format!("{fault:?}-{resume_ranks}.stderr"));
            let mut job = Command::new("mpirun")
                .args(["--allow-run-as-root", "--oversubscribe", "-np", "2"])
                .arg(env!("CARGO_BIN_EXE_deepnet"))
                .args(&args)
                .current_dir(root())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&stderr_path).unwrap())
                .spawn()
                .unwrap();
            let start = Instant::now();
            let epochs = |d: &Path| {
                std::fs::read_to_string(d.join("history.csv"))
                    .map(|t| t.lines().count().saturating_sub(1))
                    .unwrap_or(0)
            };
            while epochs(&run) < 3 && job.try_wait().unwrap().is_none() {
                assert!(start.elapsed() < Duration::from_secs(120));
                std::thread::sleep(Duration::from_millis(20));
            }
            match fault {
                Fault::Job => {
                    let _ = job.kill();
                    let _ = job.wait();
                }
                Fault::Rank1 => {
                    let pid = rank_process(job.id(), 1).expect("rank 1's process");
                    let killed = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status()
                        .unwrap();
                    assert!(killed.success());
                    // mpirun notices the dead rank and ends rank 0: no hang.
                    let killed_at = Instant::now();
                    let status = loop {
                        if let Some(s) = job.try_wait().unwrap() {
                            break s;
                        }
                        assert!(
                            killed_at.elapsed() < Duration::from_secs(60),
                            "the job still runs 60 s after rank 1 died"
                        );
                        std::thread::sleep(Duration::from_millis(20));
                    };
                    assert!(!status.success());
                    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
                    assert!(
                        stderr.contains("process rank 1") && stderr.contains("exited on signal 9"),
                        "{stderr}"
                    );
                }
            }
            let done = epochs(&run);
            assert!(
                (3..8).contains(&done),
                "the job was killed after {done} of 8 epochs"
            );
            // The last complete checkpoint is loadable.
            let _ = checkpoint_weights(&run.join("model.safetensors"));
            let o = if resume_ranks == 2 {
                mpirun(
                    2,
                    &[
                        "train",
                        "--resume",
                        r,
                        "--threads",
                        "1",
                        "--quiet",
                        "--distributed",
                    ],
                )
            } else {
                deepnet(&["train", "--resume", r, "--threads", "1", "--quiet"])
            };
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let diff = relative_difference(
                &checkpoint_weights(&straight.join("model.safetensors")),
                &checkpoint_weights(&run.join("model.safetensors")),
            );
            assert!(
                diff < 1e-5,
                "resumed on {resume_ranks} rank(s) after {done} epochs: {diff:e}"
            );
            if resume_ranks == 2 {
                assert_eq!(
                    checkpoint_weights(&run.join("model.safetensors")),
                    checkpoint_weights(&uninterrupted.join("model.safetensors")),
                    "killed and resumed on the same ranks: bit-identical to the uninterrupted job"
                );
            }
        }
    }

    #[test]
    fn ranks_given_different_flags_stop_and_say_so() {
        let dir = temp("mpi-disagree");
        let out = dir.join("run");
        let out = out.to_str().unwrap();
        // An MPMD launch: two ranks started with different seeds.
        let rank = |seed: &'static str| {
            [
                "-np",
                "1",
                env!("CARGO_BIN_EXE_deepnet"),
                "train",
                "--model",
                "models/digits_mlp.json",
                "--data",
                "digits",
                "--epochs",
                "1",
                "--seed",
                seed,
                "--distributed",
                "--out",
                out,
            ]
        };
        let o = Command::new("mpirun")
            .args(["--allow-run-as-root", "--oversubscribe"])
            .args(rank("1"))
            .arg(":")
            .args(rank("2"))
            .current_dir(root())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        // Every rank finds the difference; whichever reports first, mpirun then ends the job
        // and the other's line may never be printed, or be interleaved with the first's (two
        // processes writing one stderr), so the message is looked for, not a whole line.
        assert!(err.lines().any(|l| l.starts_with("error: ")), "{err}");
        assert!(
            err.contains(
                "invalid argument: the ranks of this MPI job were given different flags (rank "
            ) && err.contains("; start every rank with the same command and files"),
            "{err}"
        );
    }

    #[test]
    fn distributed_outside_mpirun_is_one_error_line() {
        let dir = temp("mpi-outside");
        let out = dir.join("run");
        assert_eq!(
            fails(&["train", "--model", "models/digits_mlp.json", "--data", "digits", "--distributed", "--out", out.to_str().unwrap()]),
            "error: --distributed must be started by an MPI launcher: mpirun -np N deepnet train ... --distributed"
        );
    }
}
