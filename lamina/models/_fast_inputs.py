"""The host work of single-batch calls, done once per input signature.

Loops written by hand (a GAN, a deep Q-network) call `train_on_batch`,
`test_on_batch` and `predict_on_batch` thousands of times on small batches, so the
host work of each call is what they cost. The first call with a given signature
(plain NumPy arrays of given dtypes and trailing shapes) goes through the full
conversion and validation; when that left the arrays as they were, up to a dtype
cast, later calls with the same signature only check the row counts and cast, as
Keras does (no NaN scan: a NaN gives NaN outputs, as in Keras). The one check kept
on every call is the host check of token ids (`_host_checks`: an Embedding's largest
and smallest id), a pass over the small array.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from lamina.models._host_checks import check_host_inputs, has_host_checks

_MAX_SIGNATURES = 64


def signature(arrays: Sequence[Any]) -> tuple | None:
    """`(dtype, trailing shape)` of each array (None for a missing one), or None
    when one is not a plain NumPy array with a batch axis.

    Example:
        >>> signature([np.zeros((3, 4), np.float32), None])
        ((dtype('float32'), (4,)), None)
        >>> signature([[1.0, 2.0]]) is None
        True
    """
    out = []
    for a in arrays:
        if a is None:
            out.append(None)
        elif type(a) is np.ndarray and a.ndim:
            out.append((a.dtype, a.shape[1:]))
        else:
            return None
    return tuple(out)


class FastInputs:
    """Input signatures whose conversion is known to be a cast (one per model).

    Example:
        >>> fast = FastInputs()
        >>> x = np.zeros((2, 3))  # float64, which the model reads as float32
        >>> fast.lookup("predict", (x,)) is None
        True
        >>> fast.learn("predict", (x,), (x.astype(np.float32),))
        >>> fast.lookup("predict", (np.ones((5, 3)),))[0].dtype
        dtype('float32')
    """

    def __init__(self, check: Callable[[str, tuple], None] | None = None) -> None:
        self._known: dict[tuple, tuple] = {}
        self._check = check  # (kind, converted arrays) -> None, or raises

    def lookup(self, kind: str, arrays: Sequence[Any]) -> tuple | None:
        """The converted arrays, or None when the full path must run."""
        sig = signature(arrays)
        if sig is None:
            return None
        known = self._known.get((kind, sig))
        if known is None:
            return None
        rows = arrays[0].shape[0]
        out = []
        for a, target in zip(arrays, known):
            if a is None:
                out.append(None)
                continue
            if a.shape[0] != rows:
                return None  # the full path says what is wrong
            dtype, trailing = target
            if a.dtype != dtype:
                a = a.astype(dtype)
            out.append(a if a.shape[1:] == trailing else a.reshape((rows,) + trailing))
        if self._check is not None:
            self._check(kind, tuple(out))
        return tuple(out)

    def learn(self, kind: str, given: Sequence[Any], converted: Sequence[Any]) -> None:
        """Remember the signature of `given` when the full path only cast it (or gave
        a `(n,)` array its feature axis)."""
        sig = signature(given)
        if sig is None or len(self._known) >= _MAX_SIGNATURES:
            return
        for a, c in zip(given, converted):
            if (a is None) != (c is None):
                return
            if a is not None and (type(c) is not np.ndarray or c.shape[:1] != a.shape[:1]
                                  or c.size != a.size):
                return
        self._known[(kind, sig)] = tuple(None if c is None else (c.dtype, c.shape[1:])
                                         for c in converted)


def learn_for(model: Any, kind: str, given: Sequence[Any],
              converted: Sequence[Any]) -> None:
    """`fast_inputs(model).learn(...)`."""
    fast_inputs(model).learn(kind, given, converted)


def _check_host(model: Any, kind: str, arrays: tuple) -> None:
    """The host check of token ids on the fast path (the x of each kind of call)."""
    if has_host_checks(model):
        check_host_inputs(model, list(arrays) if kind == "predict_list" else arrays[0])


def fast_inputs(model: Any) -> FastInputs:
    """The model's `FastInputs`, made on first use; its lookups keep the model's host
    checks of token ids."""
    fast = model.__dict__.get("_fast_inputs")
    if fast is None:
        fast = model.__dict__["_fast_inputs"] = FastInputs(partial(_check_host, model))
    return fast
