"""Nested layer inputs (one array, a list/tuple, a dict): mapping, leaves, shapes.

Layers and models take one array or nested lists, tuples and dicts of them. These
helpers walk such structures the same way everywhere: dicts keep their keys (and
`flatten` visits them in sorted key order, as JAX does), and `None` is a leaf.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.keras_tensor import KerasTensor
from lamina.backend.variable import Variable


def map_structure(fn: Callable[[Any], Any], tree: Any) -> Any:
    """Apply `fn` to every leaf of nested lists, tuples and dicts (dicts keep keys).

    Example:
        >>> map_structure(lambda v: v * 2, {"a": [1, (2, 3)]})
        {'a': [2, (4, 6)]}
    """
    if isinstance(tree, dict):
        return {k: map_structure(fn, v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(map_structure(fn, v) for v in tree)
    return fn(tree)


def flatten(tree: Any) -> list:
    """The leaves of nested lists, tuples and dicts (dicts in sorted key order).

    Example:
        >>> flatten({"b": 1, "a": [2, 3]})
        [2, 3, 1]
    """
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in flatten(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for v in tree for leaf in flatten(v)]
    return [tree]


def pack_like(tree: Any, leaves: list) -> Any:
    """The inverse of `flatten`: `leaves` in the structure of `tree`.

    Example:
        >>> pack_like({"b": 0, "a": [0, 0]}, [2, 3, 1])
        {'b': 1, 'a': [2, 3]}
    """
    it = iter(leaves)
    def build(t: Any) -> Any:
        if isinstance(t, dict):
            filled = {k: build(t[k]) for k in sorted(t)}
            return {k: filled[k] for k in t}
        if isinstance(t, (list, tuple)):
            return type(t)(build(v) for v in t)
        return next(it)

    return build(tree)


def is_shape(value: Any) -> bool:
    """Whether `value` is one shape: a tuple of ints and Nones.

    Example:
        >>> is_shape((None, 3)), is_shape([(None, 3), (None, 2)])
        (True, False)
    """
    return isinstance(value, tuple) and all(d is None or isinstance(d, int) for d in value)


def map_shapes(fn: Callable[[tuple], Any], shapes: Any) -> Any:
    """Apply `fn` to each shape of one shape, or a list/dict of shapes.

    Example:
        >>> map_shapes(len, [(None, 3), {"a": (1, 2, 3)}])
        [2, {'a': 3}]
    """
    if is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return [map_shapes(fn, v) for v in shapes]


def symbolic_leaves(tree: Any) -> list[KerasTensor]:
    """The `KerasTensor`s in a tree, in `flatten` order."""
    return [t for t in flatten(tree) if isinstance(t, KerasTensor)]


def is_symbolic(x: Any) -> bool:
    """Whether a structure holds a `KerasTensor`."""
    return any(isinstance(t, KerasTensor) for t in flatten(x))


def shape_of(x: Any) -> Any:
    """The shapes of a structure of arrays: a tuple, or lists/dicts of tuples."""
    if isinstance(x, dict):
        return {k: shape_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [shape_of(v) for v in x]
    return tuple(x.shape)


def none_batch(shape: Any) -> Any:
    """The shapes with `None` for the batch dimension."""
    if isinstance(shape, dict):
        return {k: none_batch(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [none_batch(v) for v in shape]
    return (None,) + tuple(shape[1:]) if len(shape) else shape


def to_arrays(x: Any) -> Any:
    """Layer inputs as JAX arrays (Variables read, NumPy float64 and ints to float32)."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, dict):
        return {k: to_arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_arrays(v) for v in x)
    if isinstance(x, jax.Array):
        return x
    if x is None:
        return None
    arr = np.asarray(x)
    if arr.dtype.kind in "USO":  # strings stay on the host, for the host layers
        return arr
    if arr.dtype == np.float64 or arr.dtype.kind in "iub":
        arr = arr.astype(np.float32) if arr.dtype.kind != "b" else arr
    return jnp.asarray(arr)


def as_keras_shape(shape: Any) -> Any:
    """A list of one shape is that shape, as Keras reports single inputs."""
    if isinstance(shape, list) and len(shape) == 1:
        return shape[0]
    return shape
