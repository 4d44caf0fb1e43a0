"""`Dropout`: zeroes a fraction of inputs while training."""
from __future__ import annotations

from typing import Any, Sequence

import jax.numpy as jnp

from lamina import registry
from lamina.layers._random_layer import RandomLayer, bernoulli_keep, check_rate


@registry.register_serializable("lamina.layers")
class Dropout(RandomLayer):
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

    config_fields = ("rate", "noise_shape", "seed")

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = check_rate(rate, "Dropout")

    def inactive(self) -> bool:
        return self.rate == 0.0

    def noise(self, x: Any, key: Any) -> Any:
        keep = bernoulli_keep(key, self.rate, self.draw_shape(x))
        return jnp.where(keep, x / (1.0 - self.rate), jnp.zeros_like(x))
