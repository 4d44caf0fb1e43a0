"""What makes a function a `keras.ops` op: symbolic calls, Variables, clear errors.

`@op` wraps a function of arrays written with `jax.numpy`/`jax.nn`/`jax.lax`:
- called on a `KerasTensor` (a functional graph under construction), it records an
  operation of the graph instead (`lamina.backend._operation`) and returns symbolic
  outputs of the right shape and dtype;
- Variables among the arguments are read (inside `fit`, from the step's arrays);
- when JAX rejects the arguments, a list of arrays of different shapes or string
  data gets an error that names what was wrong and how to fix it.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend._operation import register_function, symbolic_call
from lamina.backend._tree import is_symbolic
from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.variable import Variable

F = TypeVar("F", bound=Callable[..., Any])

Tensor = Any  # a JAX array, NumPy array, Variable, Python number or nested list


def read(value: Any) -> Any:
    """`value` with Variables replaced by their arrays (in plain lists and tuples too)."""
    if isinstance(value, Variable):
        return value.value
    if type(value) in (list, tuple):
        items = [read(v) for v in value]
        return type(value)(items)
    return value


# Parameters that take a tensor: a Python list given there is converted first, as
# Keras's `convert_to_tensor` does (JAX refuses lists).
_TENSOR_PARAMS = frozenset({
    "x", "x1", "x2", "y", "a", "b", "inputs", "images", "target", "output", "data",
    "condition", "values", "indices", "updates", "predictions", "targets", "logits", "query",
    "key", "value", "array", "sorted_sequence", "kernel", "mean", "variance", "segment_ids",
    "bins", "weights", "coordinates", "transform", "image1", "image2", "tensor", "abs_",
    "angle", "volumes", "start_points", "end_points", "q", "repeats"})


def _from_list(value: Any) -> Any:
    """A list of numbers (or of lists of numbers) as a NumPy array; anything else as is."""
    if type(value) is not list:
        return value
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return value  # ragged: the op's own error says which shapes
    return array if array.dtype.kind in "biuf" else value


def op(fn: F, name: str | None = None) -> F:
    """Make `fn` a Keras op (see the module docstring); it keeps its name and signature
    (`name`, if given, is the op's name in graphs and error messages).

    Example:
        >>> @op
        ... def twice(x):
        ...     return jnp.multiply(x, 2)
        >>> import lamina as keras
        >>> twice(jnp.ones(2)).tolist(), twice(keras.Input((3,))).shape
        ([2.0, 2.0], (None, 3))
    """
    name = name or fn.__name__
    register_function(name, fn)
    params = list(inspect.signature(fn).parameters.values())
    positional = [p.name in _TENSOR_PARAMS for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if is_symbolic((args, kwargs)):
            return symbolic_call(name, args, kwargs)
        args = tuple(_from_list(read(a)) if i < len(positional) and positional[i]
                     else read(a) for i, a in enumerate(args))
        kwargs = {k: _from_list(read(v)) if k in _TENSOR_PARAMS else read(v)
                  for k, v in kwargs.items()}
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as err:
            better = explain(name, args, kwargs, err)
            if better is None:
                raise
            raise better from err

    return wrapper  # type: ignore[return-value]


def explain(name: str, args: tuple, kwargs: dict, err: Exception) -> Exception | None:
    """A clearer error for strings and for lists of mixed shapes, else None."""
    values = list(args) + list(kwargs.values())
    for value in values:
        kind = _string_kind(value)
        if kind is not None:
            return TypeError(
                f"keras.ops.{name} received {kind}. Ops compute on numbers only: turn the "
                "strings into numbers first (a vocabulary dict, or keras.layers.StringLookup"
                " / TextVectorization) and pass the resulting integer array.")
    for value in values:
        shapes = _item_shapes(value)
        if shapes is not None and len(set(shapes)) > 1:
            shown = ", ".join(str(s) for s in shapes)
            return ValueError(
                f"keras.ops.{name} received a Python list of {len(shapes)} tensors of "
                f"different shapes {shown} and failed ({err}). Give every item the same "
                "shape (pad or crop them, e.g. with keras.utils.pad_sequences), or pass "
                "the tensors as separate arguments.")
    return None


def _string_kind(value: Any) -> str | None:
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "USO":
        if value.dtype.kind == "O" and not any(isinstance(v, (str, bytes))
                                               for v in np.ravel(value)[:20]):
            return None
        return f"a string array (dtype {value.dtype}, shape {np.shape(value)})"
    if type(value) in (list, tuple) and value and any(
            isinstance(leaf, (str, bytes)) for leaf in _leaves(value)):
        return f"a Python {type(value).__name__} holding strings ({_short(value)})"
    return None


def _item_shapes(value: Any) -> list[tuple] | None:
    if type(value) not in (list, tuple) or len(value) < 2:
        return None
    shapes = []
    for item in value:
        if isinstance(item, (np.ndarray, jax.Array, np.generic, int, float, bool)):
            shapes.append(tuple(np.shape(item)))
        elif type(item) in (list, tuple):
            try:
                shapes.append(tuple(np.shape(np.asarray(item, dtype=float))))
            except (TypeError, ValueError):
                shapes.append(("ragged",))
        else:
            return None
    return shapes


def _leaves(value: Any) -> list:
    if type(value) in (list, tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def floatx_dtype(dtype: Any) -> Any:
    """`dtype` as a NumPy dtype, float32 (Keras's floatx) when None."""
    return np.dtype("float32" if dtype is None else standardize_dtype(dtype))


def standardize_dtype(dtype: Any) -> str | None:
    """A dtype name (`"float32"`) from a name, a NumPy/JAX dtype or a Python type.

    Example:
        >>> standardize_dtype(float), standardize_dtype(jnp.int32), standardize_dtype(None)
        ('float32', 'int32', None)
    """
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in ("string", "str"):
        raise TypeError("Lamina's ops compute on numbers; the 'string' dtype is not "
                        "supported. Turn strings into integer ids first.")
    try:
        name = str(np.dtype(dtype))
    except TypeError:
        name = str(np.dtype(dtype.dtype))
    if not jax.config.jax_enable_x64:
        name = {"float64": "float32", "int64": "int32", "uint64": "uint32",
                "complex128": "complex64"}.get(name, name)
    return name


def as_tensor(x: Any, dtype: Any = None) -> jax.Array:
    """`x` as a JAX array (Python floats as float32, ints as int32)."""
    if isinstance(x, KerasTensor):
        raise TypeError("as_tensor received a symbolic tensor; call it through an op.")
    return jnp.asarray(read(x), dtype=None if dtype is None else standardize_dtype(dtype))
