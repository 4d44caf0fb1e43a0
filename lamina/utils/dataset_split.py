"""`keras.utils.split_dataset`: a left and a right part of a dataset (train / test)."""
from __future__ import annotations

from typing import Any

import numpy as np


def _samples(dataset: Any) -> Any:
    """The data as arrays of samples, in the structure of one sample."""
    if isinstance(dataset, np.ndarray):
        return dataset
    if isinstance(dataset, dict):
        return {k: np.asarray(v) for k, v in dataset.items()}
    if isinstance(dataset, (list, tuple)):
        return type(dataset)(np.asarray(v) for v in dataset)
    iterator = getattr(dataset, "as_numpy_iterator", None)  # a tf.data.Dataset
    if callable(iterator):
        items = list(iterator())
    elif hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):  # torch Dataset
        items = [dataset[i] for i in range(len(dataset))]
    else:
        raise TypeError(f"split_dataset takes a NumPy array, a list/tuple/dict of arrays, a "
                        f"tf.data.Dataset or a torch Dataset, but received "
                        f"{type(dataset).__name__}.")
    if not items:
        raise ValueError("split_dataset received an empty dataset.")
    first = items[0]
    if isinstance(first, dict):
        return {k: np.stack([np.asarray(item[k]) for item in items]) for k in first}
    if isinstance(first, (tuple, list)):
        return tuple(np.stack([np.asarray(item[i]) for item in items])
                     for i in range(len(first)))
    return np.stack([np.asarray(item) for item in items])


def _length(data: Any) -> int:
    arrays = list(data.values()) if isinstance(data, dict) else \
        list(data) if isinstance(data, (list, tuple)) else [data]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"split_dataset needs arrays of one length, but received lengths "
                         f"{sorted(lengths)}.")
    return lengths.pop()


def _size(value: Any, total: int, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and 0 < value < 1:
        return int(round(value * total))
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < total:
        return value
    raise ValueError(f"{name} must be a float in (0, 1) (a fraction) or an int in (0, "
                     f"{total}) (a number of samples), but received {name}={value!r}.")


def split_dataset(dataset: Any, left_size: float | int | None = None,
                  right_size: float | int | None = None, shuffle: bool = False,
                  seed: int | None = None, preferred_backend: str | None = None) -> tuple:
    """Split a dataset into a left and a right part, as `keras.utils.split_dataset`.

    Keras 3 returns `tf.data.Dataset`s; Lamina, which does not depend on TensorFlow,
    returns the parts as arrays in the structure of the data (an array, or a
    tuple/list/dict of arrays), which `fit` takes directly. A `tf.data.Dataset` or
    torch `Dataset` of samples is read into arrays first.

    Args:
        dataset: a NumPy array, a list/tuple/dict of arrays of one length, or a
            dataset of samples.
        left_size: the left part's fraction (a float in (0, 1)) or number of samples;
            by default the complement of `right_size`.
        right_size: the same for the right part; by default the complement.
        shuffle: whether to shuffle the samples before splitting.
        seed: the shuffle's seed.
        preferred_backend: accepted for Keras's signature; the parts are arrays.

    Returns:
        `(left, right)`.

    Raises:
        ValueError: for sizes out of range, both sizes missing, or a part that would
            be empty.

    Example:
        >>> data = (np.arange(10), np.arange(10) * 2)
        >>> left, right = split_dataset(data, left_size=0.8)
        >>> left[0].shape, right[1].tolist()
        ((8,), [16, 18])
    """
    data = _samples(dataset)
    total = _length(data)
    if left_size is None and right_size is None:
        raise ValueError("split_dataset needs left_size or right_size, e.g. left_size=0.8.")
    left = _size(left_size, total, "left_size")
    right = _size(right_size, total, "right_size")
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total or left == 0 or right == 0:
        raise ValueError(f"The split of {total} samples into {left} and {right} is "
                         "impossible or leaves a part empty. Choose smaller sizes.")
    order = np.random.default_rng(seed).permutation(total) if shuffle else np.arange(total)

    def take(index: np.ndarray) -> Any:
        if isinstance(data, dict):
            return {k: v[index] for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return type(data)(v[index] for v in data)
        return data[index]

    return take(order[:left]), take(order[left:left + right])
