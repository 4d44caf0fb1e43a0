"""Max pooling as the maximum of strided slices, whose gradient stays elementwise.

`lax.reduce_window(x, -inf, max, ...)` differentiates into `select_and_scatter_add`,
which XLA:CPU runs as a slow scalar loop: on the book's CIFAR CNN the backward pass of one
2x2 pooling layer took ~160 ms against ~2 ms for this formulation (benchmarks/RESULTS.md,
issue 9). Here each window offset is one strided slice of the (padded) input and the
output is their elementwise maximum, so the gradient is selects and pads that fuse.
Where several inputs of a window tie for the maximum, the gradient is shared among them
(a `reduce_window` gradient gives it to one); after a ReLU the tied zeros get no gradient
either way.
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

import jax.numpy as jnp
from jax import lax

Array = Any


def max_pool(x: Array, window: Sequence[int], strides: Sequence[int],
             padding: str) -> Array:
    """The maximum over windows of the spatial axes of channels-last `x`.

    Args:
        x: `(batch, *spatial, channels)` floats.
        window: the window size per spatial axis.
        strides: the step per spatial axis.
        padding: `"VALID"` or `"SAME"` (TensorFlow's rule; padded entries never win).

    Returns:
        `(batch, *out_spatial, channels)`.

    Example:
        >>> x = jnp.array([1.0, 5.0, 2.0, 0.0, 3.0]).reshape(1, 5, 1)
        >>> max_pool(x, (2,), (2,), "VALID")[0, :, 0].tolist()
        [5.0, 2.0]
        >>> max_pool(x, (2,), (2,), "SAME")[0, :, 0].tolist()
        [5.0, 2.0, 3.0]
    """
    window, strides = tuple(window), tuple(strides)
    pads = lax.padtype_to_pads(x.shape[1:-1], window, strides, padding)
    if any(lo or hi for lo, hi in pads):
        x = jnp.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), constant_values=-jnp.inf)
    sizes = x.shape[1:-1]
    out = [(n - w) // s + 1 for n, w, s in zip(sizes, window, strides)]
    result = None
    for offset in itertools.product(*(range(w) for w in window)):
        start = (0,) + offset + (0,)
        limit = (x.shape[0],) + tuple(o + (m - 1) * s + 1 for o, m, s in
                                      zip(offset, out, strides)) + (x.shape[-1],)
        part = lax.slice(x, start, limit, (1,) + strides + (1,))
        result = part if result is None else jnp.maximum(result, part)
    return result
