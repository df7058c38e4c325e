"""Loads a deepnet checkpoint into PyTorch's nn.Sequential with strict=True and compares the
predictions with the numpy reference forward pass of interop_numpy.py.

Usage: python3 interop_torch.py MODEL.safetensors INPUTS.npy EXPECTED.npy
(needs torch, numpy, safetensors; not run by CI because PyTorch's wheel is several GB).
"""
import json
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file


def load(path):
    with safe_open(path, framework="pt") as f:
        meta = f.metadata()
    spec = json.loads(meta["deepnet.spec"])
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "gelu": torch.nn.GELU,
            "identity": torch.nn.Identity}
    width, layers = spec["inputs"], []
    for layer in spec["layers"]:
        t = layer["type"]
        if t == "dense":
            layers.append(torch.nn.Linear(width, layer["units"], bias=layer.get("bias", True)))
            width = layer["units"]
        elif t == "leaky_relu":
            layers.append(torch.nn.LeakyReLU(layer.get("slope", 0.01)))
        elif t == "dropout":
            layers.append(torch.nn.Dropout(layer["rate"]))
        else:
            layers.append(acts[t]())
    model = torch.nn.Sequential(*layers)
    model.load_state_dict(load_file(path), strict=True)
    return model.eval(), spec, meta


def main():
    path, inputs, expected = sys.argv[1:4]
    model, spec, meta = load(path)
    x = torch.from_numpy(np.load(inputs))
    if "deepnet.input_scaling" in meta:
        s = json.loads(meta["deepnet.input_scaling"])
        x = (x - torch.tensor(s["mean"])) / torch.tensor(s["scale"])
    with torch.no_grad():
        z = model(x)
    p = {"sigmoid": torch.sigmoid, "softmax": lambda v: torch.softmax(v, dim=1),
         "linear": lambda v: v}[spec["output"]](z).numpy()
    err = np.abs(p - np.load(expected)).max()
    print(f"max_abs_difference: {err:.3e}")
    sys.exit(0 if err < 1e-5 else 1)


if __name__ == "__main__":
    main()
