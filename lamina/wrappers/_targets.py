"""Class labels for the classifier: strings, integers or one-hot rows, to and from
what the model trains on."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        return loss.lower()
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", "")).lower()


def is_one_hot(y: np.ndarray) -> bool:
    """Whether `y` is a matrix of one-hot rows (each row one 1, the rest 0).

    Example:
        >>> is_one_hot(np.eye(3)[[0, 2, 1]]), is_one_hot(np.array([[1, 1], [0, 1]]))
        (True, False)
    """
    return (y.ndim == 2 and y.shape[1] > 1 and np.isin(y, (0, 1)).all()
            and bool((y.sum(axis=1) == 1).all()))


def classes_of(y: np.ndarray, owner: str) -> tuple[np.ndarray, bool]:
    """The class labels of `y` and whether `y` is one-hot; raises for other targets."""
    from sklearn.exceptions import DataConversionWarning
    from sklearn.utils.multiclass import type_of_target

    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind == "multilabel-indicator" and is_one_hot(y):
        return np.arange(y.shape[1]), True
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"{owner} fits class labels: a binary or multiclass target of shape (n,) or a "
            f"matrix of one-hot rows, but received a {kind!r} target of shape "
            f"{np.shape(y)}. For continuous targets use SKLearnRegressor.")
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Pass "
                      "y.ravel() (shape (n_samples,)).", DataConversionWarning, stacklevel=4)
    classes = np.unique(np.ravel(y))
    if len(classes) < 2:
        raise ValueError(f"{owner} needs at least two classes to fit, but y has 1 class: "
                         f"{classes[0]!r}. Check the targets (or the split that made them).")
    return classes, False


def indices(y: np.ndarray, classes: np.ndarray, one_hot: bool) -> np.ndarray:
    """The class index of each row of `y`."""
    if one_hot:
        return np.argmax(y, axis=1)
    return np.searchsorted(classes, np.ravel(y))


def training_target(model: Any, idx: np.ndarray, n_classes: int) -> np.ndarray:
    """What `model` trains on: a 0/1 column for a one-unit (sigmoid) output, indices
    for a sparse loss, one-hot rows otherwise (as Keras 3's wrapper gives)."""
    units = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    if units == 1 and n_classes == 2:
        return idx.astype(np.float32).reshape(-1, 1)
    if "sparse" in _loss_name(getattr(model, "loss", None)):
        return idx.astype(np.int32)
    return np.eye(n_classes, dtype=np.float32)[idx]


def probabilities(out: np.ndarray) -> np.ndarray:
    """Class probabilities from the model's output: `[1 - p, p]` for a one-unit output."""
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 1:
        out = out.reshape(-1, 1)
    if out.shape[1] == 1:
        return np.hstack([1.0 - out, out])
    return out
