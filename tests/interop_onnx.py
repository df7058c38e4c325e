"""Runs a `deepnet export` ONNX file in onnxruntime on raw CSV rows and compares it with
`deepnet predict`'s output for the same rows; checks the file with onnx.checker first.

Usage: python3 interop_onnx.py MODEL.onnx INPUT.csv PREDICTIONS.csv
Exit status 0 when the file passes the checker, probabilities and regression values match to
1e-5 relative and every label is the same.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from deepnet_load import read_rows  # noqa: E402


def main():
    path, data, predictions = sys.argv[1:4]
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    pre = json.loads(meta["deepnet.preprocessing"])
    na = set(pre["na_values"]) | {""}
    rows = read_rows(data)
    session = ort.InferenceSession(path)
    feeds = {}
    for inp in session.get_inputs():
        if inp.name == "input":
            names = [f["name"] for f in pre["features"]]
            feeds["input"] = np.array([[float(r[n]) for n in names] for r in rows], dtype=np.float32)
        elif inp.type == "tensor(string)":
            feeds[inp.name] = np.array([[r[inp.name]] for r in rows], dtype=object)
        else:
            cells = [r[inp.name] for r in rows]
            feeds[inp.name] = np.array([[np.nan if c in na else float(c)] for c in cells], dtype=np.float32)
    outs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    got = read_rows(predictions)
    if "prediction" in outs:
        want = np.array([[float(v) for v in r.values()] for r in got])
        have = outs["prediction"]
        labels_ok = True
    else:
        classes = pre["target"]["names"]
        want = np.array([[float(r[f"p_{c}"]) for c in classes] for r in got])
        have = outs["probabilities"]
        labels_ok = [r["prediction"] for r in got] == [str(v) for v in outs["label"]]
    err = float(np.max(np.abs(have - want) / np.maximum(np.abs(want), 1.0)))
    print(f"rows: {len(got)}  inputs: {len(feeds)}  max_relative_difference: {err:.3e}  labels_equal: {labels_ok}")
    sys.exit(0 if have.shape == want.shape and err <= 1e-5 and labels_ok else 1)


if __name__ == "__main__":
    main()
