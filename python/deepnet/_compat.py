"""scikit-learn when it is installed, and the few pieces the estimators need when it is not.

With scikit-learn, the estimators subclass its ``BaseEstimator`` and mixins and validate input
with its own functions, so their messages and warnings are scikit-learn's. Without it, the
fallbacks below give the same contract in plain numpy: parameters from ``__init__``, 2-D numeric
input, the number of features checked at predict, accuracy and R² scores.
"""

import inspect

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import (
        _check_y,
        check_consistent_length,
        check_is_fitted,
        validate_data,
    )

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised in the test that hides scikit-learn
    HAVE_SKLEARN = False

    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator."""

    class BaseEstimator:
        """Parameters read from ``__init__``'s signature, as scikit-learn's BaseEstimator."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(
                        f"Invalid parameter {key!r} for estimator {type(self).__name__}. "
                        f"Valid parameters are: {valid!r}."
                    )
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class ClassifierMixin:
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            pred = self.predict(X)
            return float(np.average(pred == np.asarray(y), weights=sample_weight))

    class RegressorMixin:
        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            y = np.asarray(y, dtype=np.float64)
            pred = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)
            w = None if sample_weight is None else np.asarray(sample_weight)[:, None]
            y2, p2 = y.reshape(len(y), -1), pred.reshape(len(y), -1)
            ss_res = np.average((y2 - p2) ** 2, axis=0, weights=w)
            ss_tot = np.average((y2 - np.average(y2, axis=0, weights=w)) ** 2, axis=0, weights=w)
            r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), 0.0)
            return float(np.mean(r2))

    def check_is_fitted(estimator, attributes=None):
        if not hasattr(estimator, "_model"):
            raise NotFittedError(
                f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    def check_consistent_length(*arrays):
        lengths = {len(a) for a in arrays if a is not None}
        if len(lengths) > 1:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: {sorted(lengths)}"
            )

    def check_classification_targets(y):
        y = np.asarray(y)
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError("Unknown label type: continuous. Maybe you are trying to fit a "
                             "classifier, which expects discrete classes on a regression target "
                             "with continuous values.")

    def _check_y(y, multi_output=False, y_numeric=False, estimator=None):
        if y is None:
            raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the "
                             "target y is None")
        y = np.asarray(y)
        if not multi_output:
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.ravel()
            if y.ndim != 1:
                raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} "
                                 "instead.")
        if y_numeric and y.dtype.kind == "O":
            y = y.astype(np.float64)
        if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        return y

    def validate_data(estimator, X, y="no_validation", reset=True, skip_check_array=False,
                      dtype=None, ensure_all_finite=True, multi_output=False, y_numeric=False,
                      **_):
        if not skip_check_array:
            X = np.asarray(X)
            if X.dtype.kind == "c":
                raise ValueError("Complex data not supported")
            if X.ndim != 2:
                raise ValueError(f"Expected 2D array, got {X.ndim}D array instead")
            if X.dtype not in (np.float32, np.float64):
                X = X.astype(np.float64)
            if X.shape[0] == 0:
                raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
            if X.shape[1] == 0:
                raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
            if np.isinf(X).any():
                raise ValueError("Input X contains infinity or a value too large for "
                                 f"{X.dtype!r}.")
        n = X.shape[1]
        if reset:
            estimator.n_features_in_ = n
        elif n != estimator.n_features_in_:
            raise ValueError(f"X has {n} features, but {type(estimator).__name__} is "
                             f"expecting {estimator.n_features_in_} features as input.")
        if isinstance(y, str) and y == "no_validation":
            return X
        y = _check_y(y, multi_output=multi_output, y_numeric=y_numeric, estimator=estimator)
        check_consistent_length(X, y)
        return X, y
