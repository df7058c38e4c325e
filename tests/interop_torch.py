"""Loads a deepnet checkpoint into PyTorch's nn.Sequential with strict=True (python/deepnet_load.py's
torch_network) and compares its predictions with deepnet's.

Usage: python3 interop_torch.py MODEL.safetensors INPUTS.npy EXPECTED.npy
(needs torch, numpy, safetensors; not run by CI because PyTorch's wheel is several GB).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from deepnet_load import metadata, output, standardise, torch_network  # noqa: E402


def main():
    path, inputs, expected = sys.argv[1:4]
    meta = metadata(path)
    spec = json.loads(meta["deepnet.spec"])
    model = torch_network(path)
    x = torch.from_numpy(standardise(meta, np.load(inputs)).astype(np.float32))
    with torch.no_grad():
        z = model(x).double().numpy()
    err = np.abs(output(spec, z) - np.load(expected)).max()
    print(f"max_abs_difference: {err:.3e}")
    sys.exit(0 if err < 1e-5 else 1)


if __name__ == "__main__":
    main()
