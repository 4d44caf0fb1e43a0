"""`RandomContrast`: scales each training image's contrast by a random factor."""
from __future__ import annotations

import numbers
from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.image_preprocessing._base import RandomImageLayer, value_range_of


@registry.register_serializable("lamina.layers")
class RandomContrast(RandomImageLayer):
    """Adjusts the contrast of each image while training, as
    `keras.layers.RandomContrast`: each channel becomes `(x - mean) * c + mean` (the
    mean over its pixels) with `c` drawn per image from `[1 - lower, 1 + upper]`, then
    clipped to `value_range`; at inference the images pass unchanged.

    Args:
        factor: `f` in [0, 1] for `lower = upper = f` (as tf.keras and Keras's
            documentation say), or a pair `(lower, upper)`.
        value_range: the pixel range, `(0, 255)` by default or `(0, 1)`.
        seed: an optional integer mixed into the key.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> image = np.array([[[[10.0], [30.0]]]])
        >>> RandomContrast((0.5, -0.5))(image, training=True).tolist()
        [[[[15.0], [25.0]]]]
    """

    config_fields = ("factor", "value_range", "seed", "data_format")

    def __init__(self, factor: Any, value_range: Any = (0, 255), seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._factor(factor)
        self.value_range = value_range_of(value_range, "RandomContrast")

    @staticmethod
    def _factor(factor: Any) -> Any:
        number = lambda f: isinstance(f, numbers.Real) and not isinstance(f, bool)  # noqa
        if number(factor) and 0 <= factor <= 1:
            return float(factor)
        if isinstance(factor, (tuple, list)) and len(factor) == 2 and all(
                number(f) and f <= 1 for f in factor):
            return (float(factor[0]), float(factor[1]))
        raise ValueError(f"RandomContrast needs `factor` as a number in [0, 1] or a pair "
                         f"(lower, upper) for contrast factors in [1 - lower, 1 + upper], "
                         f"but received factor={factor!r}. Use e.g. factor=0.2.")

    def _bounds(self) -> tuple[float, float]:
        lower, upper = (self.factor, self.factor) if isinstance(self.factor, float) \
            else self.factor
        return 1.0 - lower, 1.0 + upper

    def inactive(self) -> bool:
        return self._bounds() == (1.0, 1.0)

    def augment(self, x: Any, key: Any) -> Any:
        low, high = self._bounds()
        c = jax.random.uniform(key, (x.shape[0], 1, 1, 1), minval=low, maxval=high)
        mean = jnp.mean(x, axis=(1, 2), keepdims=True)
        return jnp.clip((x - mean) * c + mean, *self.value_range)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)
