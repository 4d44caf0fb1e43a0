"""Masks attached to layer outputs, as Keras attaches `_keras_mask` to tensors.

JAX's tracers take no attributes, so during a call the masks live in a table keyed
by the identity of the output (the table holds the output too, so its id cannot be
reused while the table lives). The outermost layer or model call opens the table
and drops it when it returns; a layer called inside it (in `Sequential`, a
functional graph, or a subclassed model's `call`) finds the mask of what it
receives there. A concrete array that leaves the outermost call also carries its
mask as the attribute `_keras_mask`, so eager code like `masking(x)` followed by
`lstm(...)` on the result keeps it. Masks are arrays inside the compiled program;
nothing branches on their values.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

import jax

from lamina.backend._tree import flatten, map_structure, pack_like

_local = threading.local()


@contextlib.contextmanager
def mask_scope() -> Iterator[None]:
    """Open the mask table for a call (reentrant: inner calls share the outer table).

    Example:
        >>> import jax.numpy as jnp
        >>> x = jnp.ones((2, 3))
        >>> with mask_scope():
        ...     set_mask(x, jnp.array([True, False]))
        ...     get_mask(x).tolist()
        [True, False]
    """
    table = getattr(_local, "table", None)
    if table is not None:
        yield
        return
    _local.table = {}
    try:
        yield
    finally:
        _local.table = None


def _concrete(x: Any) -> bool:
    return isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer)


def set_mask(x: Any, mask: Any) -> None:
    """Attach `mask` (an array or None) to the output `x`."""
    if x is None:
        return
    table = getattr(_local, "table", None)
    if table is not None:
        table[id(x)] = (x, mask)
    if _concrete(x):
        try:
            x._keras_mask = mask
        except AttributeError:
            pass


def get_mask(x: Any) -> Any:
    """The mask attached to `x`, or None."""
    table = getattr(_local, "table", None)
    if table is not None:
        found = table.get(id(x))
        if found is not None and found[0] is x:
            return found[1]
    return getattr(x, "_keras_mask", None) if _concrete(x) else None


def get_masks(tree: Any) -> Any:
    """The masks of a structure of tensors, in its structure; None when none has one.

    Example:
        >>> import jax.numpy as jnp
        >>> get_masks([jnp.ones(2), jnp.zeros(2)]) is None
        True
    """
    masks = map_structure(get_mask, tree)
    return None if all(m is None for m in flatten(masks)) else masks


def set_masks(tree: Any, masks: Any) -> None:
    """Attach masks to a structure of outputs (`masks` None, one mask, or a structure)."""
    leaves = flatten(tree)
    if masks is None:
        mask_leaves: list = [None] * len(leaves)
    elif len(leaves) == 1 and not isinstance(masks, (list, tuple, dict)):
        mask_leaves = [masks]
    else:
        mask_leaves = flatten(masks)
        if len(mask_leaves) != len(leaves):
            mask_leaves = [None] * len(leaves)
    for x, m in zip(leaves, mask_leaves):
        set_mask(x, m)


def pack_masks(tree: Any, masks: Any) -> Any:
    """`masks` given as a flat list, in the structure of `tree`."""
    return pack_like(tree, masks)
