#!/usr/bin/env python3
"""deepnet's Python estimators against scikit-learn's, same data and hyperparameters, one run.

Fashion-MNIST (60,000 × 784 pixels scaled to [0, 1], the 10,000 test rows scored), given as
float32 and as float64 (what `X / 255.0` makes; scikit-learn then computes in float64, deepnet
always in float32):
MLPClassifier(hidden_layer_sizes=(256, 128), solver="adam", batch_size=128, max_iter=5,
n_iter_no_change=5 so that all 5 epochs run) from deepnet and from scikit-learn. Then two real
tables from scikit-learn's own datasets (80/20 split, seed 0; MLP (64, 32), every other
parameter at its default): breast cancer (569 × 30, classes) and California housing (20,640 × 8,
values; scikit-learn gets StandardScaler on X and y, which deepnet does itself). Every fit runs
`--repeat` times interleaved, the faster counting. Prints one markdown table: fit seconds,
test accuracy or R², the ratio of the times.

    pip install ./python scikit-learn
    apt-get install -y dataset-fashion-mnist
    python3 benches/python_sklearn.py [--threads 2] [--repeat 2]
"""
import argparse
import gzip
import os
import struct
import time
import warnings

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion():
    x = idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz")).reshape(60000, 784)
    y = idx(os.path.join(FASHION, "train-labels-idx1-ubyte.gz"))
    xt = idx(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")).reshape(10000, 784)
    yt = idx(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz"))
    scale = np.float32(1 / 255)
    return x.astype(np.float32) * scale, y, xt.astype(np.float32) * scale, yt


def timed(make, X, y, Xt, yt):
    model = make()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, model.score(Xt, yt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
    import deepnet
    from sklearn import neural_network as sk
    from sklearn.datasets import fetch_california_housing, load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    rows = []
    fx, fy, fxt, fyt = fashion()
    params = dict(hidden_layer_sizes=(256, 128), solver="adam", batch_size=128, max_iter=5,
                  n_iter_no_change=5, random_state=a.seed)
    cases = [(
        f"Fashion-MNIST as {x.dtype}, (256, 128) adam, batch 128, 5 epochs", "accuracy",
        lambda: deepnet.MLPClassifier(**params, n_threads=a.threads),
        lambda: sk.MLPClassifier(**params),
        (x, fy, xt, fyt),
    ) for x, xt in ((fx, fxt), (fx.astype(np.float64), fxt.astype(np.float64)))]
    X, y = load_breast_cancer(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    small = dict(hidden_layer_sizes=(64, 32), random_state=a.seed)
    cases.append((
        "breast cancer (569 × 30), (64, 32), defaults", "accuracy",
        lambda: deepnet.MLPClassifier(**small, n_threads=a.threads),
        lambda: make_pipeline(StandardScaler(), sk.MLPClassifier(**small)),
        (Xtr, ytr, Xte, yte),
    ))
    try:
        X, y = fetch_california_housing(return_X_y=True, download_if_missing=False)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
        cases.append((
            "California housing (20,640 × 8), (64, 32), defaults", "R²",
            lambda: deepnet.MLPRegressor(**small, n_threads=a.threads),
            lambda: TransformedTargetRegressor(
                make_pipeline(StandardScaler(), sk.MLPRegressor(**small)),
                transformer=StandardScaler()),
            (Xtr, ytr, Xte, yte),
        ))
    except OSError:
        print("(California housing is not in scikit-learn's data home; skipped)")
    for name, metric, ours, theirs, data in cases:
        best = {"deepnet": (float("inf"), None), "scikit-learn": (float("inf"), None)}
        for _ in range(a.repeat):
            for who, make in (("deepnet", ours), ("scikit-learn", theirs)):
                s, score = timed(make, *data)
                if s < best[who][0]:
                    best[who] = (s, score)
        rows.append((name, metric, best["deepnet"], best["scikit-learn"]))
    print(f"threads: {a.threads}, repeat: {a.repeat}, seed: {a.seed}\n")
    print("| workload | deepnet s | scikit-learn s | speed-up | deepnet | scikit-learn |")
    print("|---|---|---|---|---|---|")
    for name, metric, (ds, dscore), (ss, sscore) in rows:
        print(f"| {name} | {ds:.2f} | {ss:.2f} | **{ss / ds:.1f}×** | {metric} {dscore:.4f} "
              f"| {metric} {sscore:.4f} |")


if __name__ == "__main__":
    main()
