"""The distribution in effect (`lamina.distribution.set_distribution`), kept where the
Variables and the training engine can read it without importing its classes.

A distribution object answers `variable_sharding(path, shape)` (where a weight lives),
`batch_sharding(ndim)` (how a batch is split) and `batch_shards` (into how many parts).
"""
from __future__ import annotations

from typing import Any

import jax

_current: list[Any] = [None]


def current() -> Any:
    """The distribution set now, or None (one device)."""
    return _current[0]


def set_current(value: Any) -> None:
    _current[0] = value


def place(value: Any, path: str, dist: Any) -> Any:
    """`value` put where the distribution `dist` keeps the weight `path` (as it is
    when `dist` is None)."""
    if dist is None:
        return value
    return jax.device_put(value, dist.variable_sharding(path, tuple(value.shape)))
