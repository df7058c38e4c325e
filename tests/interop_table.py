"""Reproduces `deepnet predict` from a raw CSV with only numpy, safetensors and the checkpoint:
the `deepnet.preprocessing` metadata is applied by hand (median imputation, missing indicators,
one-hot encoding with the training vocabulary), then the network of `deepnet.spec` (see
interop_numpy.py), then the targets' scaling is undone.

Usage: python3 interop_table.py MODEL.safetensors INPUT.csv PREDICTIONS.csv
Exit status 0 when every predicted value matches to 1e-4 relative.
"""
import csv
import json
import os
import sys

import numpy as np
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_numpy import forward  # noqa: E402


def encode(pre, header, row):
    na = set(pre["na_values"]) | {""}
    out = []
    for f in pre["features"]:
        cell = row[header.index(f["name"])].strip()
        missing = cell in na
        if f["kind"] == "numeric":
            out.append(f["median"] if missing else float(cell))
            if f["indicator"]:
                out.append(1.0 if missing else 0.0)
        else:
            onehot = [0.0] * len(f["categories"])
            if not missing and cell in f["categories"]:
                onehot[f["categories"].index(cell)] = 1.0
            out.extend(onehot)
            if f["missing_category"]:
                out.append(1.0 if missing else 0.0)
    return out


def main():
    model, data, predictions = sys.argv[1:4]
    with safe_open(model, framework="numpy") as f:
        pre = json.loads(f.metadata()["deepnet.preprocessing"])
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header = [h.strip() for h in rows[0]]
    x = np.array([encode(pre, header, r) for r in rows[1:]], dtype=np.float32)
    out = forward(model, x)
    target = pre["target"]
    with open(predictions, newline="") as f:
        got_rows = list(csv.reader(f))
    got_header = got_rows[0]
    if target["kind"] == "values":
        want = out * np.array(target["scale"]) + np.array(target["mean"])
        assert got_header == pre["targets"], (got_header, pre["targets"])
        got = np.array([[float(v) for v in r] for r in got_rows[1:]])
    else:
        want = out if out.shape[1] > 1 else np.concatenate([1 - out, out], axis=1)
        cols = [got_header.index(f"p_{c}") for c in target["names"]]
        got = np.array([[float(r[c]) for c in cols] for r in got_rows[1:]])
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0))
    print(f"rows: {len(got)}  max_relative_difference: {err:.3e}")
    sys.exit(0 if err <= 1e-4 and got.shape == want.shape else 1)


if __name__ == "__main__":
    main()
