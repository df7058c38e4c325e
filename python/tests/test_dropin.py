"""The drop-in swap: scikit-learn's MLP and deepnet's, with the same hyperparameters on the same
splits, score the same within noise.

deepnet standardises the features itself (and a regressor's targets), so scikit-learn gets a
StandardScaler on X (and on y, for the regressor). Seeds 0, 1 and 2 each make a 75/25 split and
seed both models; the mean test accuracy must agree within 0.03 and the mean R² within 0.05
(measured: 0.003–0.007 apart on these three tables).
"""
import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import deepnet

SEEDS = (0, 1, 2)


def scores(load, make_ours, make_theirs):
    X, y = load(return_X_y=True)
    ours, theirs = [], []
    for seed in SEEDS:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning from both
            ours.append(make_ours(seed).fit(Xtr, ytr).score(Xte, yte))
            theirs.append(make_theirs(seed).fit(Xtr, ytr).score(Xte, yte))
    return np.mean(ours), np.mean(theirs)


@pytest.mark.parametrize("load", [load_breast_cancer, load_digits])
def test_classifier_accuracy_matches_scikit_learn(load):
    params = dict(hidden_layer_sizes=(32,), alpha=1e-3, max_iter=300)
    ours, theirs = scores(
        load,
        lambda s: deepnet.MLPClassifier(**params, random_state=s),
        lambda s: make_pipeline(StandardScaler(), sk.MLPClassifier(**params, random_state=s)),
    )
    assert ours > 0.9
    assert abs(ours - theirs) <= 0.03, (ours, theirs)


def test_regressor_r2_matches_scikit_learn():
    params = dict(hidden_layer_sizes=(32,), alpha=1.0, max_iter=300)
    ours, theirs = scores(
        load_diabetes,
        lambda s: deepnet.MLPRegressor(**params, random_state=s),
        lambda s: TransformedTargetRegressor(
            make_pipeline(StandardScaler(), sk.MLPRegressor(**params, random_state=s)),
            transformer=StandardScaler(),
        ),
    )
    assert ours > 0.2
    assert abs(ours - theirs) <= 0.05, (ours, theirs)


def test_the_parameters_are_scikit_learns():
    theirs = sk.MLPClassifier().get_params()
    ours = deepnet.MLPClassifier().get_params()
    for name, value in theirs.items():
        assert ours[name] == value, name
    assert set(ours) - set(theirs) == {"dropout", "class_weight", "n_threads", "layers",
                                       "categorical", "ensemble"}


def test_fit_attributes():
    X, y = load_breast_cancer(return_X_y=True)
    clf = deepnet.MLPClassifier(hidden_layer_sizes=(8,), max_iter=7, n_iter_no_change=50,
                                random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    assert clf.n_iter_ == 7 and len(clf.loss_curve_) == 7 and len(clf.history_) == 7
    assert clf.t_ == 7 * len(X)
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.n_features_in_ == 30 and clf.n_outputs_ == 1 and clf.n_layers_ == 3
    assert clf.out_activation_ == "logistic"
    assert [c.shape for c in clf.coefs_] == [(30, 8), (8, 1)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (1,)]
    assert list(clf.classes_) == [0, 1]
    early = deepnet.MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, random_state=0)
    early.fit(X, y)
    assert early.best_loss_ is None
    assert len(early.validation_scores_) == early.n_iter_
    assert all(0.5 < s <= 1 for s in early.validation_scores_)


def test_string_labels_and_predict_log_proba():
    X, y = load_breast_cancer(return_X_y=True)
    labels = np.where(y == 1, "benign", "malignant")
    clf = deepnet.MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, labels)
    assert list(clf.classes_) == ["benign", "malignant"]
    p = clf.predict_proba(X[:5])
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_log_proba(X[:5]), np.log(p))
    assert list(clf.predict(X[:5])) == list(clf.classes_[p.argmax(axis=1)])


def test_partial_fit_goes_on_from_the_weights():
    X, y = load_digits(return_X_y=True)
    clf = deepnet.MLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    first = clf.partial_fit(X[:600], y[:600], classes=np.arange(10)).score(X, y)
    for _ in range(10):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 11
    assert clf.score(X, y) > first + 0.1
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X[:5], np.array([0, 1, 2, 3, 11]))


def test_without_scikit_learn_the_package_works_the_same():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "if sys.argv[1] == 'hide': sys.modules['sklearn'] = None\n"
        "import numpy as np, deepnet\n"
        "assert deepnet._compat.HAVE_SKLEARN == (sys.argv[1] != 'hide')\n"
        "rng = np.random.default_rng(0); X = rng.normal(size=(200, 3))\n"
        "y = (X[:, 0] + X[:, 1] > 0).astype(int)\n"
        "clf = deepnet.MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0)\n"
        "print(clf.fit(X, y).score(X, y), clf.predict_proba(X[:3]).round(6).tolist())\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True)
        for how in ("hide", "keep")
    ]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert runs[0].stdout == runs[1].stdout
    assert float(runs[0].stdout.split()[0]) > 0.9
