"""Random keys: the global seed behind initializers, Dropout and shuffling, and the
`SeedGenerator`s layers draw from.

`lamina.utils.set_random_seed(s)` resets it, so the same seed gives the same
weights and the same History, bit for bit, on CPU.
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


class SeedGenerator:
    """The source of a layer's random keys, as `keras.random.SeedGenerator`.

    Create it in the layer's `__init__` (it is tracked like a weight). Inside `fit`
    each step's keys come from the step's key, so they differ from step to step
    and repeat with `lamina.utils.set_random_seed`; `seed` is folded into them.
    Called eagerly, the generator keeps its own sequence: the same `seed` gives the
    same keys in the same order (without a seed, the sequence starts from the
    global seed).

    Args:
        seed: an optional integer.
        name: an optional name.

    Example:
        >>> a, b = SeedGenerator(seed=7), SeedGenerator(seed=7)
        >>> bool((a.next() == b.next()).all()), bool((a.next() == a.next()).all())
        (True, False)
    """

    def __init__(self, seed: int | None = None, name: str | None = None):
        if seed is not None and (isinstance(seed, bool) or
                                 not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator needs an integer seed or None, but received "
                            f"{seed!r} ({type(seed).__name__}).")
        self.seed = None if seed is None else int(seed)
        self.name = name or "seed_generator"
        self._base: Any = None
        self._count = 0

    def next(self) -> Any:
        """The next key: the step's inside a compiled step, the generator's own eagerly."""
        scope = current_scope()
        key = scope.next_key() if scope is not None else None
        if key is not None:
            return key if self.seed is None else jax.random.fold_in(key, self.seed)
        if self._base is None:
            self._base = (np.random.SeedSequence([self.seed]).generate_state(2, np.uint32)
                          if self.seed is not None else next_key())
        self._count += 1
        return jax.random.fold_in(self._base, self._count - 1)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "name": self.name}

    def __repr__(self) -> str:
        return f"<SeedGenerator seed={self.seed}>"
