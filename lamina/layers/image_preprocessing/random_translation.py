"""`RandomTranslation`: shifts each training image by a random offset."""
from __future__ import annotations

from typing import Any

import jax

from lamina import registry
from lamina.layers.image_preprocessing._affine import RandomAffine, translation_transforms
from lamina.layers.image_preprocessing._base import symmetric_factor


@registry.register_serializable("lamina.layers")
class RandomTranslation(RandomAffine):
    """Shifts each image while training, as `keras.layers.RandomTranslation`; at
    inference the images pass unchanged.

    Args:
        height_factor: the vertical shift as a fraction of the height: `0.1` draws from
            (-10%, +10%); a pair `(lower, upper)` gives the range (positive is down).
        width_factor: the horizontal shift likewise (positive is right).
        fill_mode, interpolation, seed, fill_value, data_format: as for
            `RandomRotation`.

    Example:
        >>> import numpy as np
        >>> layer = RandomTranslation((0.5, 0.5), 0.0, fill_mode="constant")
        >>> layer(np.ones((1, 4, 1, 1)), training=True)[0, :, 0, 0].tolist()
        [0.0, 0.0, 1.0, 1.0]
    """

    config_fields = ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                     "fill_value", "data_format")

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None, **kwargs: Any):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = symmetric_factor(height_factor, "height_factor",
                                              "RandomTranslation")
        self.width_factor = symmetric_factor(width_factor, "width_factor",
                                             "RandomTranslation")

    def inactive(self) -> bool:
        return self.height_factor == (0.0, 0.0) and self.width_factor == (0.0, 0.0)

    def transforms(self, key: Any, batch: int, height: int, width: int) -> Any:
        key_y, key_x = jax.random.split(key)
        dy = jax.random.uniform(key_y, (batch,), minval=self.height_factor[0],
                                maxval=self.height_factor[1]) * height
        dx = jax.random.uniform(key_x, (batch,), minval=self.width_factor[0],
                                maxval=self.width_factor[1]) * width
        return translation_transforms(dy, dx)
