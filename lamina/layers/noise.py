"""Noise layers, active only while training: `GaussianNoise`, `GaussianDropout`,
`AlphaDropout`."""
from __future__ import annotations

import math
from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.layer import Layer
from lamina.random import SeedGenerator

# The constants of SELU (Klambauer et al., 2017), as in Keras.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _rate(rate: Any, who: str) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{who} needs a rate in [0, 1), but received rate={rate!r}. "
                         f"Use e.g. {who}(0.1).")
    return float(rate)


def _float(inputs: Any) -> Any:
    return inputs if jnp.issubdtype(inputs.dtype, jnp.floating) else inputs.astype(jnp.float32)


@registry.register_serializable("lamina.layers")
class GaussianNoise(Layer):
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

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if (isinstance(stddev, bool) or not isinstance(stddev, (int, float))
                or not math.isfinite(stddev) or stddev < 0):
            raise ValueError(f"GaussianNoise needs a non-negative stddev, but received "
                             f"stddev={stddev!r}. Use e.g. GaussianNoise(0.1).")
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.stddev == 0.0:
            return inputs
        x = _float(inputs)
        return x + self.stddev * jax.random.normal(self.seed_generator.next(), x.shape, x.dtype)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


@registry.register_serializable("lamina.layers")
class GaussianDropout(Layer):
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

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "GaussianDropout")
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0.0:
            return inputs
        x = _float(inputs)
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * (1.0 + stddev * jax.random.normal(self.seed_generator.next(), x.shape, x.dtype))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


@registry.register_serializable("lamina.layers")
class AlphaDropout(Layer):
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

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0.0:
            return inputs
        x = _float(inputs)
        shape = x.shape
        if self.noise_shape is not None:
            if len(self.noise_shape) != x.ndim:
                raise ValueError(f"AlphaDropout '{self.name}' has noise_shape="
                                 f"{self.noise_shape}, but its inputs have shape {x.shape}. "
                                 "Give one entry (or None) per input axis.")
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, x.shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        kept = (jax.random.uniform(self.seed_generator.next(), shape) >= self.rate).astype(x.dtype)
        a = ((1.0 - self.rate) * (1.0 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (x * kept + alpha_p * (1.0 - kept)) + b

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return config
