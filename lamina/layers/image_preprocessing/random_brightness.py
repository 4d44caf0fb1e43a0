"""`RandomBrightness`: adds a random amount of brightness to each training image."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.image_preprocessing._base import (RandomImageLayer, symmetric_factor,
                                                     value_range_of)


@registry.register_serializable("lamina.layers")
class RandomBrightness(RandomImageLayer):
    """Shifts the brightness of each image while training, as
    `keras.layers.RandomBrightness`: adds `delta * (high - low)` of `value_range`, with
    `delta` drawn per image from the factor's range, and clips to `value_range`; at
    inference the images pass unchanged.

    Args:
        factor: a number `f` in [-1, 1] for deltas in `(-f, f)`, or a pair
            `(lower, upper)`; -1 makes the image black, 1 white.
        value_range: the pixel range, `(0, 255)` by default or `(0, 1)`.
        seed: an optional integer mixed into the key.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> layer = RandomBrightness((0.1, 0.1), value_range=(0, 1))
        >>> np.round(np.asarray(layer(np.full((1, 1, 2, 1), 0.5), training=True)), 3).tolist()
        [[[[0.6], [0.6]]]]
    """

    config_fields = ("factor", "value_range", "seed", "data_format")

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_factor(factor, "factor", "RandomBrightness")
        self.value_range = value_range_of(value_range, "RandomBrightness")

    def inactive(self) -> bool:
        return self.factor == (0.0, 0.0)

    def augment(self, x: Any, key: Any) -> Any:
        low, high = self.value_range
        delta = jax.random.uniform(key, (x.shape[0], 1, 1, 1), minval=self.factor[0],
                                   maxval=self.factor[1]) * (high - low)
        return jnp.clip(x + delta, low, high)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)
