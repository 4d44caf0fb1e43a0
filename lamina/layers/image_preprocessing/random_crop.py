"""`RandomCrop`: a random `height` x `width` window of the training images."""
from __future__ import annotations

from typing import Any

import jax
from jax import lax

from lamina import registry
from lamina.layers.convolutional.base_conv import positive_int
from lamina.layers.image_preprocessing._base import RandomImageLayer
from lamina.layers.image_preprocessing.resizing import resize_images


@registry.register_serializable("lamina.layers")
class RandomCrop(RandomImageLayer):
    """Crops a random `height` x `width` window while training (one position for the
    batch, as Keras); at inference, and for images not larger than the window, the
    images are cropped to its aspect ratio and resized to it instead, as
    `keras.layers.RandomCrop` does. The output is float32.

    Args:
        height, width: the output size.
        seed: an optional integer mixed into the key.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> layer = RandomCrop(24, 24)
        >>> layer(np.zeros((2, 32, 32, 3)), training=True).shape
        (2, 24, 24, 3)
        >>> layer(np.ones((2, 32, 32, 3))).shape
        (2, 24, 24, 3)
    """

    config_fields = ("height", "width", "seed", "data_format")

    def __init__(self, height: int, width: int, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = positive_int(height, "height", "RandomCrop")
        self.width = positive_int(width, "width", "RandomCrop")

    def infer(self, x: Any) -> Any:
        return resize_images(x, self.height, self.width, crop_to_aspect_ratio=True)

    def augment(self, x: Any, key: Any) -> Any:
        h_room, w_room = x.shape[1] - self.height, x.shape[2] - self.width
        if h_room <= 0 or w_room <= 0:
            return self.infer(x)
        key_h, key_w = jax.random.split(key)
        top = jax.random.randint(key_h, (), 0, h_room + 1)
        left = jax.random.randint(key_w, (), 0, w_room + 1)
        return lax.dynamic_slice(x, (0, top, left, 0),
                                 (x.shape[0], self.height, self.width, x.shape[3]))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._sized_shape(input_shape, self.height, self.width)
