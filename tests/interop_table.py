"""Reproduces `deepnet predict` from a raw CSV with python/deepnet_load.py's numpy loader — numpy,
safetensors and the checkpoint's own metadata (`deepnet.spec`, `deepnet.input_scaling`,
`deepnet.preprocessing`), no deepnet code — and compares it with deepnet's output file.

Usage: python3 interop_table.py MODEL.safetensors INPUT.csv PREDICTIONS.csv
Exit status 0 when every value matches to 1e-4 relative and every label is the same.
"""
import csv
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from deepnet_load import load_numpy, load_torch  # noqa: E402


def torch_matches(model, data, want):
    """load_torch's outputs against load_numpy's, when torch is installed."""
    try:
        import torch
    except ImportError:
        print("SKIPPED: load_torch (torch is not installed)")
        return True
    net, preprocess = load_torch(model)
    with torch.no_grad():
        z = net(preprocess(data)).double().numpy()
    if want.shape[1] == 2 and z.shape[1] == 1:
        p1 = 1 / (1 + np.exp(-z[:, 0]))
        z = np.stack([1 - p1, p1], axis=1)
    elif z.shape == want.shape and not np.allclose(z.sum(axis=1), 1.0):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        z = e / e.sum(axis=1, keepdims=True)
    err = np.max(np.abs(z - want))
    print(f"load_torch max_abs_difference: {err:.3e}")
    return err <= 1e-4


def main():
    model, data, predictions = sys.argv[1:4]
    out = load_numpy(model)(data)
    with open(predictions, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if "prediction" in out and "label" not in out:
        assert header == out["targets"], (header, out["targets"])
        want = np.asarray(out["prediction"])
        got = np.array([[float(v) for v in r] for r in rows])
        labels_ok = True
    else:
        want = out["probabilities"]
        cols = [header.index(f"p_{c}") for c in out["classes"]]
        got = np.array([[float(r[c]) for c in cols] for r in rows])
        labels_ok = [r[0] for r in rows] == out["label"]
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0))
    print(f"rows: {len(got)}  max_relative_difference: {err:.3e}  labels_equal: {labels_ok}")
    torch_ok = "label" not in out or torch_matches(model, data, want)
    sys.exit(0 if err <= 1e-4 and got.shape == want.shape and labels_ok and torch_ok else 1)


if __name__ == "__main__":
    main()
