"""The activation functions of Keras 3's neural-network set, from `jax.nn`.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> ops.relu(jnp.array([-1.0, 2.0])).tolist(), ops.softmax(jnp.zeros(2)).tolist()
    ([0.0, 2.0], [0.5, 0.5])
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax import nn as jnn

from lamina.ops._op import Tensor, op

_PLAIN: dict[str, tuple[Callable[[Any], Any], str]] = {
    "relu": (jnn.relu, "max(x, 0)"),
    "relu6": (jnn.relu6, "min(max(x, 0), 6)"),
    "sigmoid": (jnn.sigmoid, "1 / (1 + exp(-x))"),
    "sparse_sigmoid": (jnn.sparse_sigmoid, "the piecewise-linear sigmoid clip((x + 1) / 2, 0, 1)"),
    "tanh_shrink": (lambda x: jnp.asarray(x) - jnp.tanh(x), "x - tanh(x)"),
    "softplus": (jnn.softplus, "log(1 + exp(x))"),
    "softsign": (jnn.soft_sign, "x / (1 + |x|)"),
    "sparse_plus": (jnn.sparse_plus, "the piecewise-quadratic softplus"),
    "silu": (jnn.silu, "x * sigmoid(x)"),
    "swish": (jnn.silu, "x * sigmoid(x) (the same as silu)"),
    "log_sigmoid": (jnn.log_sigmoid, "log(sigmoid(x))"),
    "hard_sigmoid": (jnn.hard_sigmoid, "relu6(x + 3) / 6"),
    "hard_silu": (jnn.hard_silu, "x * hard_sigmoid(x)"),
    "hard_swish": (jnn.hard_silu, "x * hard_sigmoid(x) (the same as hard_silu)"),
    "selu": (jnn.selu, "the scaled exponential linear unit"),
    "hard_tanh": (jnn.hard_tanh, "clip(x, -1, 1)"),
}


def _plain(name: str, fn: Callable[[Any], Any], what: str) -> Callable[..., Any]:
    def function(x: Tensor) -> jax.Array:
        return fn(jnp.asarray(x, jnp.result_type(x, jnp.float32)))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`keras.ops.{name}(x)`: {what}, elementwise (`jax.nn`)."
    return op(function)


OPS: dict[str, Callable[..., Any]] = {name: _plain(name, fn, what)
                                      for name, (fn, what) in _PLAIN.items()}
globals().update(OPS)


@op
def leaky_relu(x: Tensor, negative_slope: float = 0.2) -> jax.Array:
    """`x` where positive, `negative_slope * x` elsewhere."""
    return jnn.leaky_relu(x, negative_slope=negative_slope)


@op
def elu(x: Tensor, alpha: float = 1.0) -> jax.Array:
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere."""
    return jnn.elu(x, alpha=alpha)


@op
def celu(x: Tensor, alpha: float = 1.0) -> jax.Array:
    """The continuously differentiable exponential linear unit."""
    return jnn.celu(x, alpha=alpha)


@op
def gelu(x: Tensor, approximate: bool = True) -> jax.Array:
    """The Gaussian error linear unit (tanh approximation by default, as Keras)."""
    return jnn.gelu(x, approximate=approximate)


@op
def glu(x: Tensor, axis: int = -1) -> jax.Array:
    """The gated linear unit: the first half of `axis` times sigmoid of the second."""
    return jnn.glu(x, axis=axis)


@op
def soft_shrink(x: Tensor, threshold: float = 0.5) -> jax.Array:
    """`x` moved towards 0 by `threshold`, and 0 within it."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x - threshold,
                     jnp.where(x < -threshold, x + threshold, jnp.zeros_like(x)))


@op
def hard_shrink(x: Tensor, threshold: float = 0.5) -> jax.Array:
    """`x` where `|x| > threshold`, else 0."""
    x = jnp.asarray(x)
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


@op
def threshold(x: Tensor, threshold: float, default_value: float) -> jax.Array:
    """`x` where `x > threshold`, else `default_value`."""
    x = jnp.asarray(x)
    return jnp.where(x > threshold, x, default_value)


@op
def squareplus(x: Tensor, b: float = 4) -> jax.Array:
    """`(x + sqrt(x**2 + b)) / 2`."""
    return jnn.squareplus(x, b=b)


@op
def softmax(x: Tensor, axis: int = -1) -> jax.Array:
    """`exp(x)` normalized to sum to 1 along `axis`."""
    return jnn.softmax(x, axis=axis)


@op
def log_softmax(x: Tensor, axis: int = -1) -> jax.Array:
    """The logarithm of `softmax`, computed stably."""
    return jnn.log_softmax(x, axis=axis)


@op
def sparsemax(x: Tensor, axis: int = -1) -> jax.Array:
    """The Euclidean projection of `x` onto the probability simplex along `axis`.

    Example:
        >>> sparsemax(jnp.array([1.0, 0.0, -1.0])).tolist()
        [1.0, 0.0, 0.0]
    """
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    moved = jnp.moveaxis(x, axis, -1)
    ranked = -jnp.sort(-moved, axis=-1)
    cumulative = jnp.cumsum(ranked, axis=-1)
    k = jnp.arange(1, moved.shape[-1] + 1, dtype=moved.dtype)
    support = ranked - (cumulative - 1) / k > 0
    size = jnp.sum(support, axis=-1, keepdims=True)
    tau = (jnp.take_along_axis(cumulative, size.astype(jnp.int32) - 1, axis=-1) - 1) / size
    return jnp.moveaxis(jnp.maximum(moved - tau, 0.0), -1, axis)
