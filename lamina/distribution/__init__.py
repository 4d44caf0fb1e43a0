"""Training on several devices and hosts, as Keras 3's `keras.distribution`, on
`jax.sharding` and `jax.distributed`.

Example:
    >>> import lamina as keras
    >>> dist = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    >>> keras.distribution.set_distribution(dist)
    >>> keras.distribution.distribution() is dist
    True
    >>> keras.distribution.set_distribution(None)
"""
from __future__ import annotations

from typing import Any

import jax

from lamina.distribution.distributions import (DataParallel, Distribution, LayoutMap,
                                               ModelParallel, distribution, set_distribution)
from lamina.distribution.mesh import DeviceMesh, TensorLayout, initialize, list_devices


def distribute_tensor(tensor: Any, layout: TensorLayout) -> jax.Array:
    """`tensor` placed on the devices as `layout` says (Keras 3)."""
    return jax.device_put(tensor, layout.sharding(tuple(tensor.shape)))


__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel",
           "TensorLayout", "distribute_tensor", "distribution", "initialize", "list_devices",
           "set_distribution"]
