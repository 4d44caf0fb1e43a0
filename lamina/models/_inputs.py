"""Checks and transfers shared by training and prediction."""
from __future__ import annotations

from typing import Any

import jax
import numpy as np


def host_logs(names: list[str], values: Any) -> dict[str, float]:
    """The logs of one program call, in one transfer: `values` in `names` order, or a
    dict of logs (a Keras 3 `train_step`'s)."""
    if isinstance(values, dict):
        return {k: float(v) for k, v in jax.device_get(values).items()}
    return {k: float(v) for k, v in zip(names, jax.device_get(values))}


def check_batch_size(batch_size: Any, what: str) -> int:
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size <= 0:
        raise ValueError(f"{what} must be a positive integer, but received {batch_size!r}. "
                         f"Use e.g. {what}=32.")
    return int(batch_size)
