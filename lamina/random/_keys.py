"""The global key sequence behind initializers, Dropout and shuffling, and the keys
random ops draw for a `seed` argument.

`lamina.utils.set_random_seed(s)` resets the sequence, so the same seed gives the
same weights and the same History, bit for bit, on CPU.
"""
from __future__ import annotations

import os
from typing import Any

import jax
import numpy as np

from lamina.backend._scope import current_scope

_seed: int | None = None
_counter = 0


def set_seed(seed: int) -> None:
    """Restart the global key sequence from `seed`."""
    global _seed, _counter
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"The seed must be an integer, but received {seed!r} "
                        f"({type(seed).__name__}). Pass an int such as 42.")
    _seed, _counter = int(seed) % (2**32), 0


def next_key() -> np.ndarray:
    """A fresh `uint32[2]` PRNG key (a NumPy array JAX accepts); new on every call.

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
    # Derived on the host: no device work (and no compilation) per key.
    key = np.random.SeedSequence([_seed, _counter]).generate_state(2, dtype=np.uint32)
    _counter += 1
    return key


def next_seed() -> int:
    """A fresh Python int from the global sequence (for host-side randomness)."""
    return int(next_key()[0])


def seed_from(key: np.ndarray) -> int:
    """A Python int derived from a `uint32[2]` key (for NumPy-side randomness)."""
    key = np.asarray(key, dtype=np.uint32)
    return (int(key[0]) << 32) | int(key[1])


def next_rng_key() -> Any:
    """A PRNG key for a layer's randomness: from the step's key inside a compiled
    step, from the global seed (`lamina.utils.set_random_seed`) otherwise.

    Example:
        >>> import lamina
        >>> lamina.random.set_seed(3)
        >>> next_rng_key().shape
        (2,)
    """
    scope = current_scope()
    key = scope.next_key() if scope is not None else None
    return next_key() if key is None else key


def int_key(seed: int) -> np.ndarray:
    """The fixed key of an integer seed (the same every call, as Keras 3's `seed=42`)."""
    return np.random.SeedSequence([int(seed) % (2**32)]).generate_state(2, np.uint32)


def draw_key(seed: Any) -> Any:
    """The key for a random op's `seed`: an int gives a fixed key, a `SeedGenerator`
    (or anything with `next()`) its next key, None the next key of the step inside
    `fit` and of the global sequence eagerly; a JAX key is used as given.

    Raises:
        TypeError: for any other `seed`, naming the valid kinds.

    Example:
        >>> bool((draw_key(7) == draw_key(7)).all())
        True
    """
    if seed is None:
        return next_rng_key()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int_key(int(seed))
    if hasattr(seed, "next") and callable(seed.next):
        return seed.next()
    if isinstance(seed, (jax.Array, np.ndarray)) and seed.shape == (2,):
        return seed
    raise TypeError(f"seed must be an int, a keras.random.SeedGenerator, a PRNG key or "
                    f"None, but received {seed!r} ({type(seed).__name__}). For randomness "
                    "that differs on every call inside a layer, create "
                    "self.seed_generator = keras.random.SeedGenerator(1337) in __init__ "
                    "and pass seed=self.seed_generator.")
