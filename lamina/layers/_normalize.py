"""The arithmetic batch and layer normalization share."""
from __future__ import annotations

from typing import Any

import jax


def normalize(x: Any, mean: Any, variance: Any, epsilon: float, gamma: Any = None,
              beta: Any = None) -> Any:
    """`(x - mean) / sqrt(variance + epsilon) * gamma + beta`, each broadcast against `x`
    (`gamma`, `beta` optional), as Keras's batch and layer normalization compute it.

    Example:
        >>> import jax.numpy as jnp
        >>> normalize(jnp.array([[1.0, 3.0]]), 2.0, 1.0, 0.0, beta=1.0).tolist()
        [[0.0, 2.0]]
    """
    inv = jax.lax.rsqrt(variance + epsilon)
    if gamma is not None:
        inv = inv * gamma
    outputs = (x - mean) * inv
    return outputs if beta is None else outputs + beta
