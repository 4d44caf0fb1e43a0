"""`RandomRotation`: rotates each training image by a random angle."""
from __future__ import annotations

import math
from typing import Any

import jax

from lamina import registry
from lamina.layers.image_preprocessing._affine import RandomAffine, rotation_transforms
from lamina.layers.image_preprocessing._base import symmetric_factor


@registry.register_serializable("lamina.layers")
class RandomRotation(RandomAffine):
    """Rotates each image by an angle drawn uniformly from `factor * 2 pi` while
    training, as `keras.layers.RandomRotation`; at inference the images pass unchanged.

    Args:
        factor: a fraction of a full turn: `0.1` draws from (-36, 36) degrees, a pair
            `(lower, upper)` from `(lower * 360, upper * 360)` degrees (positive is
            counter-clockwise).
        fill_mode: how points outside the image are filled: `"reflect"` (default),
            `"wrap"`, `"constant"` or `"nearest"`.
        interpolation: `"bilinear"` (default) or `"nearest"`.
        seed: an optional integer mixed into the key.
        fill_value: the value outside the image with `fill_mode="constant"`.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> layer = RandomRotation(0.5)
        >>> image = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> layer(image, training=True).shape, bool((layer(image) == image).all())
        ((1, 4, 4, 1), True)
    """

    config_fields = ("factor", "fill_mode", "interpolation", "seed", "fill_value",
                     "data_format")

    def __init__(self, factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = symmetric_factor(factor, "factor", "RandomRotation")

    def inactive(self) -> bool:
        return self.factor == (0.0, 0.0)

    def transforms(self, key: Any, batch: int, height: int, width: int) -> Any:
        low, high = self.factor
        angles = jax.random.uniform(key, (batch,), minval=low * 2 * math.pi,
                                    maxval=high * 2 * math.pi)
        return rotation_transforms(angles, height, width)
