"""Noise layers, active only while training: `GaussianNoise`, `GaussianDropout`,
`AlphaDropout`."""
from __future__ import annotations

import math
from typing import Any, Sequence

import jax

from lamina import registry
from lamina.layers._random_layer import RandomLayer, check_rate

# The constants of SELU (Klambauer et al., 2017), as in Keras.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@registry.register_serializable("lamina.layers")
class GaussianNoise(RandomLayer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` while training,
    as `keras.layers.GaussianNoise`; does nothing at inference.

    Args:
        stddev: the noise's standard deviation (>= 0).
        seed: an optional integer mixed into the key.

    Example:
        >>> import numpy as np
        >>> layer = GaussianNoise(0.5)
        >>> layer(np.zeros((1, 3)), training=False).tolist()
        [[0.0, 0.0, 0.0]]
        >>> y = np.asarray(layer(np.zeros((1000, 100)), training=True))
        >>> y.shape, round(float(y.std()), 1)
        ((1000, 100), 0.5)
    """

    config_fields = ("stddev", "seed")

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        if (isinstance(stddev, bool) or not isinstance(stddev, (int, float))
                or not math.isfinite(stddev) or stddev < 0):
            raise ValueError(f"GaussianNoise needs a non-negative stddev, but received "
                             f"stddev={stddev!r}. Use e.g. GaussianNoise(0.1).")
        self.stddev = float(stddev)

    def inactive(self) -> bool:
        return self.stddev == 0.0

    def noise(self, x: Any, key: Any) -> Any:
        return x + self.stddev * jax.random.normal(key, x.shape, x.dtype)


@registry.register_serializable("lamina.layers")
class GaussianDropout(RandomLayer):
    """Multiplies inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` while training, as `keras.layers.GaussianDropout`;
    does nothing at inference.

    Args:
        rate: the drop probability of the equivalent Dropout, in [0, 1).
        seed: an optional integer mixed into the key.

    Example:
        >>> import numpy as np
        >>> layer = GaussianDropout(0.5)
        >>> y = np.asarray(layer(np.ones((1000, 100)), training=True))
        >>> round(float(y.mean()), 1), round(float(y.std()), 1)
        (1.0, 1.0)
    """

    config_fields = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(rate, "GaussianDropout")

    def inactive(self) -> bool:
        return self.rate == 0.0

    def noise(self, x: Any, key: Any) -> Any:
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * (1.0 + stddev * jax.random.normal(key, x.shape, x.dtype))


@registry.register_serializable("lamina.layers")
class AlphaDropout(RandomLayer):
    """Dropout that keeps the mean and variance of SELU activations, as
    `keras.layers.AlphaDropout`; does nothing at inference.

    While training, each input is kept with probability `1 - rate` and otherwise set
    to `alpha' = -selu_alpha * selu_scale`; then `a * x + b` restores mean and
    variance, with `a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5` and
    `b = -a * alpha' * rate`.

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: the mask's shape (None entries take the input's size).
        seed: an optional integer mixed into the key.

    Example:
        >>> import numpy as np
        >>> layer = AlphaDropout(0.2)
        >>> y = np.asarray(layer(np.random.default_rng(0).normal(size=(2000, 100)),
        ...                      training=True))
        >>> round(float(y.mean()), 1), round(float(y.std()), 1)
        (0.0, 1.0)
    """

    config_fields = ("rate", "noise_shape", "seed")

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = check_rate(rate, "AlphaDropout")

    def inactive(self) -> bool:
        return self.rate == 0.0

    def noise(self, x: Any, key: Any) -> Any:
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        kept = (jax.random.uniform(key, self.draw_shape(x)) >= self.rate).astype(x.dtype)
        a = ((1.0 - self.rate) * (1.0 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (x * kept + alpha_p * (1.0 - kept)) + b
