"""deepnet: multi-layer perceptrons for tables, trained in Rust.

``MLPClassifier`` and ``MLPRegressor`` are drop-in replacements for scikit-learn's estimators of
the same names: the same constructor parameters with the same meaning, on deepnet's engine and
its table pipeline (pandas DataFrames with string, category and bool columns and missing cells
are read as they are). ``load`` reads any deepnet checkpoint, including one written by the
``deepnet`` command.

    >>> from deepnet import MLPClassifier
    >>> clf = MLPClassifier(hidden_layer_sizes=(64, 32), random_state=0).fit(X, y)  # doctest: +SKIP
    >>> clf.save("model.safetensors")                                               # doctest: +SKIP
"""

from deepnet._estimators import MLPClassifier, MLPRegressor, NotFittedError, load

__all__ = ["MLPClassifier", "MLPRegressor", "NotFittedError", "load"]
__version__ = "0.1.0"
