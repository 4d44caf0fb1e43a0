"""Keras 3's core ops: conversion, shapes, control flow and indexing, on `jax.lax`.

Control flow takes Python functions of tensors (`cond`, `while_loop`, `fori_loop`,
`scan`, `map`, `switch`, `vectorized_map`); inside `fit` they compile into the
epoch's program like any other JAX code.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> ops.fori_loop(0, 3, lambda i, total: total + i, 0).item()
    3
    >>> ops.slice(jnp.arange(6).reshape(2, 3), (0, 1), (2, 2)).tolist()
    [[1, 2], [4, 5]]
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.variable import Variable
from lamina.ops._op import Tensor, op, read, standardize_dtype


def convert_to_tensor(x: Any, dtype: Any = None, sparse: bool | None = None,
                      ragged: bool | None = None) -> Any:
    """`x` as a JAX array (`dtype` if given); a symbolic tensor stays symbolic.

    Example:
        >>> convert_to_tensor([1, 2]).dtype.name, convert_to_tensor(1.5, "float16").dtype.name
        ('int32', 'float16')
    """
    if ragged:
        raise ValueError("convert_to_tensor(ragged=True) is not supported: Lamina's tensors "
                         "are dense. Pad the rows to one length (keras.utils.pad_sequences).")
    if isinstance(x, KerasTensor):
        return x if dtype is None or standardize_dtype(dtype) == x.dtype else cast(x, dtype)
    if hasattr(x, "toarray") and not isinstance(x, (np.ndarray, jax.Array)):
        x = x.toarray()  # scipy.sparse: dense
    return _to_tensor(x, dtype)


def _as_array(x: Any, dtype: Any = None) -> jax.Array:
    return jnp.asarray(read(x), dtype=standardize_dtype(dtype))


_to_tensor = op(_as_array, name="convert_to_tensor")


def convert_to_numpy(x: Any) -> np.ndarray:
    """`x` as a NumPy array (a copy).

    Example:
        >>> convert_to_numpy(jnp.ones(2)).tolist()
        [1.0, 1.0]
    """
    if isinstance(x, KerasTensor):
        raise TypeError(f"convert_to_numpy received the symbolic tensor {x.name!r} (shape "
                        f"{x.shape}), which has no values. Call the model on data first.")
    return np.array(x.value if isinstance(x, Variable) else x)


def is_tensor(x: Any) -> bool:
    """Whether `x` is a backend tensor (a JAX array, traced or not).

    Example:
        >>> is_tensor(jnp.ones(1)), is_tensor(np.ones(1))
        (True, False)
    """
    return isinstance(x, jax.Array)


def shape(x: Any) -> tuple:
    """The shape of `x` as a tuple (`None` for unknown symbolic dimensions).

    Example:
        >>> shape(jnp.ones((2, 3)))
        (2, 3)
    """
    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


def dtype(x: Any) -> str:
    """The dtype name of `x`, e.g. `'float32'`.

    Example:
        >>> dtype(jnp.ones(1))
        'float32'
    """
    value = getattr(x, "dtype", None)
    return standardize_dtype(value if value is not None else np.asarray(x).dtype)


@op
def cast(x: Tensor, dtype: Any) -> jax.Array:
    """`x` converted to `dtype`."""
    return jnp.asarray(x).astype(standardize_dtype(dtype))


@op
def saturate_cast(x: Tensor, dtype: Any) -> jax.Array:
    """`x` clipped to the range of `dtype`, then converted (no wrap-around).

    Example:
        >>> saturate_cast(jnp.array([-1.0, 300.0]), "uint8").tolist()
        [0, 255]
    """
    x, target = jnp.asarray(x), np.dtype(standardize_dtype(dtype))
    info = np.iinfo(target) if np.issubdtype(target, np.integer) else np.finfo(target)
    if jnp.issubdtype(x.dtype, jnp.inexact) or info.max < np.iinfo(x.dtype).max:
        x = jnp.clip(x, info.min, info.max) if target != np.bool_ else x
    return x.astype(target)


@op
def cond(pred: Tensor, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """`true_fn()` if `pred` else `false_fn()`, both compiled (`jax.lax.cond`)."""
    return jax.lax.cond(pred, true_fn, false_fn)


@op
def switch(index: Tensor, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """`branches[index](*operands)` (`jax.lax.switch`)."""
    return jax.lax.switch(index, list(branches), *operands)


@op
def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (and fewer than
    `maximum_iterations` times); a tuple/list of loop variables is unpacked.

    Example:
        >>> while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1))
        (Array(3, dtype=int32, weak_type=True), Array(8, dtype=int32, weak_type=True))
    """
    packed = isinstance(loop_vars, (tuple, list))
    state = tuple(read(loop_vars)) if packed else (read(loop_vars),)

    def body_fn(carry: tuple) -> tuple:
        out = body(*carry[:-1])
        return (tuple(out) if packed else (out,)) + (carry[-1] + 1,)

    def cond_fn(carry: tuple) -> Any:
        keep = cond(*carry[:-1])
        return keep if maximum_iterations is None else keep & (carry[-1] < maximum_iterations)

    out = jax.lax.while_loop(cond_fn, body_fn, state + (0,))[:-1]
    return (type(loop_vars)(out) if packed else out[0])


@op
def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any],
              init_val: Any) -> Any:
    """`init_val` updated by `body_fun(i, value)` for `i` in `[lower, upper)`
    (`jax.lax.fori_loop`)."""
    return jax.lax.fori_loop(lower, upper, body_fun, read(init_val))


@op
def scan(f: Callable[[Any, Any], tuple], init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int | bool = 1) -> tuple:
    """`(final_carry, stacked_ys)` of `carry, y = f(carry, x)` over `xs` (`jax.lax.scan`).

    Example:
        >>> carry, ys = scan(lambda c, x: (c + x, c * x), 0.0, jnp.array([1.0, 2.0, 3.0]))
        >>> carry.item(), ys.tolist()
        (6.0, [0.0, 2.0, 9.0])
    """
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan needs unroll to be a positive int or a bool, but received "
                         f"unroll={unroll!r}.")
    return jax.lax.scan(f, read(init), read(xs), length=length, reverse=reverse,
                        unroll=unroll)


@op
def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 (Keras's name)
    """`f` applied to each slice of `xs` along its first axis (`jax.lax.map`)."""
    return jax.lax.map(f, read(xs))


@op
def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False,
                     axis: int = 0) -> Any:
    """The prefix scan of the associative `f` over `elems` (`jax.lax.associative_scan`)."""
    return jax.lax.associative_scan(f, read(elems), reverse=reverse, axis=axis)


@op
def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """`function` mapped over the first axis of `elements` (`jax.vmap`).

    Example:
        >>> vectorized_map(lambda row: row.sum(), jnp.ones((3, 2))).tolist()
        [2.0, 2.0, 2.0]
    """
    return jax.vmap(function)(read(elements))


def custom_gradient(f: Callable[..., tuple]) -> Callable[..., Any]:
    """Decorate `f(*args) -> (output, grad_fn)` so that `grad_fn(upstream)` gives the
    gradients (`jax.custom_gradient`).

    Example:
        >>> @custom_gradient
        ... def clipped_identity(x):
        ...     return x, lambda upstream: jnp.clip(upstream, -1.0, 1.0)
        >>> jax.grad(lambda x: 5.0 * clipped_identity(x))(2.0).item()
        1.0
    """
    wrapped = jax.custom_gradient(f)

    def call(*args: Any, **kwargs: Any) -> Any:
        return wrapped(*[read(a) for a in args], **{k: read(v) for k, v in kwargs.items()})

    call.__name__ = getattr(f, "__name__", "custom_gradient")
    call.__doc__ = f.__doc__
    return call


@op
def stop_gradient(variable: Tensor) -> jax.Array:
    """`variable` as a constant for differentiation."""
    return jax.lax.stop_gradient(variable)


@op
def slice(inputs: Tensor, start_indices: Any, shape: Any) -> jax.Array:  # noqa: A001
    """The block of `shape` starting at `start_indices` (-1 in `shape`: to the end)."""
    inputs = jnp.asarray(inputs)
    sizes = tuple(inputs.shape[i] - start_indices[i] if s == -1 else s
                  for i, s in enumerate(shape))
    return jax.lax.dynamic_slice(inputs, tuple(start_indices), sizes)


@op
def slice_update(inputs: Tensor, start_indices: Any, updates: Tensor) -> jax.Array:
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    inputs = jnp.asarray(inputs)
    return jax.lax.dynamic_update_slice(inputs, jnp.asarray(updates, inputs.dtype),
                                        tuple(start_indices))


@op
def scatter(indices: Tensor, values: Tensor, shape: Any) -> jax.Array:
    """Zeros of `shape` with `values` added at `indices` (`(..., rank)` coordinates)."""
    values = jnp.asarray(values)
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return jnp.zeros(tuple(shape), values.dtype).at[key].add(values)


@op
def scatter_update(inputs: Tensor, indices: Tensor, updates: Tensor,
                   reduction: str | None = None) -> jax.Array:
    """`inputs` with `updates` written (or added, maxed, ...) at `indices`."""
    key = tuple(jnp.transpose(jnp.asarray(indices)))
    at = jnp.asarray(inputs).at[key]
    methods = {None: at.set, "add": at.add, "max": at.max, "min": at.min,
               "mul": at.multiply}
    if reduction not in methods:
        raise ValueError(f"scatter_update reduction must be one of None, 'add', 'max', "
                         f"'min', 'mul', but received {reduction!r}.")
    return methods[reduction](updates)


@op
def unstack(x: Tensor, num: int | None = None, axis: int = 0) -> list:
    """The slices of `x` along `axis`, as a list."""
    x = jnp.asarray(x)
    return [jax.lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis])]
