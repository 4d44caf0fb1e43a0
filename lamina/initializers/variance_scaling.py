"""VarianceScaling and its named presets (Glorot, He, LeCun).

Samples have variance `scale / fan`, where the fan is the weight's fan-in,
fan-out or their mean (`compute_fans`).
"""
from __future__ import annotations

import math
from typing import Any

import jax

from lamina.initializers.constant_initializers import (DType, Shape, compute_fans,
                                                       standardize_dtype,
                                                       standardize_shape)
from lamina.initializers.random_initializers import (RandomInitializer, _standard_normal,
                                                     _to_array, _truncated_standard_normal,
                                                     _uniform)

# Standard deviation of a standard normal truncated to [-2, 2]; dividing by
# it makes a truncated sample keep the variance asked for.
TRUNCATED_STDDEV = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


class VarianceScaling(RandomInitializer):
    """Samples scaled to the weight's fan: variance `scale / fan`.

    `uniform` draws from `[-limit, limit]` with `limit = sqrt(3 * scale / fan)`;
    `truncated_normal` (alias `normal`) draws within two standard deviations
    with stddev `sqrt(scale / fan) / 0.8796...`, so that the truncated sample
    keeps variance `scale / fan`; `untruncated_normal` uses `sqrt(scale / fan)`.

    Args:
        scale: a positive scaling factor.
        mode: 'fan_in', 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal', 'untruncated_normal' or 'uniform'.
        seed: an int for the same values on every call, or None.

    Raises:
        ValueError: for a non-positive scale or an unknown mode or distribution.

    Example:
        >>> w = VarianceScaling(3.0, distribution="uniform", seed=0)((100, 10))
        >>> w.shape, bool(abs(w).max() <= 0.3)
        ((100, 10), True)
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None):
        super().__init__(seed)
        if (not isinstance(scale, (int, float)) or isinstance(scale, bool)
                or not scale > 0):
            raise ValueError(f"VarianceScaling expects a positive `scale`, but "
                             f"received scale={scale!r}. Pass e.g. scale=1.0.")
        mode_l = mode.lower() if isinstance(mode, str) else mode
        if mode_l not in _MODES:
            raise ValueError(f"VarianceScaling received mode={mode!r}; valid modes: "
                             f"{', '.join(_MODES)}.")
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        dist = "truncated_normal" if dist == "normal" else dist
        if dist not in _DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling received distribution={distribution!r}; "
                             f"valid distributions: {', '.join(_DISTRIBUTIONS)}.")
        self.scale, self.mode, self.distribution = float(scale), mode_l, dist

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=True, who=type(self).__name__)
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out,
               "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _to_array(_uniform(rng, shape, dt, -limit, limit), dt)
        if self.distribution == "untruncated_normal":
            return _to_array(math.sqrt(variance) * _standard_normal(rng, shape, dt), dt)
        z = _truncated_standard_normal(rng, shape, dt)
        return _to_array(math.sqrt(variance) / TRUNCATED_STDDEV * z, dt)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed."""

    _SETTINGS: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None):
        super().__init__(*self._SETTINGS, seed=seed)

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: `U(-limit, limit)`, `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = GlorotUniform(seed=0)((4, 2))
        >>> w.shape, bool(abs(w).max() <= 1.0)
        ((4, 2), True)
    """

    _SETTINGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal, variance `2 / (fan_in + fan_out)`.

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> GlorotNormal(seed=0)((64, 32)).shape
        (64, 32)
    """

    _SETTINGS = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: `U(-limit, limit)`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = HeUniform(seed=0)((6, 3))
        >>> w.shape, bool(abs(w).max() <= 1.0)
        ((6, 3), True)
    """

    _SETTINGS = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """He normal: truncated normal, variance `2 / fan_in`.

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> HeNormal(seed=0)((3, 3, 8, 16)).shape
        (3, 3, 8, 16)
    """

    _SETTINGS = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: `U(-limit, limit)`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> w = LecunUniform(seed=0)((3, 5))
        >>> w.shape, bool(abs(w).max() <= 1.0)
        ((3, 5), True)
    """

    _SETTINGS = (1.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun normal: truncated normal, variance `1 / fan_in` (pairs with selu).

    Args:
        seed: an int for the same values on every call, or None.

    Example:
        >>> LecunNormal(seed=0)((10, 4)).dtype
        dtype('float32')
    """

    _SETTINGS = (1.0, "fan_in", "truncated_normal")
