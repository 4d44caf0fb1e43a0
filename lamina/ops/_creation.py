"""Tensor creation in Keras 3's NumPy set: ranges, constants, windows, matrices.

Floats default to float32 (Keras's floatx) and integer ranges to int32.

Example:
    >>> from lamina import ops
    >>> ops.arange(3).dtype.name, ops.ones((2,)).dtype.name, ops.eye(2).tolist()
    ('int32', 'float32', [[1.0, 0.0], [0.0, 1.0]])
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops._op import Tensor, floatx_dtype, op, standardize_dtype


def _shape(shape: Any) -> tuple:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


@op
def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> jax.Array:
    """Evenly spaced values in `[start, stop)` (int32 for integer bounds)."""
    if dtype is None:
        values = [v for v in (start, stop, step) if v is not None]
        dtype = jnp.result_type(*[jnp.asarray(v) for v in values])
    return jnp.arange(start, stop, step, dtype=standardize_dtype(dtype))


@op
def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0) -> Any:
    """`num` evenly spaced values from `start` to `stop`."""
    return jnp.linspace(start, stop, num=num, endpoint=endpoint, retstep=retstep,
                        dtype=floatx_dtype(dtype) if dtype is None else
                        standardize_dtype(dtype), axis=axis)


@op
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10,
             dtype: Any = None, axis: int = 0) -> jax.Array:
    """`num` values spaced evenly on a log scale, `base**start` to `base**stop`."""
    return jnp.logspace(start, stop, num=num, endpoint=endpoint, base=base,
                        dtype=floatx_dtype(dtype), axis=axis)


@op
def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
              dtype: Any = None, axis: int = 0) -> jax.Array:
    """`num` values spaced evenly on a log scale from `start` to `stop`."""
    return jnp.geomspace(start, stop, num=num, endpoint=endpoint, dtype=floatx_dtype(dtype),
                         axis=axis)


@op
def zeros(shape: Any, dtype: Any = None) -> jax.Array:
    """A tensor of zeros."""
    return jnp.zeros(_shape(shape), floatx_dtype(dtype))


@op
def ones(shape: Any, dtype: Any = None) -> jax.Array:
    """A tensor of ones."""
    return jnp.ones(_shape(shape), floatx_dtype(dtype))


@op
def empty(shape: Any, dtype: Any = None) -> jax.Array:
    """An uninitialized tensor (zeros in XLA)."""
    return jnp.empty(_shape(shape), floatx_dtype(dtype))


@op
def full(shape: Any, fill_value: Any, dtype: Any = None) -> jax.Array:
    """A tensor filled with `fill_value`."""
    return jnp.full(_shape(shape), fill_value, standardize_dtype(dtype))


def _like(name: str, fn: Callable[..., Any], doc: str) -> Callable[..., Any]:
    def function(x: Tensor, dtype: Any = None) -> jax.Array:
        return fn(x, dtype=standardize_dtype(dtype))
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return op(function)


zeros_like = _like("zeros_like", jnp.zeros_like, "Zeros with the shape (and dtype) of `x`.")
ones_like = _like("ones_like", jnp.ones_like, "Ones with the shape (and dtype) of `x`.")
empty_like = _like("empty_like", jnp.empty_like,
                   "An uninitialized tensor with the shape of `x`.")


@op
def full_like(x: Tensor, fill_value: Any, dtype: Any = None) -> jax.Array:
    """`fill_value` with the shape (and dtype) of `x`."""
    return jnp.full_like(x, fill_value, dtype=standardize_dtype(dtype))


@op
def array(x: Any, dtype: Any = None) -> jax.Array:
    """`x` as a tensor."""
    return jnp.array(x, dtype=standardize_dtype(dtype))


@op
def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> jax.Array:  # noqa: N803
    """A matrix with ones on the `k`-th diagonal."""
    return jnp.eye(N, M, k=k, dtype=floatx_dtype(dtype))


@op
def identity(n: int, dtype: Any = None) -> jax.Array:
    """The `n` by `n` identity matrix."""
    return jnp.identity(n, dtype=floatx_dtype(dtype))


@op
def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> jax.Array:  # noqa: N803
    """A matrix with ones at and below the `k`-th diagonal."""
    return jnp.tri(N, M, k=k, dtype=floatx_dtype(dtype))


@op
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> jax.Array:  # noqa: N803
    """The Vandermonde matrix of `x`."""
    return jnp.vander(x, N=N, increasing=increasing)


def _window(name: str, fn: Callable[[int], Any], doc: str) -> Callable[..., Any]:
    def function(x: int) -> jax.Array:
        return fn(int(x)).astype(jnp.float32)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return op(function)


bartlett = _window("bartlett", jnp.bartlett, "The Bartlett window of length `x`.")
blackman = _window("blackman", jnp.blackman, "The Blackman window of length `x`.")
hamming = _window("hamming", jnp.hamming, "The Hamming window of length `x`.")
hanning = _window("hanning", jnp.hanning, "The Hann window of length `x`.")


@op
def kaiser(x: int, beta: float) -> jax.Array:
    """The Kaiser window of length `x` and shape `beta`."""
    return jnp.kaiser(int(x), beta).astype(jnp.float32)


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = None,
              signature: str | None = None) -> Callable[..., Any]:
    """`pyfunc` made to map over the leading axes of its arguments (`jax.numpy.vectorize`).

    Example:
        >>> f = vectorize(lambda a, b: a + b)
        >>> f(jnp.ones(3), 2.0).tolist()
        [3.0, 3.0, 3.0]
    """
    return jnp.vectorize(pyfunc, excluded=excluded or frozenset(), signature=signature)
