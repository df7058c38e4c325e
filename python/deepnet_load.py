"""Load a deepnet checkpoint in Python in one line, with its preprocessing.

    from deepnet_load import load_numpy, load_torch

    predict = load_numpy("runs/penguins/model.safetensors")     # numpy + safetensors only
    out = predict("new.csv")            # or a list of dicts: [{"Island": "Dream", ...}, ...]
    out["label"], out["probabilities"]  # classifiers; out["prediction"] for regression

    model, preprocess = load_torch("runs/penguins/model.safetensors")   # torch.nn.Sequential
    logits = model(preprocess("new.csv"))

Both read everything from the file: the network (`deepnet.spec`, tensors `{i}.weight`,
`{i}.bias`), the input standardisation (`deepnet.input_scaling`), and for models trained on a
CSV table the preprocessing (`deepnet.preprocessing`: median imputation with missing indicators,
quantile bins of numbers, one-hot encoding with the training vocabulary, the targets' scaling). Rows are given as raw
values, as in the CSV the model was trained on; columns are found by name. `docs/checkpoints.md`
describes every key.
"""
import csv
import json
import math

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

__all__ = ["load_numpy", "load_torch", "read_rows", "metadata", "standardise", "forward", "output",
           "torch_network", "combine", "member_tensors"]


def metadata(path):
    """The checkpoint's metadata: {key: text}."""
    with safe_open(path, framework="numpy") as f:
        return f.metadata()


def read_rows(source):
    """Rows as a list of {column: text} dicts, from a CSV path (delimiter sniffed among
    `,` `;` tab `|`) or a list of dicts already."""
    if not isinstance(source, str):
        return [{k: "" if v is None else str(v) for k, v in row.items()} for row in source]
    with open(source, newline="") as f:
        text = f.read()
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t", "|"], key=lambda d: (first.count(d), d == ","))
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (c.strip() for c in r))) for r in rows[1:] if r]


def _plain_preprocessing(meta, spec):
    """The preprocessing of a checkpoint trained on numeric data: every input a number, named
    as in `deepnet.features`."""
    names = json.loads(meta["deepnet.features"]) if "deepnet.features" in meta else [
        f"x{i}" for i in range(spec["inputs"])]
    units = [l["units"] for l in spec["layers"] if l["type"] == "dense"][-1]
    if spec["output"] == "linear":
        target = {"kind": "values", "mean": [0.0] * units, "scale": [1.0] * units}
        targets = ["prediction"] if units == 1 else [f"prediction_{i}" for i in range(units)]
    else:
        classes = json.loads(meta["deepnet.classes"]) if "deepnet.classes" in meta else [
            str(i) for i in range(max(units, 2))]
        target, targets = {"kind": "classes", "names": classes}, ["prediction"]
    return {"format": 1, "na_values": [], "missing": "error", "targets": targets, "target": target,
            "features": [{"name": n, "kind": "numeric", "median": 0.0, "indicator": False} for n in names]}


def _is_number(text):
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _category_key(text):
    """Numbers name categories in their shortest form (`1.50` is `1.5`), as deepnet does."""
    if _is_number(text):
        v = float(text)
        return repr(int(v)) if v == int(v) and abs(v) < 1e16 else repr(v)
    return text


def bins(v, edges):
    """The piecewise-linear encoding of `v` over quantile bin `edges` (`deepnet::data::table::bins`):
    (v - low) / width per bin, clipped to [0, 1]."""
    v = float(np.float32(v))
    return [min(max((v - lo) / (hi - lo), 0.0), 1.0) for lo, hi in zip(edges, edges[1:])]


def encode(pre, rows):
    """The model's inputs (before standardisation) for raw rows, as a float32 [n, d] array."""
    na = set(pre["na_values"]) | {""}
    out = []
    for i, row in enumerate(rows):
        x = []
        for f in pre["features"]:
            if f["name"] not in row:
                raise KeyError(f"row {i}: no column `{f['name']}`, a feature of the model")
            cell = row[f["name"]].strip()
            missing = cell in na
            if missing and pre["missing"] == "error":
                raise ValueError(f"row {i}: column `{f['name']}`: missing cell")
            if f["kind"] == "numeric":
                if not missing and not _is_number(cell):
                    raise ValueError(f"row {i}: column `{f['name']}`: cannot parse `{cell}` as a number")
                v = f["median"] if missing else float(cell)
                x.append(v)
                if f["indicator"]:
                    x.append(1.0 if missing else 0.0)
                x.extend(bins(v, f.get("edges", [])))
            elif f.get("embedded"):
                # One index input: the category's, the missing category's after them, and one
                # past the last for an unseen category (embedded as zeros).
                key = None if missing else _category_key(cell)
                n = len(f["categories"]) + (1 if f["missing_category"] else 0)
                if key in f["categories"]:
                    x.append(float(f["categories"].index(key)))
                elif missing and f["missing_category"]:
                    x.append(float(len(f["categories"])))
                else:
                    x.append(float(n))
            else:
                onehot = [0.0] * len(f["categories"])
                key = None if missing else _category_key(cell)
                if key in f["categories"]:
                    onehot[f["categories"].index(key)] = 1.0
                x.extend(onehot)
                if f["missing_category"]:
                    x.append(1.0 if missing else 0.0)
        out.append(x)
    return np.array(out, dtype=np.float32)


def standardise(meta, x):
    """Raw numeric inputs `x` through the checkpoint's `deepnet.input_scaling` (if any)."""
    if "deepnet.input_scaling" in meta:
        s = json.loads(meta["deepnet.input_scaling"])
        x = (x - np.array(s["mean"], dtype=np.float32)) / np.array(s["scale"], dtype=np.float32)
    return x


def _stacked(spec, name):
    """Whether tensor `name` is stacked over an ensemble's members (a dense layer's)."""
    return spec["layers"][int(name.split(".")[0])]["type"] == "dense"


def member_tensors(spec, tensors, m):
    """Member `m`'s tensors of an ensemble checkpoint (`"ensemble": K` in the spec): its rows of
    every stacked dense `{i}.weight` [K·units, in] and `{i}.bias` (a periodic or embedding layer's
    are shared);
    the tensors themselves for K = 1."""
    k = spec.get("ensemble", 1)
    if k == 1:
        return tensors
    return {name: np.split(t, k, axis=0)[m] if _stacked(spec, name) else t
            for name, t in tensors.items()}


def combine(spec, zs):
    """An ensemble's logits from its members' logits `zs` (a list of [n, units]), as deepnet
    computes them: log of the mean softmax; log p - log q of the mean sigmoid p and the mean
    sigmoid of -z; the mean value. One member's logits are returned as they are."""
    if len(zs) == 1:
        return zs[0]
    if spec["output"] == "linear":
        return np.mean(zs, axis=0)
    if spec["output"] == "softmax":
        p = np.mean([output(spec, z) for z in zs], axis=0)
        return np.log(np.maximum(p, 1e-30))
    p = np.mean([1 / (1 + np.exp(-z)) for z in zs], axis=0)
    q = np.mean([1 / (1 + np.exp(z)) for z in zs], axis=0)
    return np.log(np.maximum(p, 1e-30)) - np.log(np.maximum(q, 1e-30))


def forward(spec, tensors, x):
    """The network's logits for standardised inputs `x`, in float64 (an ensemble's: its
    members' combined, see `combine`)."""
    members = [_member_forward(spec, member_tensors(spec, tensors, m), x)
               for m in range(spec.get("ensemble", 1))]
    return combine(spec, members)


def _member_forward(spec, tensors, x):
    a = x.astype(np.float64)
    for i, layer in enumerate(spec["layers"]):
        t = layer["type"]
        if t == "dense":
            a = a @ tensors[f"{i}.weight"].astype(np.float64).T
            if f"{i}.bias" in tensors:
                a = a + tensors[f"{i}.bias"].astype(np.float64)
        elif t == "periodic":
            # Each feature x_j: relu(W·[sin 2πc_j x_j, cos 2πc_j x_j] + b), d values per feature.
            c = tensors[f"{i}.frequency"].astype(np.float64)
            u = 2 * np.pi * a[:, :, None] * c[None, :, :]
            v = np.concatenate([np.sin(u), np.cos(u)], axis=2)
            z = v @ tensors[f"{i}.weight"].astype(np.float64).T + tensors[f"{i}.bias"]
            a = np.maximum(z, 0).reshape(len(a), -1)
        elif t == "embedding":
            a = _embed(layer, tensors[f"{i}.weight"].astype(np.float64), a)
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
    return a


def _embed(layer, table, x):
    """An embedding layer: each listed input holds a category index and becomes its row of the
    table `[sum of categories, units]` (index n, one past a column's n categories: zeros); the
    other inputs pass through, all in input order."""
    d = layer.get("units", 8)
    columns = {c["input"]: c["categories"] for c in layer["columns"]}
    parts, offset = [], 0
    for j in range(x.shape[1]):
        if j not in columns:
            parts.append(x[:, j:j + 1])
            continue
        n = columns[j]
        rows = np.vstack([table[offset:offset + n], np.zeros((1, d))])
        parts.append(rows[x[:, j].astype(np.int64)])
        offset += n
    return np.concatenate(parts, axis=1)


def output(spec, z):
    """The output non-linearity of `spec` on logits `z` [n, units]: σ for `sigmoid` (one column,
    the positive class's probability), a row-wise softmax for `softmax`, `z` itself for
    `linear` (standardised targets when the model was trained on a table)."""
    if spec["output"] == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if spec["output"] == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z


def _outputs(spec, pre, z):
    target = pre["target"]
    if spec["output"] == "linear":
        y = z * np.array(target["scale"]) + np.array(target["mean"])
        if target.get("bounds") is not None:
            # Kept within the training targets' range widened by its margin, per target.
            b = np.array(target["bounds"])
            y = np.minimum(np.maximum(y, b[:, 0]), b[:, 1])
        return {"prediction": y, "targets": pre["targets"]}
    if spec["output"] == "sigmoid":
        p1 = output(spec, z)[:, 0]
        probs = np.stack([1 - p1, p1], axis=1)
    else:
        probs = output(spec, z)
    names = target["names"]
    label = [names[int(i)] for i in (probs[:, 1] > 0.5 if spec["output"] == "sigmoid" else probs.argmax(axis=1))]
    return {"label": label, "probabilities": probs, "classes": names}


def load_numpy(path):
    """A predict function for the checkpoint at `path`: rows (CSV path or list of dicts) →
    {"label", "probabilities", "classes"} for classifiers, {"prediction", "targets"} (original
    units) for regressors."""
    meta = metadata(path)
    spec = json.loads(meta["deepnet.spec"])
    pre = json.loads(meta["deepnet.preprocessing"]) if "deepnet.preprocessing" in meta else \
        _plain_preprocessing(meta, spec)
    tensors = load_file(path)

    def predict(rows):
        x = standardise(meta, encode(pre, read_rows(rows)))
        return _outputs(spec, pre, forward(spec, tensors, x))

    return predict


def load_torch(path):
    """(torch.nn.Sequential with the checkpoint's weights loaded strictly, preprocess), where
    preprocess(rows) gives the standardised float32 input tensor. The model outputs logits:
    apply torch.softmax / torch.sigmoid for classifiers, or `y * scale + mean` from
    `deepnet.preprocessing`'s target for regressors."""
    import torch

    meta = metadata(path)
    spec = json.loads(meta["deepnet.spec"])
    pre = json.loads(meta["deepnet.preprocessing"]) if "deepnet.preprocessing" in meta else \
        _plain_preprocessing(meta, spec)
    model = torch_network(path)

    def preprocess(rows):
        return torch.from_numpy(standardise(meta, encode(pre, read_rows(rows))))

    return model, preprocess


def torch_network(path):
    """The checkpoint's network as a `torch.nn.Sequential` in eval mode, its weights loaded with
    `strict=True`; it outputs logits for standardised inputs. An ensemble is a module holding one
    such Sequential per member (`members`), outputting the combined logits."""
    import torch
    from safetensors.torch import load_file as load_torch_file

    spec = json.loads(metadata(path)["deepnet.spec"])
    tensors = load_torch_file(path)
    k = spec.get("ensemble", 1)
    members = []
    for m in range(k):
        model = _torch_sequential(spec)
        model.load_state_dict({n: t.chunk(k, dim=0)[m] if _stacked(spec, n) else t
                               for n, t in tensors.items()}, strict=True)
        members.append(model.eval())
    if k == 1:
        return members[0]

    class Ensemble(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.members = torch.nn.ModuleList(members)

        def forward(self, x):
            zs = [member(x) for member in self.members]
            if spec["output"] == "linear":
                return torch.stack(zs).mean(0)
            if spec["output"] == "softmax":
                p = torch.stack([torch.softmax(z, dim=1) for z in zs]).mean(0)
                return torch.log(p.clamp_min(1e-30))
            p = torch.stack([torch.sigmoid(z) for z in zs]).mean(0)
            q = torch.stack([torch.sigmoid(-z) for z in zs]).mean(0)
            return torch.log(p.clamp_min(1e-30)) - torch.log(q.clamp_min(1e-30))

    return Ensemble().eval()


def _torch_sequential(spec):
    import torch

    class Periodic(torch.nn.Module):
        """Periodic embeddings with deepnet's tensors `frequency`, `weight` and `bias`."""

        def __init__(self, features, k, d):
            super().__init__()
            self.frequency = torch.nn.Parameter(torch.zeros(features, k))
            self.weight = torch.nn.Parameter(torch.zeros(d, 2 * k))
            self.bias = torch.nn.Parameter(torch.zeros(d))

        def forward(self, x):
            u = 2 * torch.pi * x[:, :, None] * self.frequency[None]
            v = torch.cat([torch.sin(u), torch.cos(u)], dim=2)
            return torch.relu(v @ self.weight.T + self.bias).flatten(1)

    class Embedding(torch.nn.Module):
        """Embeddings of the index inputs `columns` with deepnet's stacked table `weight`."""

        def __init__(self, inputs, columns, d):
            super().__init__()
            self.inputs, self.columns, self.d = inputs, columns, d
            self.weight = torch.nn.Parameter(torch.zeros(sum(c["categories"] for c in columns), d))

        def forward(self, x):
            index = {c["input"]: c["categories"] for c in self.columns}
            parts, offset = [], 0
            for j in range(self.inputs):
                if j not in index:
                    parts.append(x[:, j:j + 1])
                    continue
                n = index[j]
                rows = torch.cat([self.weight[offset:offset + n], self.weight.new_zeros(1, self.d)])
                parts.append(rows[x[:, j].long()])
                offset += n
            return torch.cat(parts, dim=1)

    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
            "gelu": torch.nn.GELU, "identity": torch.nn.Identity}
    width, layers = spec["inputs"], []
    for layer in spec["layers"]:
        t = layer["type"]
        if t == "dense":
            layers.append(torch.nn.Linear(width, layer["units"], bias=layer.get("bias", True)))
            width = layer["units"]
        elif t == "periodic":
            k, d = layer.get("frequencies", 16), layer.get("units", 4)
            layers.append(Periodic(width, k, d))
            width *= d
        elif t == "embedding":
            d = layer.get("units", 8)
            layers.append(Embedding(width, layer["columns"], d))
            width += len(layer["columns"]) * (d - 1)
        elif t == "leaky_relu":
            layers.append(torch.nn.LeakyReLU(layer.get("slope", 0.01)))
        elif t == "dropout":
            layers.append(torch.nn.Dropout(layer["rate"]))
        else:
            layers.append(acts[t]())
    return torch.nn.Sequential(*layers)
