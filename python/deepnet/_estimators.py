"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, trained by deepnet.

The parameters are scikit-learn's, with the same names, meanings and defaults; a value deepnet
cannot honour raises ``ValueError`` at ``fit`` instead of being changed silently. Every table goes
through deepnet's own pipeline (the code of the ``deepnet`` command): numeric columns are
standardised, a missing number is imputed with the training median plus a missing indicator,
text, category and bool columns are one-hot encoded, regression targets are standardised for
training and predicted in their own units. The fitted model is a deepnet checkpoint: ``save``
writes the file ``deepnet predict`` reads, pickling goes through its bytes.
"""

import json
import numbers
import warnings

import numpy as np

from deepnet import _native
from deepnet._compat import (
    HAVE_SKLEARN,
    BaseEstimator,
    ClassifierMixin,
    NotFittedError,
    RegressorMixin,
    _check_y,
    check_classification_targets,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

_ACTIVATIONS = {"identity": None, "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_SOLVERS = ("adam", "sgd", "lbfgs")
_LEARNING_RATES = ("constant", "invscaling", "adaptive")


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _class_key(label):
    """The class name deepnet gives a label: whole numbers as integers (``3.0`` names ``3``),
    everything else its text (the rule of deepnet's ``class_name``)."""
    if isinstance(label, (bool, np.bool_)):
        return str(bool(label))
    if isinstance(label, (numbers.Integral, np.integer)):
        return str(int(label))
    text = str(label)
    try:
        return str(int(text))
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return text
    if np.isfinite(f) and f == int(f) and abs(f) < 9.0e15:
        return str(int(f))
    return text


def _labels_from_names(names):
    """Class names read from a checkpoint as labels: integers when every name is one, booleans
    when every name is True or False, else strings."""
    try:
        return np.array([int(n) for n in names])
    except ValueError:
        pass
    if set(names) <= {"True", "False"}:
        return np.array([n == "True" for n in names])
    return np.array(names, dtype=object)


def _unique_name(base, taken, count=1):
    """A target column name (or `count` of them) that no feature column has."""
    while True:
        names = [base] if count == 1 else [f"{base}{i}" for i in range(count)]
        if not set(names) & set(taken):
            return names
        base += "_"


class _BaseMLP(BaseEstimator):
    """The parameters and the table handling shared by both estimators."""

    _is_classifier = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        class_weight=None,
        n_threads=None,
        layers=None,
        categorical=None,
        ensemble=1,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.class_weight = class_weight
        self.n_threads = n_threads
        self.layers = layers
        self.categorical = categorical
        self.ensemble = ensemble

    # ----------------------------------------------------------------------------------------
    # Parameters

    def _check_params(self):
        """Every parameter's type and range; a value deepnet cannot honour is a ValueError."""

        def number(name, low, high=None, integer=False, low_open=False, high_open=False):
            v = getattr(self, name)
            kind = numbers.Integral if integer else numbers.Real
            if isinstance(v, bool) or not isinstance(v, kind):
                raise TypeError(
                    f"{name} must be {'an int' if integer else 'a number'}, got {v!r}"
                )
            if not np.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v!r}")
            bad_low = v <= low if low_open else v < low
            bad_high = high is not None and (v >= high if high_open else v > high)
            if bad_low or bad_high:
                lo = "(" if low_open else "["
                hi = ")" if high_open else "]"
                rng = f"{lo}{low}, {high if high is not None else 'inf'}{hi}"
                raise ValueError(f"{name} must be in {rng}, got {v!r}")

        def choice(name, options):
            v = getattr(self, name)
            if not isinstance(v, str) or v not in options:
                raise ValueError(
                    f"{name} must be one of {', '.join(map(repr, options))}; got {v!r}"
                )

        if self.layers is None:
            sizes = self.hidden_layer_sizes
            if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
                sizes = (sizes,)
            try:
                sizes = list(sizes)
            except TypeError:
                raise TypeError(
                    f"hidden_layer_sizes must be a tuple of ints, got {self.hidden_layer_sizes!r}"
                ) from None
            for s in sizes:
                if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                    raise TypeError(f"hidden_layer_sizes must hold ints, got {s!r}")
                if s <= 0:
                    raise ValueError(f"hidden_layer_sizes must be > 0, got {s!r}")
            choice("activation", tuple(_ACTIVATIONS))
        elif not isinstance(self.layers, (list, tuple)) or not all(
            isinstance(layer, dict) for layer in self.layers
        ):
            raise TypeError(
                "layers must be a list of deepnet layer dicts, e.g. "
                "[{'type': 'dense', 'units': 64}, {'type': 'relu'}], got "
                f"{self.layers!r}"
            )
        choice("solver", _SOLVERS)
        if self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' is not available in deepnet, which trains by mini-batch "
                "gradient descent; use solver='adam' or solver='sgd'"
            )
        number("alpha", 0.0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            if isinstance(self.batch_size, bool) or not isinstance(
                self.batch_size, numbers.Integral
            ):
                raise TypeError(f"batch_size must be 'auto' or an int, got {self.batch_size!r}")
            number("batch_size", 1, integer=True)
        choice("learning_rate", _LEARNING_RATES)
        if self.solver == "sgd" and self.learning_rate != "constant":
            raise ValueError(
                f"learning_rate={self.learning_rate!r} is not available in deepnet; with "
                "solver='sgd' use learning_rate='constant'"
            )
        number("learning_rate_init", 0.0, low_open=True)
        number("power_t", 0.0)
        number("max_iter", 1, integer=True)
        number("tol", 0.0)
        number("momentum", 0.0, 1.0)
        number("validation_fraction", 0.0, 1.0, high_open=True)
        if self.early_stopping and self.validation_fraction <= 0:
            raise ValueError("validation_fraction must be > 0 with early_stopping=True")
        number("beta_1", 0.0, 1.0, high_open=True)
        number("beta_2", 0.0, 1.0, high_open=True)
        number("epsilon", 0.0, low_open=True)
        number("n_iter_no_change", 1, integer=True)
        number("max_fun", 1, integer=True)
        number("dropout", 0.0, 1.0, high_open=True)
        number("ensemble", 1, 64, integer=True)
        if self.n_threads is not None:
            number("n_threads", 1, integer=True)
        for name in ("shuffle", "verbose", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.categorical is not None and (
            isinstance(self.categorical, (str, bytes))
            or not all(isinstance(c, (str, numbers.Integral)) for c in self.categorical)
        ):
            raise TypeError(
                f"categorical must be a list of column names or indices, got {self.categorical!r}"
            )

    def _seed(self):
        rs = self.random_state
        if rs is None:
            return int(np.random.randint(np.iinfo(np.int32).max))
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            if not 0 <= rs < 2**32:
                raise ValueError(f"random_state must be in [0, 2**32 - 1], got {rs}")
            return int(rs)
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        raise TypeError(f"random_state must be None, an int or a RandomState, got {rs!r}")

    def _batch(self, n):
        if isinstance(self.batch_size, str):
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                UserWarning,
            )
        return max(1, min(self.batch_size, n))

    def _hidden_layers(self):
        if self.layers is not None:
            return [dict(layer) for layer in self.layers]
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        act = _ACTIVATIONS[self.activation]
        out = []
        for units in sizes:
            out.append({"type": "dense", "units": int(units)})
            if act is not None:
                out.append({"type": act})
            if self.dropout > 0:
                out.append({"type": "dropout", "rate": float(self.dropout)})
        return out

    def _spec(self, units, output):
        layers = self._hidden_layers() + [{"type": "dense", "units": int(units)}]
        # Glorot's uniform initialisation, as scikit-learn's MLP.
        return {"layers": layers, "output": output, "init": "xavier_uniform",
                "ensemble": int(self.ensemble)}

    def _recipe(self, n_rows, epochs, seed, class_weight=None, stop_early=True):

        batch = self._batch(n_rows)
        if self.solver == "adam":
            optimizer = "adam"
        else:
            optimizer = "momentum" if self.momentum > 0 else "sgd"
        recipe = {
            "optimizer": optimizer,
            "lr": float(self.learning_rate_init),
            # scikit-learn's penalty is alpha/2 · ‖W‖² per batch mean: alpha/batch on the
            # gradient, deepnet's L2 weight decay.
            "weight_decay": float(self.alpha) / batch,
            "momentum": float(self.momentum),
            "nesterov": bool(self.nesterovs_momentum),
            "beta1": float(self.beta_1),
            "beta2": float(self.beta_2),
            "eps": float(self.epsilon),
            "batch_size": batch,
            "epochs": int(epochs),
            "min_delta": float(self.tol),
            "seed": seed,
            "shuffle": bool(self.shuffle),
        }
        if stop_early:
            recipe["patience"] = int(self.n_iter_no_change)
        if class_weight is not None:
            recipe["class_weight"] = class_weight
        return json.dumps(recipe)

    # ----------------------------------------------------------------------------------------
    # Tables

    def _table(self, X, reset):
        """X as a deepnet table whose columns are named as at fit; validates X as scikit-learn
        does (n_features_in_, feature_names_in_)."""
        if _is_dataframe(X):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0:
                raise ValueError(
                    f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is "
                    "required."
                )
            if X.shape[1] == 0:
                raise ValueError(
                    f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                    "required."
                )
            if reset:
                self.n_features_in_ = X.shape[1]
                names = [str(c) for c in X.columns]
                if all(isinstance(c, str) for c in X.columns):
                    self.feature_names_in_ = np.asarray(names, dtype=object)
                elif hasattr(self, "feature_names_in_"):
                    del self.feature_names_in_
                if len(set(names)) != len(names):
                    raise ValueError(f"X has duplicate column names: {names}")
                self._columns = names
            elif X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input."
                )
            return self._dataframe_columns(X), len(X)
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=(np.float32, np.float64),
            ensure_all_finite="allow-nan",
        )
        if reset:
            self._columns = [f"x{i}" for i in range(X.shape[1])]
        return (self._columns, X, list(self._columns), []), X.shape[0]

    def _dataframe_columns(self, X):
        """(order, numbers, number names, texts) of a DataFrame: numeric columns as floats
        (NaN and pandas' NA missing), every other column as text (None missing)."""
        import pandas as pd

        numeric, numeric_names, texts = [], [], []
        for name, (_, col) in zip(self._columns, X.items()):
            kind = col.dtype.kind
            if kind == "c":
                raise ValueError(f"column `{name}`: complex data not supported")
            if kind in "iuf" and not isinstance(col.dtype, pd.CategoricalDtype):
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
                if np.isinf(values).any():
                    row = int(np.flatnonzero(np.isinf(values))[0]) + 1
                    raise ValueError(
                        f"Input X contains infinity: column `{name}`, row {row}"
                    )
                numeric.append(values)
                numeric_names.append(name)
            else:
                missing = pd.isna(col).to_numpy()
                cells = [
                    None if m else str(v) for v, m in zip(col.astype(object).to_numpy(), missing)
                ]
                texts.append((name, cells))
        numbers_ = np.column_stack(numeric) if numeric else None
        return list(self._columns), numbers_, numeric_names, texts

    def _native_table(self, parts, targets=None):
        order, numbers_, number_names, texts = parts
        order = list(order)
        texts = list(texts)
        if targets is not None:
            names, values, kind = targets
            if kind == "text":
                texts.append((names[0], values))
            else:
                numbers_ = values if numbers_ is None else np.hstack(
                    [np.asarray(numbers_, dtype=np.float64), values]
                )
                number_names = list(number_names) + names
            order += names
        return _native.Table(order, numbers_, list(number_names), texts, source="X")

    def _categorical(self):
        if not self.categorical:
            return []
        out = []
        for c in self.categorical:
            if isinstance(c, numbers.Integral):
                if not 0 <= c < len(self._columns):
                    raise ValueError(
                        f"categorical: column index {c} is out of range for "
                        f"{len(self._columns)} columns"
                    )
                out.append(self._columns[c])
            elif c in self._columns:
                out.append(c)
            else:
                raise ValueError(f"categorical: there is no column `{c}`")
        return out

    # ----------------------------------------------------------------------------------------
    # Fitting

    def fit(self, X, y):
        """Trains on X (an array or a DataFrame) and y; returns self."""
        return self._fit(X, y, incremental=False)

    def _fit(self, X, y, incremental, classes=None):
        self._check_params()
        go_on = hasattr(self, "_model") and (incremental or self.warm_start)
        parts, n = self._table(X, reset=not go_on)
        y = self._check_targets(y, n, reset=not go_on, classes=classes, incremental=incremental)
        table = self._native_table(parts, self._target_columns(y))
        epochs = 1 if incremental else self.max_iter
        seed = self._seed()
        done_before = self.n_iter_ if go_on else 0
        if go_on:
            recipe = self._recipe(n, epochs, seed, self._class_weight(), stop_early=False)
            self._model.train_more(
                table, recipe, epochs=epochs, threads=self.n_threads, verbose=self.verbose
            )
        else:
            recipe = self._recipe(
                n, epochs, seed, self._class_weight(), stop_early=not incremental
            )
            validation = (
                float(self.validation_fraction)
                if self.early_stopping and not incremental
                else 0.0
            )
            self._model, warns = _native.Model.fit(
                table,
                self._target_names,
                json.dumps(self._spec(*self._output())),
                recipe,
                validation=validation,
                classes=self._classes_keys() if incremental else None,
                positive=self._positive(),
                categorical=self._categorical(),
                threads=self.n_threads,
                verbose=self.verbose,
            )
            for w in warns:
                warnings.warn(w, UserWarning)
        self._after_fit(n)
        if not incremental and self.n_iter_ - done_before == self.max_iter:
            try:
                from sklearn.exceptions import ConvergenceWarning
            except ImportError:
                ConvergenceWarning = UserWarning
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return self

    def _targets(self, y, n, numeric):
        """y checked as scikit-learn checks it (present, finite, 1-D for classes), with one
        value per row of X."""
        if y is None:  # scikit-learn's _check_y raises a TypeError for multi-output
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = _check_y(y, multi_output=numeric, y_numeric=numeric, estimator=self)
        check_consistent_length(np.empty(n), y)
        return y

    def _after_fit(self, n_rows):
        history = self._model.history()
        self.history_ = history
        self.loss_curve_ = [h["train_loss"] for h in history]
        self.n_iter_ = len(history)
        self.t_ = self.n_iter_ * n_rows
        if self.early_stopping and any(h["val_loss"] is not None for h in history):
            key = "val_accuracy" if self._is_classifier else "val_r2"
            self.validation_scores_ = [h[key] for h in history]
            self.best_validation_score_ = max(
                (s for s in self.validation_scores_ if s is not None), default=None
            )
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else None
        self.out_activation_ = self._out_activation()
        self._set_coefs()
        dense = [layer for layer in self._spec_layers() if layer["type"] == "dense"]
        self.n_layers_ = len(dense) + 1
        if not self._is_classifier:
            self.n_outputs_ = len(self._model.targets)

    def _set_coefs(self):
        """coefs_ and intercepts_ as scikit-learn lays them out ([in, out] per layer), of the
        network on standardised inputs."""
        params = dict(self._model.parameters())
        layers = sorted({int(k.split(".")[0]) for k in params})
        self.coefs_ = [np.asarray(params[f"{i}.weight"], dtype=np.float64).T for i in layers]
        self.intercepts_ = [
            np.asarray(params[f"{i}.bias"], dtype=np.float64)
            if f"{i}.bias" in params
            else np.zeros(params[f"{i}.weight"].shape[0])
            for i in layers
        ]

    def _spec_layers(self):
        return json.loads(self._model.spec)["layers"]

    def partial_fit(self, X, y, **kwargs):
        """One epoch over X and y, going on from the current weights and optimiser state (the
        first call also fits the preprocessing on X)."""
        return self._fit(X, y, incremental=True, **kwargs)

    # ----------------------------------------------------------------------------------------
    # Checkpoints

    def save(self, path):
        """Writes the checkpoint that ``deepnet predict``, ``deepnet export`` and
        ``deepnet_load.py`` read (the same safetensors file as ``deepnet train``'s)."""
        check_is_fitted(self, "_model")
        self._model.save(str(path))

    def to_onnx(self, path, single_input=False):
        """Writes the model and its preprocessing as ONNX, one input per column (as ``deepnet
        export``); ``single_input=True`` gives one float32 input for all-numeric models."""
        check_is_fitted(self, "_model")
        self._model.to_onnx(str(path), single_input=single_input)

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else dict(self.__dict__)
        state = dict(state)
        if "_model" in state:
            state["_model"] = bytes(state["_model"].to_bytes())
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("_model"), (bytes, bytearray)):
            state["_model"] = _native.Model.from_bytes(bytes(state["_model"]))
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:  # pragma: no cover
            self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN cells are imputed (training median plus a missing indicator).
        tags.input_tags.allow_nan = True
        return tags

    def _predict_table(self, X):
        check_is_fitted(self, "_model")
        parts, _ = self._table(X, reset=False)
        return self._native_table(parts)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, scikit-learn's ``MLPClassifier`` trained by deepnet.

    The parameters are scikit-learn's (see its documentation), plus deepnet's own:

    dropout : float, default=0.0
        Dropout rate after every hidden activation (inverted dropout; none at predict).
    class_weight : None, "balanced" or dict {label: weight}, default=None
        Class weights in the training loss.
    n_threads : int or None, default=None
        Worker threads (None: all cores). The weights do not depend on it.
    layers : list of dict or None, default=None
        The hidden layers as deepnet spec entries (``{"type": "dense", "units": 64}``,
        ``{"type": "gelu"}``, ...), instead of hidden_layer_sizes, activation and dropout.
    ensemble : int, default=1
        Members of a deep ensemble trained together in one model (1 to 64), each with its own
        initial weights; predictions are the mean of theirs. ``coefs_`` and ``intercepts_``
        then hold every member's weights stacked along the output axis.
    categorical : list of column names or indices, default=None
        Numeric columns to one-hot encode as categories (text columns always are).
    """

    _is_classifier = True

    def _check_targets(self, y, n, reset, classes, incremental):
        y = self._targets(y, n, numeric=False)
        if y.dtype.kind == "O":
            present = np.array([v is not None and not (isinstance(v, float) and np.isnan(v))
                                for v in y])
            if not present.all():
                raise ValueError("Input y contains NaN.")
        check_classification_targets(y)
        if reset:
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
            elif incremental:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            else:
                self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                only = self.classes_[0] if len(self.classes_) else None
                raise ValueError(
                    f"y has 1 class ({only!r}); a classifier needs at least 2 classes"
                )
            keys = [_class_key(c) for c in self.classes_]
            if len(set(keys)) != len(keys):
                raise ValueError(
                    f"labels {list(self.classes_)} name the same class twice "
                    "(e.g. 3 and 3.0)"
                )
            self._keys = keys
            self.n_outputs_ = 1 if len(keys) <= 2 else len(keys)
            target = _unique_name("y", self._columns)
            self._target_names = target
        else:
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"`y` has classes not in `self.classes_`: {list(unseen)}; the model knows "
                    f"{list(self.classes_)}"
                )
        return y

    def _classes_keys(self):
        return list(self._keys)

    def _target_columns(self, y):
        index = {c: k for c, k in zip(self.classes_.tolist(), self._keys)}
        cells = [index[v] for v in y.tolist()]
        return (self._target_names, cells, "text")

    def _output(self):
        k = len(self._keys)
        return (1, "sigmoid") if k == 2 else (k, "softmax")

    def _out_activation(self):
        return "logistic" if len(self.classes_) == 2 else "softmax"

    def _positive(self):
        # The second of classes_ is the positive class, as in scikit-learn.
        return self._keys[1] if len(self._keys) == 2 else None

    def _class_weight(self):
        cw = self.class_weight
        if cw is None:
            return None
        if isinstance(cw, str):
            if cw != "balanced":
                raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {cw!r}")
            return "balanced"
        if not isinstance(cw, dict):
            raise TypeError(f"class_weight must be None, 'balanced' or a dict; got {cw!r}")
        order = self._model_order()
        by_key = {}
        for label, weight in cw.items():
            key = _class_key(label)
            if key not in order:
                raise ValueError(
                    f"class_weight: {label!r} is not one of the classes {list(self.classes_)}"
                )
            if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
                raise ValueError(f"class_weight: the weight of {label!r} must be >= 0, got "
                                 f"{weight!r}")
            by_key[key] = float(weight)
        return {"given": [by_key.get(k, 1.0) for k in order]}

    def _model_order(self):
        """The order deepnet gives the classes: [negative, positive] for two, else sorted
        (numerically when all are integers)."""
        keys = list(self._keys)
        if len(keys) == 2:
            return keys
        try:
            return sorted(keys, key=int)
        except ValueError:
            return sorted(keys)

    def partial_fit(self, X, y, classes=None):
        """One epoch over X and y. The first call needs ``classes``, every label there may be."""
        return super().partial_fit(X, y, classes=classes)

    def predict_proba(self, X):
        """Probability of every class (columns in the order of ``classes_``)."""
        table = self._predict_table(X)
        names, p = self._model.predict(table)
        where = {name: i for i, name in enumerate(names)}
        try:
            columns = [where[k] for k in self._keys]
        except KeyError as e:
            raise ValueError(f"the model has no class {e}") from None
        return np.asarray(p, dtype=np.float64)[:, columns]

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of every row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn's ``MLPRegressor`` trained by deepnet.

    The parameters are scikit-learn's, plus ``dropout``, ``n_threads``, ``layers``,
    ``categorical`` and ``ensemble`` (see ``MLPClassifier``); ``class_weight`` must stay None. Targets are
    standardised for training and predicted in their own units.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_targets(self, y, n, reset, classes, incremental):
        y = np.asarray(self._targets(y, n, numeric=True), dtype=np.float64)
        if y.ndim == 1:
            y2 = y.reshape(-1, 1)
        else:
            y2 = y
        if reset:
            self._y_1d = y.ndim == 1
            self._target_names = _unique_name("y", self._columns, count=y2.shape[1])
        elif y2.shape[1] != len(self._target_names):
            raise ValueError(
                f"y has {y2.shape[1]} targets, but the model was fitted on "
                f"{len(self._target_names)}"
            )
        return y2

    def _target_columns(self, y):
        return (self._target_names, np.ascontiguousarray(y, dtype=np.float64), "numbers")

    def _classes_keys(self):
        return None

    def _output(self):
        return (len(self._target_names), "linear")

    def _out_activation(self):
        return "identity"

    def _positive(self):
        return None

    def _class_weight(self):
        if self.class_weight is not None:
            raise ValueError("class_weight is for classifiers; MLPRegressor needs None")
        return None

    def partial_fit(self, X, y):
        """One epoch over X and y, going on from the current weights."""
        return super().partial_fit(X, y)

    def predict(self, X):
        """The predicted targets, in their own units (1-D when fitted on a 1-D y)."""
        table = self._predict_table(X)
        _, values = self._model.predict(table)
        values = np.asarray(values, dtype=np.float64)
        return values.ravel() if self._y_1d else values


def load(path):
    """A fitted ``MLPClassifier`` or ``MLPRegressor`` from any deepnet checkpoint: one saved
    from Python, or written by ``deepnet train``. Class names that are all integers (or all
    True/False) come back as int (bool) labels; the columns are the checkpoint's."""

    model = _native.Model.load(str(path))
    spec = json.loads(model.spec)
    hidden = list(spec["layers"][:-1])
    acts = {layer["type"] for layer in hidden if layer["type"] != "dense"}
    back = {v: k for k, v in _ACTIVATIONS.items() if v is not None}
    sizes = tuple(layer["units"] for layer in hidden if layer["type"] == "dense")
    plain = all(layer["type"] == "dense" and set(layer) <= {"type", "units"} or
                layer["type"] in back for layer in hidden) and len(acts) <= 1
    params = {}
    if plain:
        params["hidden_layer_sizes"] = sizes
        params["activation"] = back[acts.pop()] if acts else "identity"
    else:
        params["layers"] = hidden
    params["ensemble"] = spec.get("ensemble", 1)
    est = MLPClassifier(**params) if model.is_classifier else MLPRegressor(**params)
    est._model = model
    est._columns = list(model.features)
    est.n_features_in_ = len(est._columns)
    if est._columns != [f"x{i}" for i in range(est.n_features_in_)]:
        est.feature_names_in_ = np.asarray(est._columns, dtype=object)
    est._target_names = list(model.targets)
    if model.is_classifier:
        names = list(model.classes)
        est.classes_ = _labels_from_names(names)
        est._keys = [_class_key(c) for c in est.classes_.tolist()]
        if est._keys != names:
            # Labels that do not read back as their own names stay as the names.
            est.classes_ = np.array(names, dtype=object)
            est._keys = names
        order = np.argsort(est.classes_) if est.classes_.dtype != object else np.argsort(names)
        est.classes_ = est.classes_[order]
        est._keys = [est._keys[i] for i in order]
        est.n_outputs_ = 1 if len(names) <= 2 else len(names)
        est.out_activation_ = est._out_activation()
    else:
        est._y_1d = len(est._target_names) == 1
        est.n_outputs_ = len(est._target_names)
        est.out_activation_ = "identity"
    est.n_iter_ = 0
    est.t_ = 0
    est.loss_curve_ = []
    est.history_ = []
    est.best_loss_ = None
    est.validation_scores_ = None
    est.best_validation_score_ = None
    est.n_layers_ = len(sizes) + 2
    est._set_coefs()
    return est


__all__ = ["MLPClassifier", "MLPRegressor", "NotFittedError", "load", "HAVE_SKLEARN"]
