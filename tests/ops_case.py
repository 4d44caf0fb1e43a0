"""The shared runner of the table-driven op tests (tests/test_ops_*.py).

Each module lists `CASES = {op_name: Case(...)}`; the op runs on the case's
arguments and is compared with `expected`, a NumPy/SciPy computation of the same
arguments (or a fixed value). When every argument is an array or a number, the op
also runs on symbolic tensors of the same shapes and dtypes, and the symbolic
outputs must have the eager outputs' shapes and dtypes.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import numpy as np

import lamina as keras
from lamina import ops

RNG = np.random.default_rng(0)
P = RNG.uniform(0.1, 0.9, (3, 4)).astype("float32")     # in (0, 1)
N = RNG.normal(size=(3, 4)).astype("float32")           # any sign
G = RNG.uniform(1.1, 3.0, (3, 4)).astype("float32")     # > 1
INT = RNG.integers(1, 10, (3, 4)).astype("int32")
INT2 = RNG.integers(1, 5, (3, 4)).astype("int32")
B = N > 0
B2 = RNG.normal(size=(3, 4)) > 0


class Case(NamedTuple):
    """One op call and its reference.

    Attributes:
        args: the positional arguments.
        expected: `expected(*args, **kwargs)` computes the reference with NumPy/SciPy;
            a non-callable is the reference itself.
        kwargs: keyword arguments.
        rtol, atol: the tolerances.
        symbolic: whether to check the op on symbolic tensors too.
        check: a custom comparison `check(result, args, kwargs)` instead of `expected`.
    """

    args: tuple
    expected: Any = None
    kwargs: dict = {}
    rtol: float = 1e-5
    atol: float = 1e-6
    symbolic: bool = True
    check: Callable[..., None] | None = None


def op_by_name(name: str) -> Callable[..., Any]:
    """`lamina.ops.<name>`, or `ops.image.<name>` / `ops.linalg.<name>` for `image.x`."""
    target = ops
    for part in name.split("."):
        target = getattr(target, part)
    return target


def run_case(name: str, case: Case) -> None:
    fn = op_by_name(name)
    result = fn(*case.args, **case.kwargs)
    if case.check is not None:
        case.check(result, case.args, case.kwargs)
    else:
        expected = case.expected(*case.args, **case.kwargs) if callable(case.expected) \
            else case.expected
        _compare(result, expected, case.rtol, case.atol, name)
    if case.symbolic and _all_arrays(case.args):
        _check_symbolic(fn, case, result)


def _compare(result: Any, expected: Any, rtol: float, atol: float, name: str) -> None:
    if isinstance(expected, (tuple, list)) and not isinstance(result, (np.ndarray, jax.Array)):
        assert len(result) == len(expected), f"{name}: {len(result)} outputs"
        for r, e in zip(result, expected):
            _compare(r, e, rtol, atol, name)
        return
    result, expected = np.asarray(result), np.asarray(expected)
    assert result.shape == expected.shape, f"{name}: shape {result.shape} != {expected.shape}"
    if expected.dtype == bool or result.dtype == bool:
        np.testing.assert_array_equal(result, expected, err_msg=name)
    elif np.iscomplexobj(expected) or np.iscomplexobj(result):
        np.testing.assert_allclose(result.astype(np.complex128), expected.astype(np.complex128),
                                   rtol=rtol, atol=atol, err_msg=name)
    else:
        np.testing.assert_allclose(result.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, err_msg=name, equal_nan=True)


def _all_arrays(args: tuple) -> bool:
    return any(isinstance(a, np.ndarray) for a in args) and all(
        isinstance(a, (np.ndarray, int, float, bool, str)) for a in args)


def _check_symbolic(fn: Callable[..., Any], case: Case, eager: Any) -> None:
    args = tuple(keras.Input(batch_shape=a.shape, dtype=str(a.dtype))
                 if isinstance(a, np.ndarray) else a for a in case.args)
    symbolic = fn(*args, **case.kwargs)
    eager_leaves = jax.tree.leaves(eager)
    symbolic_leaves = jax.tree.leaves(symbolic, is_leaf=lambda t: hasattr(t, "_keras_history"))
    assert len(symbolic_leaves) == len(eager_leaves)
    for s, e in zip(symbolic_leaves, eager_leaves):
        e = np.asarray(e)
        assert s.shape == e.shape, f"symbolic shape {s.shape} != eager {e.shape}"
        assert np.dtype(s.dtype) == e.dtype, f"symbolic dtype {s.dtype} != eager {e.dtype}"
