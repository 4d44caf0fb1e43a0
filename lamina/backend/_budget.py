"""A limit on the memory that rebuilding a model from a file may allocate.

A model file's config decides how large the rebuilt model's weights are: a damaged
or hostile file with `Dense(units=10**9)` would allocate gigabytes before any other
check could see that the file holds nothing of the kind. While loading, the loader
opens an `allocation_limit` sized by what the file itself declares; each Variable
(and each other large buffer a config decides, such as AUC's thresholds) is charged
against it *before* it is allocated, and one that would go beyond the limit raises
a `ValueError` instead.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

import numpy as np

_limit: contextvars.ContextVar["_Limit | None"] = contextvars.ContextVar("lamina_alloc_limit",
                                                                         default=None)


class AllocationLimitError(ValueError):
    """An allocation would go beyond the open `allocation_limit`."""


class _Limit:
    def __init__(self, max_bytes: int, reason: str):
        self.max_bytes, self.reason, self.used = int(max_bytes), reason, 0


@contextlib.contextmanager
def allocation_limit(max_bytes: int | None, reason: str) -> Iterator[None]:
    """Charge allocations inside the block against `max_bytes` (None: no limit).

    Args:
        max_bytes: the most bytes the block may allocate through `charge`.
        reason: the end of the error message: why the limit is what it is and how
            to raise it.

    Example:
        >>> with allocation_limit(1000, "a test."):
        ...     charge(800, "weight 'w'")
        ...     charge(800, "weight 'v'")
        Traceback (most recent call last):
        ...
        lamina.backend._budget.AllocationLimitError: weight 'v' would take 800 bytes, ...
        more than the 1000 allowed: a test.
    """
    if max_bytes is None:
        yield
        return
    token = _limit.set(_Limit(max_bytes, reason))
    try:
        yield
    finally:
        _limit.reset(token)


def charge(nbytes: int, what: str) -> None:
    """Count `nbytes` against the open limit, if any; `ValueError` past it."""
    limit = _limit.get()
    if limit is None:
        return
    limit.used += int(nbytes)
    if limit.used > limit.max_bytes:
        raise AllocationLimitError(f"{what} would take {int(nbytes)} bytes, which brings the "
                                   f"total to {limit.used} bytes, more than the "
                                   f"{limit.max_bytes} allowed: {limit.reason}")


def charge_shape(shape: Any, dtype: Any, what: str) -> None:
    """Charge an array of `shape` and `dtype` (computed without overflow), before it
    exists; a shape that is not a tuple of non-negative integers is refused."""
    if _limit.get() is None:
        return
    dims = tuple(shape)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0
               for d in dims):
        raise ValueError(f"{what} has shape {dims}, which is not a tuple of non-negative "
                         "integers.")
    size = 1
    for d in dims:
        size *= int(d)
    charge(size * np.dtype(dtype or "float32").itemsize, f"{what} of shape {dims}")
