"""Tables as users have them, and checkpoints shared with the `deepnet` command.

The penguins file (tests/fixtures/penguins-raw.csv: text categories, dates, "NA" cells) read by
pandas is what the command reads from the file: trained the same way, both give the same model.
"""
import copy
import json
import pickle
import warnings
from io import StringIO

import numpy as np
import pandas as pd
import pytest

import deepnet

IGNORED = ["Sample Number", "Individual ID", "Comments"]


@pytest.fixture(scope="module")
def penguins(penguins_csv):
    df = pd.read_csv(penguins_csv)
    return df.drop(columns=IGNORED + ["Species"]), df["Species"]


def fitted(X, y, **params):
    clf = deepnet.MLPClassifier(hidden_layer_sizes=(16,), max_iter=40, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clf.fit(X, y)


def onnx_probabilities(ort, path, X):
    """The `probabilities` output of the ONNX file at `path` in onnxruntime, fed the DataFrame's
    columns (text as strings, missing as "", numbers as float32)."""
    session = ort.InferenceSession(str(path))
    feeds = {}
    for i in session.get_inputs():
        col = X[i.name]
        if i.type == "tensor(string)":
            feeds[i.name] = col.fillna("").astype(str).to_numpy().reshape(-1, 1)
        else:
            feeds[i.name] = col.to_numpy(dtype=np.float32).reshape(-1, 1)
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    return outputs["probabilities"]


def cli_predictions(cli, checkpoint, csv):
    return pd.read_csv(StringIO(cli("predict", "--checkpoint", checkpoint, "--input", csv)))


def test_a_raw_dataframe_trains_as_the_command_trains_its_file(penguins, penguins_csv, cli,
                                                             tmp_path):
    X, y = penguins
    assert X.isna().any().any()
    assert not all(pd.api.types.is_numeric_dtype(t) for t in X.dtypes)
    clf = fitted(X, y)
    assert clf.score(X, y) > 0.9
    assert list(clf.feature_names_in_) == list(X.columns)
    # The same network and recipe through `deepnet train` on the file, nothing held out.
    spec = json.loads(clf._model.spec)
    spec["train"] = json.loads(clf._recipe(len(X), clf.max_iter, 0, stop_early=True))
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    ignore = [a for c in IGNORED for a in ("--ignore", c)]
    cli("train", "--data", penguins_csv, "--target", "Species", *ignore, "--model",
        tmp_path / "spec.json", "--val-split", 0, "--test-split", 0, "--out", tmp_path / "run")
    theirs = cli_predictions(cli, tmp_path / "run" / "model.safetensors", penguins_csv)
    ours = clf.predict_proba(X)
    columns = [f"p_{c}" for c in clf.classes_]
    np.testing.assert_allclose(theirs[columns].to_numpy(), ours, atol=1e-5)
    assert list(theirs.iloc[:, 0]) == list(clf.predict(X))


def test_python_save_then_deepnet_predict(penguins, penguins_csv, cli, tmp_path):
    X, y = penguins
    clf = fitted(X, y)
    clf.save(tmp_path / "m.safetensors")
    theirs = cli_predictions(cli, tmp_path / "m.safetensors", penguins_csv)
    np.testing.assert_allclose(
        theirs[[f"p_{c}" for c in clf.classes_]].to_numpy(), clf.predict_proba(X), atol=1e-6
    )
    assert list(theirs.iloc[:, 0]) == list(clf.predict(X))


def test_deepnet_train_checkpoint_loads_in_python(penguins, penguins_csv, cli, root, tmp_path):
    ignore = [a for c in IGNORED for a in ("--ignore", c)]
    cli("train", "--data", penguins_csv, "--target", "Species", *ignore, "--model",
        root / "models" / "penguins.json", "--out", tmp_path / "run")
    checkpoint = tmp_path / "run" / "model.safetensors"
    clf = deepnet.load(checkpoint)
    assert isinstance(clf, deepnet.MLPClassifier)
    assert clf.hidden_layer_sizes == (64, 32) and clf.activation == "relu"
    X, _ = penguins
    theirs = cli_predictions(cli, checkpoint, penguins_csv)
    np.testing.assert_allclose(
        theirs[[f"p_{c}" for c in clf.classes_]].to_numpy(), clf.predict_proba(X), atol=1e-6
    )
    assert list(theirs.iloc[:, 0]) == list(clf.predict(X))


def test_a_checkpoint_without_preprocessing_loads(root):
    reg = deepnet.load(root / "models" / "logreg.safetensors")
    X = np.random.default_rng(0).normal(size=(4, reg.n_features_in_))
    p = reg.predict_proba(X)
    assert p.shape == (4, 2)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)


def test_pickle_deepcopy_and_joblib_round_trips_are_identical(penguins, tmp_path):
    import joblib

    X, y = penguins
    clf = fitted(X, y)
    expected = clf.predict_proba(X)
    for back in (
        pickle.loads(pickle.dumps(clf)),
        copy.deepcopy(clf),
        joblib.load(joblib.dump(clf, tmp_path / "m.joblib")[0]),
        deepnet.load(clf.save(tmp_path / "m.safetensors") or tmp_path / "m.safetensors"),
    ):
        np.testing.assert_array_equal(back.predict_proba(X), expected)
        assert list(back.predict(X)) == list(clf.predict(X))


def test_onnx_export_reproduces_predict_proba(penguins, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    X, y = penguins
    clf = fitted(X, y)
    clf.to_onnx(tmp_path / "m.onnx")
    np.testing.assert_allclose(onnx_probabilities(ort, tmp_path / "m.onnx", X),
                               clf.predict_proba(X), atol=1e-5)


def test_regression_on_a_dataframe_in_the_targets_units(penguins):
    X, _ = penguins
    X = X.dropna(subset=["Body Mass (g)"])
    y = X.pop("Body Mass (g)")
    reg = deepnet.MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0,
                               categorical=["Island"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert 2500 < pred.mean() < 6500
    assert reg.score(X, y) > 0.7


def test_an_ensemble_saves_loads_and_exports_as_one_model(penguins, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    X, y = penguins
    clf = deepnet.MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0,
                                ensemble=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    # Three members stacked along every layer's outputs.
    assert [c.shape[1] for c in clf.coefs_] == [48, 9]
    expected = clf.predict_proba(X)
    back = deepnet.load(clf.save(tmp_path / "e.safetensors") or tmp_path / "e.safetensors")
    assert back.ensemble == 3
    np.testing.assert_array_equal(back.predict_proba(X), expected)
    clf.to_onnx(tmp_path / "e.onnx")
    np.testing.assert_allclose(onnx_probabilities(ort, tmp_path / "e.onnx", X), expected,
                               atol=1e-5)
