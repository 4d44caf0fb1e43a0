"""David Bau's `seedrandom` (ARC4, RC4-drop[256]) in Python, bit for bit.

TensorFlow Playground seeds `Math.random` with `Math.seedrandom(state.seed)` before
it draws a data set, so the same seed string gives the same doubles here as there.
"""
from __future__ import annotations

_WIDTH = 256
_MASK = _WIDTH - 1
_CHUNKS = 6
_STARTDENOM = float(_WIDTH ** _CHUNKS)
_SIGNIFICANCE = float(2 ** 52)
_OVERFLOW = _SIGNIFICANCE * 2


def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


def _mixkey(seed: str) -> list[int]:
    """The key bytes of a seed string (seedrandom's `mixkey` on an empty key)."""
    key: list[int | None] = []
    smear = 0
    units = seed.encode("utf-16-le")
    codes = [units[i] | (units[i + 1] << 8) for i in range(0, len(units), 2)]
    for j, code in enumerate(codes):
        slot = _MASK & j
        old = key[slot] if slot < len(key) else None
        # JavaScript: `undefined * 19` is NaN, and `x ^ NaN` is `x ^ 0`.
        smear = _int32(smear ^ (0 if old is None else _int32(old * 19)))
        value = _MASK & (smear + code)
        if slot < len(key):
            key[slot] = value
        else:
            key.append(value)
    return [k for k in key if k is not None]


class SeedRandom:
    """A seeded generator of doubles in [0, 1), equal to `seedrandom(seed)()` in JS.

    Args:
        seed: the seed string (TensorFlow Playground's `seed` URL key, e.g. "0.12345").

    Example:
        >>> rng = SeedRandom("hello.")
        >>> rng()  # seedrandom's documented first value for "hello."
        0.9282578795792454
    """

    def __init__(self, seed: str):
        key = _mixkey(str(seed)) or [0]
        s = list(range(_WIDTH))
        j = 0
        for i in range(_WIDTH):
            t = s[i]
            j = _MASK & (j + key[i % len(key)] + t)
            s[i] = s[j]
            s[j] = t
        self._s, self._i, self._j = s, 0, 0
        self._bytes(_WIDTH)  # RC4-drop[256]

    def _bytes(self, count: int) -> int:
        s, i, j, r = self._s, self._i, self._j, 0
        for _ in range(count):
            i = _MASK & (i + 1)
            t = s[i]
            j = _MASK & (j + t)
            s[i] = s[j]
            s[j] = t
            r = r * _WIDTH + s[_MASK & (s[i] + t)]
        self._i, self._j = i, j
        return r

    def __call__(self) -> float:
        n, d, x = float(self._bytes(_CHUNKS)), _STARTDENOM, 0
        while n < _SIGNIFICANCE:
            n = (n + x) * _WIDTH
            d *= _WIDTH
            x = self._bytes(1)
        while n >= _OVERFLOW:
            n /= 2
            d /= 2
            x >>= 1
        return (n + x) / d
