"""Loads a deepnet checkpoint with only numpy and safetensors (python/deepnet_load.py: the network
rebuilt from `deepnet.spec`, `deepnet.input_scaling` applied) and checks the forward pass against
deepnet's own predictions.

Usage: python3 interop_numpy.py MODEL.safetensors INPUTS.npy EXPECTED.npy
Exit status 0 when every output matches to 1e-5.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from deepnet_load import forward, metadata, output, standardise  # noqa: E402


def main():
    path, inputs, expected = sys.argv[1:4]
    meta = metadata(path)
    assert meta["format"] == "pt", meta["format"]
    spec = json.loads(meta["deepnet.spec"])
    got = output(spec, forward(spec, load_file(path), standardise(meta, np.load(inputs))))
    want = np.load(expected)
    err = np.abs(got - want).max()
    print(f"max_abs_difference: {err:.3e}")
    if got.shape != want.shape or not err < 1e-5:
        print(f"mismatch: shapes {got.shape} vs {want.shape}")
        sys.exit(1)


if __name__ == "__main__":
    main()
