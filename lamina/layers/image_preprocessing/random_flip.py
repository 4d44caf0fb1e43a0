"""`RandomFlip`: mirrors training images left-right and/or upside down."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.image_preprocessing._base import RandomImageLayer, check_choice

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


@registry.register_serializable("lamina.layers")
class RandomFlip(RandomImageLayer):
    """Flips each image with probability 1/2 while training, as
    `keras.layers.RandomFlip`; at inference the images pass unchanged.

    With `"horizontal_and_vertical"` the two flips are drawn independently (as in
    tf.keras 2, so all four orientations occur; Keras 3 draws one coin for both).

    Args:
        mode: `"horizontal"` (left-right), `"vertical"` (upside down) or
            `"horizontal_and_vertical"` (the default).
        seed: an optional integer mixed into the key.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> layer = RandomFlip("horizontal")
        >>> out = np.asarray(layer(np.arange(400.0).reshape(100, 1, 4, 1), training=True))
        >>> flipped = out[:, 0, 0, 0] != np.arange(0.0, 400.0, 4)
        >>> bool(flipped.any() and not flipped.all())
        True
    """

    config_fields = ("mode", "seed", "data_format")

    def __init__(self, mode: str = "horizontal_and_vertical", seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = check_choice(mode, "mode", MODES, "RandomFlip")

    def augment(self, x: Any, key: Any) -> Any:
        key_h, key_v = jax.random.split(key)
        shape = (x.shape[0], 1, 1, 1)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = jnp.where(jax.random.bernoulli(key_h, 0.5, shape), jnp.flip(x, axis=2), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = jnp.where(jax.random.bernoulli(key_v, 0.5, shape), jnp.flip(x, axis=1), x)
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)
