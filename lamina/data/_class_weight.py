"""`class_weight`: a weight per class, turned into a weight per sample."""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Optional

import numpy as np

from lamina.data._adapt import is_multi


def _labels(y: np.ndarray) -> tuple[np.ndarray, Optional[range]]:
    """Integer labels of each row, and the labels that the shape of y allows (or None)."""
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1), range(y.shape[1])  # one-hot
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"class_weight needs targets of shape (n,), (n, 1) or one-hot (n, classes), "
            f"but received y of shape {y.shape}. Pass sample_weight instead."
        )
    if y.dtype.kind == "f" or y.dtype.kind == "b":
        return np.round(y).astype(np.int64), None
    return y.astype(np.int64, copy=False), None


def class_weight_to_sample_weight(
    y: Any, class_weight: dict, sample_weight: Optional[Any] = None
) -> np.ndarray:
    """Gives each sample the weight of its class, times its sample weight if given.

    Labels are read as Keras does: integer targets `(n,)` or `(n, 1)` directly,
    one-hot targets `(n, classes)` by argmax, float targets `(n,)`/`(n, 1)`
    (binary) by rounding.

    Args:
        y: the targets of one output, a NumPy array (see `adapt_y`).
        class_weight: `{class_index: weight}` with one entry per label of y.
        sample_weight: existing per-sample weights `(n,)` or `(n, 1)`, or None.

    Returns:
        float32 weights of shape `(n,)`.

    Raises:
        TypeError: if class_weight is not a dict of integer keys and number values.
        ValueError: if y holds labels absent from class_weight, a key is not a class
            index (negative, or beyond a one-hot target's columns), or y has several
            outputs.

    Example:
        >>> import numpy as np
        >>> class_weight_to_sample_weight(np.array([0, 1, 1, 0]), {0: 1.0, 1: 3.0})
        array([1., 3., 3., 1.], dtype=float32)
    """
    if isinstance(y, dict) or is_multi(y):
        raise ValueError(
            "class_weight is only supported for models with a single output, but "
            f"received targets as a {type(y).__name__} of arrays. Pass sample_weight "
            "instead, computed per output."
        )
    if not isinstance(class_weight, dict):
        raise TypeError(
            f"class_weight must be a dict mapping class indices to weights, e.g. "
            f"{{0: 1.0, 1: 5.0}}, but received {type(class_weight).__name__}."
        )
    if not class_weight:
        raise ValueError(
            "class_weight is an empty dict. Give a weight for each class, e.g. {0: 1.0, 1: 5.0}."
        )
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, Integral):
            raise TypeError(
                f"class_weight keys must be integer class indices, but received the key "
                f"{key!r}. Encode string labels as integers first (LabelEncoder) and use "
                "those codes as keys."
            )
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(
                f"class_weight values must be numbers, but class {key!r} has weight {value!r}."
            )
    y = np.asarray(y)
    labels, allowed = _labels(y)
    present = np.unique(labels)
    # A key for a class that these rows lack is fine (validation_split or a small
    # sample may leave a class out); for one-hot targets the classes are the columns.
    if allowed is None:
        unknown = sorted(int(k) for k in class_weight if int(k) < 0)
        what = "non-negative class indices"
    else:
        unknown = sorted(int(k) for k in class_weight if int(k) not in allowed)
        what = f"class indices of y (labels: {sorted(allowed)})"
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown} that are not class indices. Use the "
            f"{what} as keys."
        )
    keys = np.array(sorted(int(k) for k in class_weight), dtype=np.int64)
    missing = present[~np.isin(present, keys)]
    if missing.size:
        raise ValueError(
            f"class_weight must give a weight to every class of y, but classes "
            f"{missing.tolist()} are missing (received keys {keys.tolist()}). "
            "Add them, e.g. with weight 1.0."
        )
    values = np.array([class_weight[k] for k in sorted(class_weight, key=int)], dtype=np.float32)
    weights = values[np.searchsorted(keys, labels)]
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float32)
        if sw.ndim == 2 and sw.shape[1] == 1:
            sw = sw[:, 0]
        if sw.shape != weights.shape:
            raise ValueError(
                f"sample_weight must have shape ({weights.shape[0]},) to match y, but "
                f"received shape {sw.shape}."
            )
        weights = weights * sw
    return weights
