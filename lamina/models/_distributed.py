"""A model's compiled programs under a distribution (`lamina.distribution`).

The programs stay the same; each batch gets a sharding constraint (its rows split
over the distribution's batch axis) at the start of the forward function, and the
weights arrive placed where their layouts say (the Variables are placed when they
are made), so XLA partitions the one epoch program across the devices.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import jax

from lamina.backend import _distribution


def current() -> Any:
    return _distribution.current()


def constrain_batch(x: Any, dist: Any) -> Any:
    """`x` with its rows split over the batch axis; a batch whose size is not a multiple
    of the number of parts (the last, smaller batch of an epoch) stays whole."""
    parts = dist.batch_shards

    def leaf(a: Any) -> Any:
        if getattr(a, "ndim", 0) == 0 or a.shape[0] % parts:
            return a
        return jax.lax.with_sharding_constraint(a, dist.batch_sharding(a.ndim))

    return jax.tree.map(leaf, x)


def sharded_forward(forward: Callable, dist: Any) -> Callable:
    """`forward` with each batch split over the devices."""

    def run(trainable: dict, non_trainable: dict, x: Any, **kwargs: Any) -> Any:
        return forward(trainable, non_trainable, constrain_batch(x, dist), **kwargs)

    return run


def check_model(model: Any, variables: list, paths: list[str], dist: Any) -> None:
    """The model's weights were made under `dist`, and every layout key matches one."""
    early = [v.name for v in variables if v._distribution is not dist]
    if early:
        raise ValueError(
            f"Model '{model.name}' was built before the distribution {type(dist).__name__} "
            f"was set, so its weights ({early[:3]}{'...' if len(early) > 3 else ''}) are not "
            "placed on its devices. Call keras.distribution.set_distribution(...) before "
            "creating the model (or create it inside `with dist.scope():`).")
    for key in dist.layout_keys():
        if not any(key == p or re.search(key, p) for p in paths):
            raise ValueError(f"The layout map key {key!r} matches no weight of model "
                             f"'{model.name}'. Its weight paths are {paths}. Fix the "
                             "regular expression or remove the key.")


def check_batch_size(batch_size: int, what: str = "batch_size") -> None:
    """Under a distribution, the batch size must split evenly over the batch axis."""
    dist = current()
    if dist is None or batch_size % dist.batch_shards == 0:
        return
    parts = dist.batch_shards
    lower, upper = batch_size // parts * parts, (batch_size // parts + 1) * parts
    nearest = [s for s in (lower, upper) if s > 0]
    raise ValueError(f"{what}={batch_size} cannot be split evenly over the {parts} devices "
                     f"of the distribution's '{dist.batch_dim_name}' axis. Use a multiple "
                     f"of {parts}: the nearest are {nearest}.")
