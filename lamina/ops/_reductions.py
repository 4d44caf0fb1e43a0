"""Reductions, statistics, sorting and searching of Keras 3's NumPy set.

Each op is its `jax.numpy` counterpart with Keras's signature; `axis` may be an int,
a tuple or a list. Integer inputs to means and variances give float32, as in Keras.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> x = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    >>> ops.mean(x, axis=0).tolist(), ops.argmax(x, axis=1).tolist(), ops.std(x).item()
    ([2.0, 3.0], [1, 1], 1.1180340051651)
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina.ops._op import Tensor, op, standardize_dtype

Axis = Any  # None, an int, or a tuple/list of ints


def _axis(axis: Axis) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _float(x: Any) -> jax.Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


@op
def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:  # noqa: A001
    """The sum over `axis` (all axes by default)."""
    return jnp.sum(x, axis=_axis(axis), keepdims=keepdims)


@op
def prod(x: Tensor, axis: Axis = None, keepdims: bool = False, dtype: Any = None) -> jax.Array:
    """The product over `axis`."""
    return jnp.prod(x, axis=_axis(axis), keepdims=keepdims, dtype=standardize_dtype(dtype))


@op
def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The arithmetic mean over `axis` (float32 for integer inputs).

    Example:
        >>> mean(jnp.array([1, 2])).item()
        1.5
    """
    return jnp.mean(_float(x), axis=_axis(axis), keepdims=keepdims)


@op
def median(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The median over `axis`."""
    return jnp.median(_float(x), axis=_axis(axis), keepdims=keepdims)


@op
def std(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The population standard deviation over `axis`."""
    return jnp.std(_float(x), axis=_axis(axis), keepdims=keepdims)


@op
def var(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The population variance over `axis`."""
    return jnp.var(_float(x), axis=_axis(axis), keepdims=keepdims)


@op
def max(x: Tensor, axis: Axis = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None) -> jax.Array:
    """The maximum over `axis` (`initial` is a lower bound, for empty inputs)."""
    return jnp.max(x, axis=_axis(axis), keepdims=keepdims, initial=initial)


@op
def min(x: Tensor, axis: Axis = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None) -> jax.Array:
    """The minimum over `axis`."""
    return jnp.min(x, axis=_axis(axis), keepdims=keepdims, initial=initial)


@op
def amax(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The maximum over `axis`."""
    return jnp.amax(x, axis=_axis(axis), keepdims=keepdims)


@op
def amin(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """The minimum over `axis`."""
    return jnp.amin(x, axis=_axis(axis), keepdims=keepdims)


@op
def ptp(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
    """Maximum minus minimum over `axis`."""
    return jnp.ptp(x, axis=_axis(axis), keepdims=keepdims)


@op
def all(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:  # noqa: A001
    """Whether every element over `axis` is true."""
    return jnp.all(x, axis=_axis(axis), keepdims=keepdims)


@op
def any(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:  # noqa: A001
    """Whether some element over `axis` is true."""
    return jnp.any(x, axis=_axis(axis), keepdims=keepdims)


@op
def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """The index of the largest element along `axis` (of the flattened input if None)."""
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype(jnp.int32)


@op
def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """The index of the smallest element along `axis`."""
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype(jnp.int32)


@op
def average(x: Tensor, axis: Axis = None, weights: Tensor | None = None) -> jax.Array:
    """The (weighted) average over `axis`."""
    return jnp.average(_float(x), axis=_axis(axis), weights=weights)


@op
def count_nonzero(x: Tensor, axis: Axis = None) -> jax.Array:
    """How many elements over `axis` are non-zero (int32)."""
    return jnp.count_nonzero(x, axis=_axis(axis)).astype(jnp.int32)


@op
def cumsum(x: Tensor, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """The cumulative sum along `axis` (of the flattened input if None)."""
    return jnp.cumsum(x, axis=axis, dtype=standardize_dtype(dtype))


@op
def cumprod(x: Tensor, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """The cumulative product along `axis`."""
    return jnp.cumprod(x, axis=axis, dtype=standardize_dtype(dtype))


@op
def quantile(x: Tensor, q: Tensor, axis: Axis = None, method: str = "linear",
             keepdims: bool = False) -> jax.Array:
    """The `q`-th quantiles (`q` in [0, 1]) over `axis`."""
    return jnp.quantile(_float(x), jnp.asarray(q), axis=_axis(axis), method=method,
                        keepdims=keepdims)


@op
def percentile(x: Tensor, q: Tensor, axis: Axis = None, method: str = "linear",
               keepdims: bool = False) -> jax.Array:
    """The `q`-th percentiles (`q` in [0, 100]) over `axis`."""
    return jnp.percentile(_float(x), jnp.asarray(q), axis=_axis(axis), method=method,
                          keepdims=keepdims)


# -- NaN-ignoring forms ------------------------------------------------------------
def _nan_reduction(name: str, fn: Any, doc: str) -> Any:
    def function(x: Tensor, axis: Axis = None, keepdims: bool = False) -> jax.Array:
        return fn(_float(x) if name in ("nanmean", "nanstd", "nanvar", "nanmedian") else x,
                  axis=_axis(axis), keepdims=keepdims)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return op(function)


nanmax = _nan_reduction("nanmax", jnp.nanmax, "The maximum over `axis`, ignoring NaN.")
nanmin = _nan_reduction("nanmin", jnp.nanmin, "The minimum over `axis`, ignoring NaN.")
nanmean = _nan_reduction("nanmean", jnp.nanmean, "The mean over `axis`, ignoring NaN.")
nanmedian = _nan_reduction("nanmedian", jnp.nanmedian,
                           "The median over `axis`, ignoring NaN.")
nanprod = _nan_reduction("nanprod", jnp.nanprod,
                         "The product over `axis`, NaN counted as 1.")
nanstd = _nan_reduction("nanstd", jnp.nanstd,
                        "The standard deviation over `axis`, ignoring NaN.")
nansum = _nan_reduction("nansum", jnp.nansum, "The sum over `axis`, NaN counted as 0.")
nanvar = _nan_reduction("nanvar", jnp.nanvar, "The variance over `axis`, ignoring NaN.")


@op
def nanargmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """The index of the largest element along `axis`, ignoring NaN."""
    return jnp.nanargmax(x, axis=axis, keepdims=keepdims).astype(jnp.int32)


@op
def nanargmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> jax.Array:
    """The index of the smallest element along `axis`, ignoring NaN."""
    return jnp.nanargmin(x, axis=axis, keepdims=keepdims).astype(jnp.int32)


@op
def nancumsum(x: Tensor, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """The cumulative sum along `axis`, NaN counted as 0."""
    return jnp.nancumsum(x, axis=axis, dtype=standardize_dtype(dtype))


@op
def nancumprod(x: Tensor, axis: int | None = None, dtype: Any = None) -> jax.Array:
    """The cumulative product along `axis`, NaN counted as 1."""
    return jnp.nancumprod(x, axis=axis, dtype=standardize_dtype(dtype))


@op
def nanquantile(x: Tensor, q: Tensor, axis: Axis = None, method: str = "linear",
                keepdims: bool = False) -> jax.Array:
    """The `q`-th quantiles over `axis`, ignoring NaN."""
    return jnp.nanquantile(_float(x), jnp.asarray(q), axis=_axis(axis), method=method,
                           keepdims=keepdims)


@op
def nanpercentile(x: Tensor, q: Tensor, axis: Axis = None, method: str = "linear",
                  keepdims: bool = False) -> jax.Array:
    """The `q`-th percentiles over `axis`, ignoring NaN."""
    return jnp.nanpercentile(_float(x), jnp.asarray(q), axis=_axis(axis), method=method,
                             keepdims=keepdims)


# -- sorting and searching -------------------------------------------------------------
@op
def sort(x: Tensor, axis: int = -1) -> jax.Array:
    """`x` sorted along `axis`."""
    return jnp.sort(x, axis=axis)


@op
def argsort(x: Tensor, axis: int = -1) -> jax.Array:
    """The indices that sort `x` along `axis` (int32)."""
    return jnp.argsort(x, axis=axis).astype(jnp.int32)


@op
def argpartition(x: Tensor, kth: int, axis: int = -1) -> jax.Array:
    """Indices that put the `kth` element in its sorted place, smaller ones before it."""
    if axis is None:
        return jnp.argpartition(jnp.ravel(x), kth, axis=0)
    return jnp.argpartition(x, kth, axis=axis)


@op
def searchsorted(sorted_sequence: Tensor, values: Tensor, side: str = "left") -> jax.Array:
    """Where `values` would go in the 1-D `sorted_sequence` to keep it sorted."""
    sorted_sequence = jnp.asarray(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError("searchsorted needs a 1-D sorted_sequence, but received shape "
                         f"{sorted_sequence.shape}. Use keras.ops.vectorized_map for more.")
    return jnp.searchsorted(sorted_sequence, values, side=side).astype(jnp.int32)


@op
def digitize(x: Tensor, bins: Tensor) -> jax.Array:
    """The index of the bin of `bins` each element of `x` falls in (int32)."""
    return jnp.digitize(x, jnp.asarray(bins)).astype(jnp.int32)


@op
def unique(x: Tensor, sorted: bool = True, return_index: bool = False,  # noqa: A002
           return_inverse: bool = False, return_counts: bool = False, axis: Any = None,
           size: int | None = None, fill_value: Any = None) -> Any:
    """The unique elements (give `size` to use it inside compiled code)."""
    return jnp.unique(x, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis, size=size,
                      fill_value=fill_value, sorted=sorted)


@op
def nonzero(x: Tensor) -> tuple:
    """The indices of the non-zero elements, one array per axis (eager only)."""
    return tuple(i.astype(jnp.int32) for i in jnp.nonzero(x))


@op
def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0,
             sparse: bool = False) -> jax.Array:
    """How often each non-negative integer occurs (per row for 2-D `x`)."""
    if sparse:
        raise ValueError("bincount(sparse=True) is not supported: Lamina's tensors are "
                         "dense. Call it with sparse=False.")
    x = jnp.asarray(x)
    length = int(jnp.max(x)) + 1 if x.size else 0
    length = length if length > minlength else minlength
    if x.ndim == 2:
        w = None if weights is None else jnp.asarray(weights)
        return jnp.stack([jnp.bincount(row, None if w is None else w[i], length=length)
                          for i, row in enumerate(x)])
    return jnp.bincount(x, weights, length=length)


@op
def histogram(x: Tensor, bins: int = 10, range: Any = None) -> tuple:  # noqa: A002
    """`(counts, bin_edges)` of the values of `x`."""
    return jnp.histogram(x, bins=bins, range=range)


@op
def isin(x1: Tensor, x2: Tensor, assume_unique: bool = False, invert: bool = False) -> jax.Array:
    """Whether each element of `x1` occurs in `x2`."""
    return jnp.isin(x1, x2, assume_unique=assume_unique, invert=invert)


@op
def where(condition: Tensor, x1: Tensor | None = None, x2: Tensor | None = None) -> Any:
    """`x1` where `condition` holds, else `x2`; with `condition` alone, its indices."""
    if x1 is None and x2 is None:
        return tuple(i.astype(jnp.int32) for i in jnp.nonzero(condition))
    if x1 is None or x2 is None:
        raise ValueError("where needs both x1 and x2 (or neither), but received only one.")
    return jnp.where(condition, x1, x2)


@op
def select(condlist: Any, choicelist: Any, default: Any = 0) -> jax.Array:
    """For each element, the value of the first choice whose condition holds."""
    return jnp.select(list(condlist), list(choicelist), default=default)


@op
def take(x: Tensor, indices: Tensor, axis: int | None = None) -> jax.Array:
    """The elements of `x` at `indices` along `axis` (of the flattened input if None)."""
    return jnp.take(x, jnp.asarray(indices), axis=axis)


@op
def take_along_axis(x: Tensor, indices: Tensor, axis: int | None = None) -> jax.Array:
    """The elements of `x` at `indices` (of the same rank) along `axis`."""
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis)


# -- sums of products and other statistics -------------------------------------------
@op
def einsum(subscripts: str, *operands: Tensor, **kwargs: Any) -> jax.Array:
    """The Einstein summation `subscripts` of the operands."""
    return jnp.einsum(subscripts, *operands, **kwargs)


@op
def tensordot(x1: Tensor, x2: Tensor, axes: Any = 2) -> jax.Array:
    """The sum of products over `axes` (an int, or a pair of axis lists)."""
    return jnp.tensordot(x1, x2, axes=axes)


@op
def trace(x: Tensor, offset: int = 0, axis1: int = 0, axis2: int = 1) -> jax.Array:
    """The sum along a diagonal."""
    return jnp.trace(x, offset=offset, axis1=axis1, axis2=axis2)


@op
def cross(x1: Tensor, x2: Tensor, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> jax.Array:
    """The cross product of 2- or 3-vectors."""
    return jnp.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@op
def diff(a: Tensor, n: int = 1, axis: int = -1) -> jax.Array:
    """The `n`-th discrete difference along `axis`."""
    return jnp.diff(a, n=n, axis=axis)


@op
def correlate(x1: Tensor, x2: Tensor, mode: str = "valid") -> jax.Array:
    """The cross-correlation of two 1-D sequences."""
    return jnp.correlate(x1, x2, mode=mode)


@op
def corrcoef(x: Tensor) -> jax.Array:
    """The Pearson correlation matrix of the rows of `x`."""
    return jnp.corrcoef(x)


@op
def trapezoid(y: Tensor, x: Tensor | None = None, dx: float = 1.0, axis: int = -1) -> jax.Array:
    """The integral of `y` by the trapezoidal rule."""
    return jnp.trapezoid(y, x, dx=dx, axis=axis)
