"""What `fit`, `evaluate` and `predict` call first: user data to validated NumPy trees.

A tree is one array, a dict of named inputs, or a list/tuple of arrays for
several inputs. A list whose items are arrays (or DataFrames, Series, sparse
matrices, dicts) is several inputs; a list of numbers or of lists of numbers
is one array. Arrays stay on the host: the engine places them on the device once.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from lamina.data import _convert as convert
from lamina.data._tree import Tree, check_same_rows


class Arrays(NamedTuple):
    """Adapted data: inputs, targets and per-sample weights (each a tree or None).

    Attributes:
        x: the inputs, an array or a dict/list/tuple of arrays.
        y: the targets in the same forms, or None (prediction, `add_loss` models).
        sample_weight: float32 weights, or None.
    """

    x: Tree
    y: Tree = None
    sample_weight: Tree = None


def is_multi(value: Any) -> bool:
    """Whether a list/tuple holds several inputs rather than the rows of one array.

    Args:
        value: any value.

    Returns:
        True for a list/tuple with at least one array-like or dict item.

    Example:
        >>> import numpy as np
        >>> is_multi([np.zeros(3), np.ones(3)]), is_multi([[1.0, 2.0], [3.0, 4.0]])
        (True, False)
    """
    return isinstance(value, (list, tuple)) and any(
        isinstance(item, dict) or convert.is_array(item) for item in value
    )


def _adapt_tree(value: Any, name: str, role: str) -> Tree:
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"{name} is an empty dict. Give each named input an array.")
        return {key: _adapt_tree(item, f"{name}[{key!r}]", role) for key, item in value.items()}
    if is_multi(value):
        items = [_adapt_tree(item, f"{name}[{i}]", role) for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    return convert.adapt_leaf(value, name=name, role=role)


def adapt_x(x: Any, *, name: str = "x") -> Tree:
    """Converts model inputs to float32 NumPy arrays and validates them.

    Args:
        x: a NumPy array, nested lists of numbers, a pandas DataFrame/Series, a
            scipy.sparse matrix (densified), or a dict/list/tuple of those for a
            model with several inputs.
        name: the name used in error messages.

    Returns:
        The same structure with float32 NumPy arrays; an array that is already
        float32 is returned as is, without a copy.

    Raises:
        TypeError: for unsupported types.
        ValueError: for empty, ragged, non-numeric or non-finite data, or
            several inputs with different numbers of rows.

    Example:
        >>> adapt_x([[1, 2], [3, 4]])
        array([[1., 2.],
               [3., 4.]], dtype=float32)
        >>> adapt_x([[1.0, float("nan")]])
        Traceback (most recent call last):
        ...
        ValueError: x contains 1 NaN value(s) ... first at row 0, column 1. ...
    """
    tree = _adapt_tree(x, name, convert.FEATURES)
    check_same_rows((name, tree))
    return tree


def adapt_y(y: Any, *, name: str = "y") -> Tree:
    """Converts targets: floats and booleans to float32, integers to int32.

    Args:
        y: the targets, in any form `adapt_x` accepts (dict/list for several outputs).
        name: the name used in error messages.

    Returns:
        The same structure with NumPy arrays.

    Raises:
        TypeError: for unsupported types.
        ValueError: for strings (encode labels first), empty or non-finite data.

    Example:
        >>> import numpy as np
        >>> adapt_y(np.array([0, 2, 1], dtype=np.int64))
        array([0, 2, 1], dtype=int32)
        >>> adapt_y(["cat", "dog"])
        Traceback (most recent call last):
        ...
        ValueError: y contains strings or other non-numeric labels: ...LabelEncoder...
    """
    tree = _adapt_tree(y, name, convert.TARGETS)
    check_same_rows((name, tree))
    return tree


def adapt_xy(x: Any, y: Any = None, sample_weight: Any = None, *, prefix: str = "") -> Arrays:
    """Adapts and validates inputs, targets and sample weights together.

    Args:
        x: the inputs (see `adapt_x`).
        y: the targets (see `adapt_y`), or None.
        sample_weight: per-sample weights, converted to float32, or None.
        prefix: put before the names in error messages, e.g. "validation_data ".

    Returns:
        `Arrays(x, y, sample_weight)` of NumPy trees.

    Raises:
        TypeError: for unsupported types.
        ValueError: for invalid data, or parts with different numbers of rows.

    Example:
        >>> import numpy as np
        >>> data = adapt_xy(np.zeros((4, 3)), [0, 1, 1, 0])
        >>> data.x.shape, data.x.dtype, data.y.dtype, data.sample_weight
        ((4, 3), dtype('float32'), dtype('int32'), None)
        >>> adapt_xy(np.zeros((100, 3)), np.zeros(99))
        Traceback (most recent call last):
        ...
        ValueError: x has 100 rows but y has 99 rows. ...
    """
    names = (f"{prefix}x", f"{prefix}y", f"{prefix}sample_weight")
    x_tree = _adapt_tree(x, names[0], convert.FEATURES)
    y_tree = None if y is None else _adapt_tree(y, names[1], convert.TARGETS)
    w_tree = None
    if sample_weight is not None:
        w_tree = _adapt_tree(sample_weight, names[2], convert.WEIGHTS)
    check_same_rows((names[0], x_tree), (names[1], y_tree), (names[2], w_tree))
    return Arrays(x_tree, y_tree, w_tree)

