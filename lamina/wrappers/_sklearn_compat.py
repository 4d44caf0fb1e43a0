"""scikit-learn, imported once; plain stand-ins for its base classes when it is missing.

The estimators raise an ImportError that says what to install when they are
constructed without scikit-learn, so `import lamina` never needs it.
"""
from __future__ import annotations

from typing import Any

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    sklearn = None

    class BaseEstimator:  # type: ignore[no-redef]
        pass

    class ClassifierMixin:  # type: ignore[no-redef]
        pass

    class RegressorMixin:  # type: ignore[no-redef]
        pass

    class TransformerMixin:  # type: ignore[no-redef]
        pass

__all__ = ["BaseEstimator", "ClassifierMixin", "RegressorMixin", "TransformerMixin",
           "require_sklearn", "validate_data"]


def require_sklearn(owner: str) -> None:
    """Raise an ImportError naming the extra to install when scikit-learn is missing."""
    if sklearn is None:
        raise ImportError(f"{owner} needs scikit-learn. Install it with "
                          "`pip install 'lamina[sklearn]'` (or `pip install scikit-learn`).")


def validate_data(estimator: Any, X: Any, y: Any = "no_validation", *, reset: bool,
                  y_numeric: bool = False) -> Any:
    """scikit-learn's input validation (sparse X accepted, 2-d y allowed), which also
    sets `n_features_in_` and `feature_names_in_` when `reset`."""
    kwargs = dict(reset=reset, accept_sparse=("csr", "csc", "coo"))
    if not (isinstance(y, str) and y == "no_validation"):
        kwargs.update(multi_output=True, y_numeric=y_numeric)
    try:
        from sklearn.utils.validation import validate_data as validate
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(X, y, **kwargs)
    return validate(estimator, X, y, **kwargs)
