"""Loads a deepnet checkpoint with only numpy and safetensors, rebuilds the network from
`deepnet.spec`, applies `deepnet.input_scaling`, and checks the forward pass against deepnet's own
predictions.

Usage: python3 interop_numpy.py MODEL.safetensors INPUTS.npy EXPECTED.npy
Exit status 0 when every output matches to 1e-5.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def forward(path, x):
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "pt", meta["format"]
    spec = json.loads(meta["deepnet.spec"])
    tensors = load_file(path)
    if "deepnet.input_scaling" in meta:
        s = json.loads(meta["deepnet.input_scaling"])
        x = (x - np.array(s["mean"], dtype=np.float32)) / np.array(s["scale"], dtype=np.float32)
    a = x.astype(np.float64)
    for i, layer in enumerate(spec["layers"]):
        t = layer["type"]
        if t == "dense":
            a = a @ tensors[f"{i}.weight"].astype(np.float64).T
            if f"{i}.bias" in tensors:
                a = a + tensors[f"{i}.bias"].astype(np.float64)
        elif t == "relu":
            a = np.maximum(a, 0)
        elif t == "tanh":
            a = np.tanh(a)
        elif t == "sigmoid":
            a = 1 / (1 + np.exp(-a))
        elif t == "leaky_relu":
            a = np.where(a > 0, a, layer.get("slope", 0.01) * a)
        elif t == "gelu":
            a = a * 0.5 * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))
        elif t in ("identity", "dropout"):
            pass
        else:
            raise ValueError(f"unknown layer type {t}")
    if spec["output"] == "sigmoid":
        a = 1 / (1 + np.exp(-a))
    elif spec["output"] == "softmax":
        e = np.exp(a - a.max(axis=1, keepdims=True))
        a = e / e.sum(axis=1, keepdims=True)
    return a


def main():
    path, inputs, expected = sys.argv[1:4]
    got = forward(path, np.load(inputs))
    want = np.load(expected)
    err = np.abs(got - want).max()
    print(f"max_abs_difference: {err:.3e}")
    if got.shape != want.shape or not err < 1e-5:
        print(f"mismatch: shapes {got.shape} vs {want.shape}")
        sys.exit(1)


if __name__ == "__main__":
    main()
