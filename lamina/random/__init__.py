"""`keras.random`: seeds, `SeedGenerator`, and the random functions of Keras 3.

The global key sequence (`set_seed`, `next_key`; `keras.utils.set_random_seed` calls
`set_seed`) drives initializers, Dropout and shuffling; `SeedGenerator`s give a
layer its own keys; the distributions (`normal`, `uniform`, ...) take `seed` as an
int, a `SeedGenerator` or None (see `lamina.random.distributions`).
"""
from __future__ import annotations

from lamina.random._keys import (draw_key, int_key, next_key, next_rng_key,  # noqa: F401
                                 next_seed, seed_from, set_seed)
from lamina.random.distributions import (beta, binomial, categorical, dropout, gamma,
                                         normal, randint, shuffle, truncated_normal,
                                         uniform)
from lamina.random.seed_generator import SeedGenerator

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform", "draw_key", "next_key",
           "next_rng_key", "next_seed", "seed_from", "set_seed"]
