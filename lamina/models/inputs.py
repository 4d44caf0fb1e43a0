"""Preparing host data for the compiled programs, shared by training and prediction."""
from __future__ import annotations

from typing import Any

import jax
import numpy as np

from lamina import data as data_mod


def gather_rows(tree: Any, idx: Any) -> Any:
    return jax.tree.map(lambda a: a[idx], tree)


def slice_rows(tree: Any, start: int, stop: int) -> Any:
    return jax.tree.map(lambda a: a[start:stop], tree)


def expand_1d(arrays: Any) -> Any:
    """A 1-D input becomes one feature column, as tf.keras does (`fit(xs, ys)` with
    `xs` of shape `(n,)` and `Dense(1, input_shape=[1])`)."""
    expand = lambda a: a[:, None] if getattr(a, "ndim", 2) == 1 else a  # noqa: E731
    if isinstance(arrays, data_mod.Arrays):
        return arrays._replace(x=jax.tree.map(expand, arrays.x))
    return jax.tree.map(expand, arrays)


def host_logs(names: list[str], values: Any) -> dict[str, float]:
    """The logs of one program call, in one transfer."""
    return {k: float(v) for k, v in zip(names, jax.device_get(values))}


def check_batch_size(batch_size: Any, what: str) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size <= 0:
        raise ValueError(f"{what} must be a positive integer, but received {batch_size!r}. "
                         f"Use e.g. {what}=32.")
    return int(batch_size)
