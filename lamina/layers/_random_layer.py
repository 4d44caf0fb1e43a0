"""`RandomLayer`: the base of layers that are random while training and the identity
at inference (Dropout and the noise layers)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina.layers.layer import Layer
from lamina.random import SeedGenerator


def check_rate(rate: Any, who: str) -> float:
    """`rate` as a float in [0, 1), or a ValueError that shows a valid call."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{who} needs a rate in [0, 1), the fraction of inputs to drop, "
                         f"but received rate={rate!r}. Use e.g. {who}(0.2).")
    return float(rate)


class RandomLayer(Layer, ABC):
    """Draws from its own `SeedGenerator` while training; passes masks on.

    Subclasses implement `noise(x, key)` and say when they do nothing (`inactive`).
    `noise_shape` (for subclasses that take one) is the shape of the random draw,
    `None` entries taking the input's size.
    """


    def __init__(self, seed: int | None = None,
                 noise_shape: Sequence[int | None] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.seed = seed
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def inactive(self) -> bool:
        return False

    @abstractmethod
    def noise(self, x: Any, key: Any) -> Any:
        """The training-time output for `x`, drawing from `key`."""

    def draw_shape(self, x: Any) -> tuple:
        """The shape of the random draw for input `x` (from `noise_shape`)."""
        if self.noise_shape is None:
            return tuple(x.shape)
        if len(self.noise_shape) != x.ndim:
            raise ValueError(f"{type(self).__name__} '{self.name}' has noise_shape="
                             f"{self.noise_shape}, but its inputs have shape {x.shape}. "
                             "Give one entry (or None) per input axis.")
        return tuple(s if n is None else n for n, s in zip(self.noise_shape, x.shape))

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.inactive():
            return inputs
        x = inputs if jnp.issubdtype(inputs.dtype, jnp.floating) else \
            inputs.astype(jnp.float32)
        return self.noise(x, self.seed_generator.next())


def bernoulli_keep(key: Any, rate: float, shape: tuple) -> jax.Array:
    """A boolean draw that keeps each position with probability `1 - rate`."""
    return jax.random.bernoulli(key, 1.0 - rate, shape)
