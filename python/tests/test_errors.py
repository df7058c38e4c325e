"""Bad input gets a Python exception with deepnet's message, never a crash; Ctrl-C stops
training and raises KeyboardInterrupt; training releases the GIL."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import deepnet
from deepnet import MLPClassifier, MLPRegressor, NotFittedError

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 3))
y = (X[:, 0] > 0).astype(int)


def test_nan_in_y():
    with pytest.raises(ValueError, match="Input y contains NaN"):
        MLPRegressor(max_iter=2).fit(X, np.where(y == 1, np.nan, 1.0))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        MLPClassifier(max_iter=2).fit(X, np.array([None, "a"] * 30, dtype=object))


def test_wrong_number_of_columns_at_predict():
    clf = MLPClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is expecting 3"):
        clf.predict(X[:, :2])


def test_empty_x():
    with pytest.raises(ValueError, match="0 sample"):
        MLPClassifier().fit(np.empty((0, 3)), [])
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(5, 0\)\)"):
        MLPClassifier().fit(np.empty((5, 0)), [0, 1, 0, 1, 0])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"solver": "lbfgs"}, "solver='lbfgs' is not available in deepnet"),
        ({"activation": "softplus"}, "activation must be one of 'identity', 'logistic'"),
        ({"solver": "sgd", "learning_rate": "adaptive"}, "learning_rate='adaptive' is not"),
        ({"hidden_layer_sizes": (8, 0)}, r"hidden_layer_sizes must be > 0, got 0"),
        ({"learning_rate_init": 0.0}, r"learning_rate_init must be in \(0.0, inf\]"),
        ({"validation_fraction": 1.0, "early_stopping": True}, "validation_fraction must be in"),
        ({"dropout": 1.0}, r"dropout must be in \[0.0, 1.0\)"),
        ({"ensemble": 0}, r"ensemble must be in \[1, 64\], got 0"),
        ({"class_weight": "even"}, "class_weight must be None, 'balanced' or a dict"),
        ({"class_weight": {7: 2.0}}, "class_weight: 7 is not one of the classes"),
        ({"categorical": ["nope"]}, "categorical: there is no column `nope`"),
        ({"random_state": 2**40}, r"random_state must be in \[0, 2\*\*32 - 1\]"),
        ({"class_weight": {0: 0.0, 1: 0.0}}, "`class_weight` weights must not all be 0"),
        ({"layers": [{"type": "dense", "units": 4}, {"type": "swish"}]}, "spec: "),
    ],
)
def test_values_deepnet_cannot_honour_are_value_errors(params, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=2, **params).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [{"hidden_layer_sizes": "wide"}, {"max_iter": 2.5}, {"shuffle": "yes"}, {"layers": "x"}],
)
def test_values_of_the_wrong_type_are_type_errors(params):
    with pytest.raises(TypeError):
        MLPClassifier(**params).fit(X, y)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    with pytest.raises(NotFittedError):
        MLPRegressor().save("never.safetensors")


def test_bad_checkpoints(tmp_path):
    with pytest.raises(OSError, match="No such file"):
        deepnet.load(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(ValueError, match="bad.safetensors"):
        deepnet.load(bad)


def test_a_category_unseen_in_training_encodes_as_zeros():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"c": ["a", "b"] * 30, "x": X[:, 0]})
    clf = MLPClassifier(max_iter=5).fit(df, y)
    # Two different unseen categories both encode as all zeros: the same probabilities.
    p = clf.predict_proba(pd.DataFrame({"c": ["zzz", "qqq"], "x": [0.1, 0.1]}))
    assert p.shape == (2, 2)
    np.testing.assert_array_equal(p[0], p[1])


CTRL_C = """
import os, signal, threading, numpy as np, deepnet
X = np.random.default_rng(0).normal(size=(20000, 50)).astype(np.float32)
y = (X[:, 0] > 0).astype(int)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
clf = deepnet.MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=10000, batch_size=32)
try:
    clf.fit(X, y)
except KeyboardInterrupt as e:
    print("interrupted:", e)
print("alive")
"""


def test_ctrl_c_stops_training_and_raises_keyboard_interrupt():
    start = time.time()
    out = subprocess.run([sys.executable, "-c", CTRL_C], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("interrupted:")
    assert out.stdout.strip().endswith("alive")
    assert time.time() - start < 60


def test_training_releases_the_gil():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    big = rng.normal(size=(5000, 20))
    try:
        MLPClassifier(hidden_layer_sizes=(128,), max_iter=20, n_iter_no_change=50).fit(
            big, (big[:, 0] > 0).astype(int)
        )
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 20


def test_verbose_prints_the_epoch_lines(capsys):
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["epoch", f"{i}/3"] for i in (1, 2, 3)]
