"""Random initializers: normal, uniform, truncated normal and orthogonal.

With `seed=None` each call draws a fresh key from the global sequence of
`lamina.random`, so `lamina.utils.set_random_seed` makes weights reproducible;
with an int seed every call returns the same values, as in Keras 3.

Samples are drawn on the host with NumPy's generator (seeded from the key) and
placed on the device once: initialization runs eagerly, weight by weight, and
this way no shape ever costs an XLA compilation.
"""
from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import random as _random
from lamina.initializers.constant_initializers import (DType, Initializer, Shape,
                                                       standardize_dtype,
                                                       standardize_shape)


def _work_dtype(dt: np.dtype) -> type:
    return np.float64 if dt == np.float64 else np.float32


def _to_array(x: np.ndarray, dt: np.dtype) -> jax.Array:
    """Host samples as a device array of dtype `dt` (a transfer, no compilation)."""
    return jnp.asarray(np.asarray(x).astype(dt))


def _standard_normal(rng: np.random.Generator, shape: tuple[int, ...],
                     dt: np.dtype) -> np.ndarray:
    """Standard normal samples on the host."""
    return rng.standard_normal(shape, dtype=_work_dtype(dt))


def _truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...],
                               dt: np.dtype) -> np.ndarray:
    """Standard normal samples redrawn until all lie in [-2, 2]."""
    z = np.asarray(rng.standard_normal(shape, dtype=_work_dtype(dt)))
    outside = np.abs(z) > 2.0
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()), dtype=z.dtype)
        outside = np.abs(z) > 2.0
    return z


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], dt: np.dtype,
             low: float, high: float) -> np.ndarray:
    """Uniform samples on [low, high) on the host."""
    u = rng.random(shape, dtype=_work_dtype(dt))
    return low + (high - low) * u


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed, makes each call's generator.

    Args:
        seed: an int for the same values on every call, or None for a fresh
            draw from the global seed sequence on each call.

    Raises:
        TypeError: if `seed` is neither an int nor None.

    Example:
        >>> RandomInitializer(seed=3).get_config()
        {'seed': 3}
    """

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"{type(self).__name__} expects `seed` to be an int or "
                            f"None, but received seed={seed!r}. Pass e.g. seed=42.")
        self.seed = None if seed is None else int(seed)

    def _rng(self) -> np.random.Generator:
        """The host generator of one call: fixed by the seed, else a fresh key."""
        if self.seed is not None:
            return np.random.default_rng(self.seed % (2**32))
        with jax.ensure_compile_time_eval():
            return np.random.default_rng(_random.seed_from(_random.next_key()))

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class _Normal(RandomInitializer):
    """Base of RandomNormal and TruncatedNormal: `mean + stddev * z`, z from `_standard`."""

    _standard = staticmethod(_standard_normal)

    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=True, who=type(self).__name__)
        z = self._standard(self._rng(), standardize_shape(shape), dt)
        return _to_array(self.mean + self.stddev * z, dt)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomNormal(_Normal):
    """Normal distribution with the given mean and standard deviation.

    Args:
        mean: the mean.
        stddev: the standard deviation.
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = RandomNormal(stddev=1.0, seed=0)((1000,))
        >>> w.shape, bool(abs(float(w.std()) - 1.0) < 0.1)
        ((1000,), True)
    """


class RandomUniform(RandomInitializer):
    """Uniform distribution on `[minval, maxval)`.

    Args:
        minval: the lower bound.
        maxval: the upper bound.
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = RandomUniform(-1.0, 1.0, seed=0)((1000,))
        >>> w.shape, bool(w.min() >= -1.0), bool(w.max() < 1.0)
        ((1000,), True, True)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=True, who="RandomUniform")
        return _to_array(_uniform(self._rng(), standardize_shape(shape), dt,
                                self.minval, self.maxval), dt)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Normal):
    """Normal distribution redrawn beyond two standard deviations of the mean.

    Args:
        mean: the mean.
        stddev: the standard deviation before truncation.
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = TruncatedNormal(stddev=1.0, seed=0)((1000,))
        >>> w.shape, bool(abs(w).max() <= 2.0)
        ((1000,), True)
    """

    _standard = staticmethod(_truncated_standard_normal)


class Orthogonal(RandomInitializer):
    """A (semi-)orthogonal matrix times `gain`, from the QR of a normal sample.

    Shapes of rank > 2 are flattened to `(prod(shape[:-1]), shape[-1])`: the
    rows are orthonormal if there are fewer rows than columns, else the columns.

    Args:
        gain: the multiplicative factor.
        seed: an int for the same values on every call, or None.

    Raises:
        ValueError: for a shape of rank below 2.

    Example:
        >>> q = Orthogonal(seed=0)((3, 3))
        >>> bool(jnp.allclose(q.T @ q, jnp.eye(3), atol=1e-5))
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=True, who="Orthogonal")
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank 2 or more, "
                             f"but received shape={shape}. Use e.g. (n, n).")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diagonal(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return _to_array(self.gain * q.reshape(shape), dt)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}
