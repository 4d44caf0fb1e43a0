"""Trees of arrays: one array, or dicts, lists and tuples of them (multiple inputs).

The data functions keep the structure the user gave (a dict of named inputs
stays a dict) and walk it with the two helpers here; `None` marks an absent
part (no targets, no sample weights) and has no leaves.
"""
from __future__ import annotations

from typing import Any, Callable, Union

import numpy as np

Tree = Union[np.ndarray, dict, list, tuple, None]


def leaves(tree: Tree, name: str) -> list[tuple[str, np.ndarray]]:
    """Lists the arrays of a tree with the names used in error messages.

    Args:
        tree: an array, a dict/list/tuple of trees, or None.
        name: the name of the whole tree, e.g. "x".

    Returns:
        `(name, array)` pairs in order, named like `x['age']` or `x[1]`.

    Example:
        >>> import numpy as np
        >>> [n for n, _ in leaves({"a": np.zeros(2), "b": [np.ones(2)]}, "x")]
        ["x['a']", "x['b'][0]"]
    """
    if tree is None:
        return []
    if isinstance(tree, dict):
        out = []
        for key, value in tree.items():
            out.extend(leaves(value, f"{name}[{key!r}]"))
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for i, value in enumerate(tree):
            out.extend(leaves(value, f"{name}[{i}]"))
        return out
    return [(name, tree)]


def map_leaves(fn: Callable[[np.ndarray], Any], tree: Tree) -> Tree:
    """Applies `fn` to every array of a tree, keeping its structure.

    Args:
        fn: a function of one array.
        tree: an array, a dict/list/tuple of trees, or None.

    Returns:
        The tree of `fn`'s results (None stays None).

    Example:
        >>> import numpy as np
        >>> map_leaves(lambda a: a[:1], {"a": np.arange(3), "b": (np.arange(2),)})
        {'a': array([0]), 'b': (array([0]),)}
    """
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: map_leaves(fn, value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [map_leaves(fn, value) for value in tree]
    if isinstance(tree, tuple):
        return tuple(map_leaves(fn, value) for value in tree)
    return fn(tree)


def check_same_rows(*named_trees: tuple[str, Tree]) -> int:
    """Checks that every array of the given trees has the same number of rows.

    Args:
        *named_trees: `(name, tree)` pairs, e.g. `("x", x), ("y", y)`.

    Returns:
        The common number of rows.

    Raises:
        ValueError: if there are no arrays, or two arrays disagree.

    Example:
        >>> import numpy as np
        >>> check_same_rows(("x", np.zeros((3, 2))), ("y", np.zeros(3)))
        3
    """
    found = [pair for name, tree in named_trees for pair in leaves(tree, name)]
    if not found:
        raise ValueError(
            "No data was given: received no arrays. Pass x as a NumPy array, a "
            "pandas DataFrame, or a dict/list of arrays for several inputs."
        )
    first_name, first = found[0]
    rows = _rows(first, first_name)
    for other_name, other in found[1:]:
        other_rows = _rows(other, other_name)
        if other_rows != rows:
            ragged = first_name.endswith("[0]") and np.ndim(first) == 1 and \
                np.ndim(other) == 1
            hint = (" If it is one input of sequences of different lengths (token ids), "
                    "pad them into one array with keras.utils.pad_sequences(x, "
                    "maxlen=...).") if ragged else ""
            raise ValueError(
                f"{first_name} has {rows} rows but {other_name} has {other_rows} rows. "
                "Every input, target and sample weight needs one row per sample: "
                "check that they come from the same split (e.g. the same "
                f"train_test_split call) and the same filtering of rows.{hint}"
            )
    return rows


def num_rows(tree: Tree) -> int:
    """Returns the number of rows (samples) of a tree of arrays.

    Args:
        tree: an array, or a dict/list/tuple of arrays (multiple inputs).

    Returns:
        The length of the first axis, shared by all arrays.

    Raises:
        ValueError: if the tree holds no array or its arrays disagree.

    Example:
        >>> import numpy as np
        >>> num_rows({"a": np.zeros((5, 2)), "b": np.zeros(5)})
        5
    """
    return check_same_rows(("x", tree))


def _rows(array: Any, name: str) -> int:
    shape = getattr(array, "shape", None)
    if shape is None or len(shape) == 0:
        raise ValueError(
            f"{name} must be an array with one row per sample, but received "
            f"{type(array).__name__} {array!r:.60}. Wrap single values in a list."
        )
    return int(shape[0])
