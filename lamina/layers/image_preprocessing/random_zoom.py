"""`RandomZoom`: zooms each training image in or out by a random factor."""
from __future__ import annotations

from typing import Any

import jax

from lamina import registry
from lamina.layers.image_preprocessing._affine import RandomAffine, zoom_transforms
from lamina.layers.image_preprocessing._base import symmetric_factor


@registry.register_serializable("lamina.layers")
class RandomZoom(RandomAffine):
    """Zooms each image while training, as `keras.layers.RandomZoom`; at inference the
    images pass unchanged.

    Args:
        height_factor: the vertical zoom range as a fraction: `0.2` draws a factor from
            (-20%, +20%); a pair `(lower, upper)` gives the range. A positive value
            zooms out (shows more of the image), a negative one zooms in.
        width_factor: the horizontal range likewise; None (default) zooms both axes by
            the same factor, keeping the aspect ratio.
        fill_mode, interpolation, seed, fill_value, data_format: as for
            `RandomRotation`.

    Example:
        >>> import numpy as np
        >>> RandomZoom((-0.3, -0.3))(np.ones((2, 8, 8, 3)), training=True).shape
        (2, 8, 8, 3)
    """

    config_fields = ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                     "fill_value", "data_format")

    def __init__(self, height_factor: Any, width_factor: Any = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = symmetric_factor(height_factor, "height_factor", "RandomZoom")
        self.width_factor = None if width_factor is None else \
            symmetric_factor(width_factor, "width_factor", "RandomZoom")
        if self.height_factor[0] <= -1 or (self.width_factor or (0, 0))[0] <= -1:
            raise ValueError("RandomZoom needs factors above -1 (a factor of -1 would zoom "
                             f"in infinitely), but received height_factor={height_factor!r}"
                             f" and width_factor={width_factor!r}.")

    def inactive(self) -> bool:
        return self.height_factor == (0.0, 0.0) and self.width_factor in (None, (0.0, 0.0))

    def transforms(self, key: Any, batch: int, height: int, width: int) -> Any:
        key_y, key_x = jax.random.split(key)
        low, high = self.height_factor
        zoom_y = jax.random.uniform(key_y, (batch,), minval=1 + low, maxval=1 + high)
        if self.width_factor is None:
            zoom_x = zoom_y
        else:
            low, high = self.width_factor
            zoom_x = jax.random.uniform(key_x, (batch,), minval=1 + low, maxval=1 + high)
        return zoom_transforms(zoom_y, zoom_x, height, width)
