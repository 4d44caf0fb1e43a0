"""`to_categorical` and `normalize`, as in `keras.utils`."""
from __future__ import annotations

from typing import Any

import numpy as np


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer class labels.

    Args:
        y: integer labels, of shape `(n,)` or `(n, 1)`.
        num_classes: the number of classes (max label + 1 by default).
        dtype: the result's dtype.

    Returns:
        An `(n, num_classes)` array.

    Example:
        >>> to_categorical([0, 2, 1]).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.size and (not np.issubdtype(labels.dtype, np.number)
                        or np.any(labels != np.round(labels)) or labels.min() < 0):
        raise ValueError("to_categorical needs non-negative integer class labels, but "
                         f"received values like {labels.ravel()[:5].tolist()}. Encode "
                         "strings first, e.g. with sklearn.preprocessing.LabelEncoder.")
    labels = labels.astype(np.int64)
    count = int(labels.max()) + 1 if num_classes is None and labels.size else num_classes or 0
    if labels.size and labels.max() >= count:
        raise ValueError(f"to_categorical received label {int(labels.max())} but "
                         f"num_classes={count}. Pass num_classes={int(labels.max()) + 1} or "
                         "more.")
    out = np.zeros(labels.shape + (count,), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale `x` to unit `order`-norm along `axis`.

    Example:
        >>> normalize([[3.0, 4.0]]).tolist()
        [[0.6, 0.8]]
    """
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)
