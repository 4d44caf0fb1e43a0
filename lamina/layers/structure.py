"""Nested layer inputs (one array, a list, a dict): shapes, symbolic tensors, arrays."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.variable import Variable


def shape_of(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: shape_of(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [shape_of(v) for v in x]
    return tuple(x.shape)


def none_batch(shape: Any) -> Any:
    if isinstance(shape, dict):
        return {k: none_batch(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [none_batch(v) for v in shape]
    return (None,) + tuple(shape[1:]) if len(shape) else shape


def is_symbolic(x: Any) -> bool:
    from lamina.layers.input_layer import KerasTensor

    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, dict):
        return any(is_symbolic(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(is_symbolic(v) for v in x)
    return False


def to_arrays(x: Any) -> Any:
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
    if arr.dtype == np.float64 or arr.dtype.kind in "iub":
        arr = arr.astype(np.float32) if arr.dtype.kind != "b" else arr
    return jnp.asarray(arr)


def as_keras_shape(shape: Any) -> Any:
    if isinstance(shape, list) and len(shape) == 1:
        return shape[0]
    return shape
