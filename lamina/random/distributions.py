"""Keras 3's random functions on `jax.random`.

`seed` is an int (the same numbers on every call, as in Keras), a `SeedGenerator`
(new numbers on every call; create it in the layer's `__init__`), or None: the
step's key inside `fit` (so a layer's `call` can draw without a seed: Keras 3 on
JAX stops there with a tracer error) and the global sequence eagerly
(`keras.utils.set_random_seed`).

Example:
    >>> from lamina import random
    >>> random.normal((2, 3), seed=1).shape, random.uniform((2,), seed=1).dtype.name
    ((2, 3), 'float32')
    >>> bool((random.normal((3,), seed=5) == random.normal((3,), seed=5)).all())
    True
"""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.variable import Variable
from lamina.random._keys import draw_key

Shape = Sequence[int]


def _dtype(dtype: Any, default: str = "float32") -> Any:
    name = default if dtype is None else str(np.dtype(getattr(dtype, "dtype", dtype)))
    return {"float64": "float32", "int64": "int32"}.get(name, name) \
        if not jax.config.jax_enable_x64 else name


def _shape(shape: Any) -> tuple:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def normal(shape: Shape, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Any = None) -> jax.Array:
    """Samples of a normal distribution."""
    dtype = _dtype(dtype)
    return jax.random.normal(draw_key(seed), _shape(shape), dtype) * stddev + mean


def uniform(shape: Shape, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Any = None) -> jax.Array:
    """Samples of a uniform distribution on `[minval, maxval)`."""
    return jax.random.uniform(draw_key(seed), _shape(shape), _dtype(dtype), minval, maxval)


def truncated_normal(shape: Shape, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
                     seed: Any = None) -> jax.Array:
    """Samples of a normal distribution, redrawn beyond two standard deviations."""
    dtype = _dtype(dtype)
    return jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, _shape(shape),
                                       dtype) * stddev + mean


def randint(shape: Shape, minval: int, maxval: int, dtype: Any = "int32",
            seed: Any = None) -> jax.Array:
    """Integers drawn uniformly from `[minval, maxval)`."""
    return jax.random.randint(draw_key(seed), _shape(shape), minval, maxval,
                              _dtype(dtype, "int32"))


def dropout(inputs: Any, rate: float, noise_shape: Shape | None = None,
            seed: Any = None) -> jax.Array:
    """`inputs` with a fraction `rate` of entries set to 0 and the rest scaled by
    `1 / (1 - rate)`; `noise_shape` (None entries: the input's size) shares the mask.

    Example:
        >>> out = dropout(jnp.ones((1000,)), 0.5, seed=0)
        >>> sorted(set(out.tolist())), 400 < int((out == 0).sum()) < 600
        ([0.0, 2.0], True)
    """
    inputs = jnp.asarray(_value(inputs))
    if not 0 <= rate < 1:
        raise ValueError(f"dropout needs a rate in [0, 1), but received rate={rate!r}.")
    shape = inputs.shape if noise_shape is None else tuple(
        s if n is None else n for n, s in zip(noise_shape, inputs.shape))
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return jnp.where(keep, inputs / (1.0 - rate), jnp.zeros((), inputs.dtype))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> jax.Array:
    """`x` with its slices along `axis` in a random order."""
    return jax.random.permutation(draw_key(seed), jnp.asarray(_value(x)), axis=axis,
                                  independent=False)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32",
                seed: Any = None) -> jax.Array:
    """`num_samples` class indices per row of `logits` (unnormalized log-probabilities):
    shape `(batch, num_samples)`."""
    logits = jnp.asarray(_value(logits))
    if logits.ndim != 2:
        raise ValueError(f"categorical needs logits of shape (batch, classes), but received "
                         f"shape {logits.shape}.")
    draws = jax.random.categorical(draw_key(seed), logits[:, None, :],
                                   shape=(logits.shape[0], int(num_samples)))
    return draws.astype(_dtype(dtype, "int32"))


def gamma(shape: Shape, alpha: float, dtype: Any = None, seed: Any = None) -> jax.Array:
    """Samples of a gamma distribution of concentration `alpha` (scale 1)."""
    return jax.random.gamma(draw_key(seed), alpha, _shape(shape), _dtype(dtype))


def beta(shape: Shape, alpha: float, beta: float, dtype: Any = None,
         seed: Any = None) -> jax.Array:
    """Samples of a beta distribution of concentrations `alpha` and `beta`."""
    return jax.random.beta(draw_key(seed), alpha, beta, _shape(shape), _dtype(dtype))


def binomial(shape: Shape, counts: Any, probabilities: Any, dtype: Any = None,
             seed: Any = None) -> jax.Array:
    """Numbers of successes in `counts` trials of success probability `probabilities`."""
    return jax.random.binomial(draw_key(seed), counts, probabilities, _shape(shape),
                               _dtype(dtype))
