"""`Dropout`: zeroes a fraction of inputs while training."""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.layer import Layer
from lamina.random import SeedGenerator


@registry.register_serializable("lamina.layers")
class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training, scaling the rest by
    `1 / (1 - rate)`; does nothing at inference.

    Inside `fit` each step draws a fresh mask from the step's key, so masks differ
    from batch to batch and are reproducible with `lamina.utils.set_random_seed`.

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: the mask's shape (None entries take the input's size), e.g.
            `(batch, 1, features)` to drop the same features at every time step.
        seed: an optional integer: eager calls with the same seed draw the same masks,
            and inside `fit` it is mixed into the step's key.

    Example:
        >>> import numpy as np
        >>> layer = Dropout(0.5)
        >>> layer(np.ones((2, 4)), training=False).tolist()
        [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
        >>> sorted(set(np.asarray(layer(np.ones((100, 10)), training=True)).ravel().tolist()))
        [0.0, 2.0]
    """

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout needs a rate in [0, 1), the fraction of inputs to "
                             f"drop, but received rate={rate!r}. Use e.g. Dropout(0.2).")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0.0:
            return inputs
        key = self.seed_generator.next()
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        keep = jax.random.bernoulli(key, 1.0 - self.rate, shape)
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros_like(inputs))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return config
