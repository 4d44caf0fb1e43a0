"""The global seed behind initializers, Dropout and shuffling.

`lamina.utils.set_random_seed(s)` resets it, so the same seed gives the same
weights and the same History, bit for bit, on CPU.
"""
from __future__ import annotations

import os

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
