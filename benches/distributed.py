#!/usr/bin/env python3
"""Data-parallel scaling: `mpirun -np N deepnet train --distributed` against one process.

Trains one epoch of Fashion-MNIST with a large MLP (784-1024-1024-10, relu, SGD) at several
global batch sizes, each configuration `--reps` times, interleaved so that a slow spell of a
shared machine hits all of them alike:

  1 process  x 1 thread    the baseline
  N ranks    x 1 thread    `mpirun -np N ... --distributed` (the speed-up is baseline / this)
  1 process  x N threads   the same cores used by threads, for reference

Reports the epoch time (`train_seconds`, which includes the validation pass) of the fastest
repetition, the speed-up over the baseline, and the peak resident memory of each process (for
mpirun, of each rank, largest first: rank 0 also holds the test set). Prints one markdown table.

    sudo apt-get install openmpi-bin libopenmpi-dev libclang-dev dataset-fashion-mnist
    cargo build --release -p deepnet-cli --features mpi
    python3 benches/distributed.py [--ranks 2] [--batches 256,1024] [--reps 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

SPEC = {
    "name": "wide",
    "inputs": 784,
    "layers": [
        {"type": "dense", "units": 1024}, {"type": "relu"},
        {"type": "dense", "units": 1024}, {"type": "relu"},
        {"type": "dense", "units": 10},
    ],
    "output": "softmax",
    "init": "he_normal",
}


PROBE = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
print("maxrss_kb:", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
sys.exit(r.returncode)
"""


def measure(launcher, cmd):
    """Runs `cmd` under `launcher` (nothing, or mpirun), each process inside a probe that
    reports its peak resident memory; returns (train_seconds, [peak MB of each process])."""
    r = subprocess.run([*launcher, sys.executable, "-c", PROBE, *cmd],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(launcher + cmd)}\n{r.stderr}")
    seconds = None
    peaks = []
    for line in r.stdout.splitlines():
        key, _, value = line.partition(": ")
        if key == "train_seconds":
            seconds = float(value)
        elif key == "maxrss_kb":
            peaks.append(int(value) / 1024)
    return seconds, peaks


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deepnet", default="target/release/deepnet")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--batches", default="256,1024")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mpirun", default="mpirun")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="deepnet-distributed-")
    mpirun = [a.mpirun, "--oversubscribe", "-np", str(a.ranks)]
    if os.geteuid() == 0:
        mpirun.insert(1, "--allow-run-as-root")
    rows = []
    for batch in [int(b) for b in a.batches.split(",")]:
        spec = dict(SPEC, train={"optimizer": "sgd", "lr": 0.01, "batch_size": batch,
                                 "epochs": 1, "seed": 0})
        path = os.path.join(work, f"wide{batch}.json")
        with open(path, "w") as f:
            json.dump(spec, f)

        def train(threads, out):
            return [a.deepnet, "train", "--model", path, "--data", "fashion-mnist", "--quiet",
                    "--threads", str(threads), "--out", os.path.join(work, out)]

        configs = {
            "one": ([], train(1, "one")),
            "ranks": (mpirun, train(1, "ranks") + ["--distributed"]),
            "threads": ([], train(a.ranks, "threads")),
        }
        # Fastest time, and each process's largest peak over the repetitions.
        best = {k: (float("inf"), []) for k in configs}
        for rep in range(a.reps):
            for name, (launcher, cmd) in configs.items():
                seconds, peaks = measure(launcher, cmd)
                mbs = " / ".join(f"{p:.0f}" for p in peaks)
                print(f"batch {batch} rep {rep + 1} {name}: {seconds:.2f} s, {mbs} MB",
                      file=sys.stderr)
                s, m = best[name]
                best[name] = (min(s, seconds), sorted(peaks, reverse=True) if not m
                              else [max(x, y) for x, y in zip(m, sorted(peaks, reverse=True))])
        rows.append((batch, best))
    n = a.ranks
    print(f"| global batch | 1 process × 1 thread | {n} ranks × 1 thread | speed-up | "
          f"1 process × {n} threads | speed-up | peak memory: 1 process | each rank |")
    print("|---|---|---|---|---|---|---|---|")
    for batch, best in rows:
        one, ranks, threads = best["one"][0], best["ranks"][0], best["threads"][0]
        per_rank = " / ".join(f"{p:.0f}" for p in best["ranks"][1])
        print(f"| {batch} | {one:.2f} s | {ranks:.2f} s | **{one / ranks:.2f}×** | "
              f"{threads:.2f} s | {one / threads:.2f}× | "
              f"{best['one'][1][0]:.0f} MB | {per_rank} MB |")


if __name__ == "__main__":
    main()
