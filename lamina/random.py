"""The global seed behind initializers, Dropout and shuffling.

`lamina.utils.set_random_seed(s)` resets it, so the same seed gives the same
weights and the same History, bit for bit, on CPU.
"""
from __future__ import annotations

import os

import jax
import numpy as np

_seed: int | None = None
_counter = 0


def set_seed(seed: int) -> None:
    """Restart the global key sequence from `seed`."""
    global _seed, _counter
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"The seed must be an integer, but received {seed!r} "
                        f"({type(seed).__name__}). Pass an int such as 42.")
    _seed, _counter = int(seed) % (2**32), 0


def next_key() -> jax.Array:
    """A fresh `uint32[2]` PRNG key; a new one on every call.

    Example:
        >>> import lamina
        >>> lamina.random.set_seed(1)
        >>> a = lamina.random.next_key()
        >>> lamina.random.set_seed(1)
        >>> bool((a == lamina.random.next_key()).all())
        True
    """
    global _seed, _counter
    if _seed is None:
        _seed = int.from_bytes(os.urandom(4), "little")
    key = jax.random.fold_in(jax.random.PRNGKey(_seed), _counter)
    _counter += 1
    return key


def seed_from(key: jax.Array) -> int:
    """A Python int derived from a key (for NumPy-side randomness)."""
    return int(np.asarray(jax.random.randint(key, (), 0, 2**31 - 1)))
