"""Eager results that answer `.numpy()`, as tf.keras's eager tensors do.

Course code writes `loss_fn(y_true, y_pred).numpy()` and `metric.result().numpy()`.
Outside a compiled step Lamina returns such values as a NumPy array that also has a
`numpy()` method; inside one (under `jax.jit`) they stay JAX arrays.
"""
from __future__ import annotations

from typing import Any

import jax
import numpy as np


class HostArray(np.ndarray):
    """A NumPy array with tf.keras's `.numpy()`.

    Example:
        >>> value = to_host(np.float32(0.75))
        >>> value.numpy(), float(value)
        (array(0.75, dtype=float32), 0.75)
    """

    def numpy(self) -> np.ndarray:
        return np.asarray(self)

    def __repr__(self) -> str:
        return repr(np.asarray(self))


def to_host(value: Any) -> Any:
    """`value` as a `HostArray`, unless it is being traced (then unchanged)."""
    if isinstance(value, jax.core.Tracer):
        return value
    return np.asarray(value).view(HostArray)
