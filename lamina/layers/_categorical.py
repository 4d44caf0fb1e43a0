"""Integer indices to one-hot, multi-hot, count or tf-idf vectors, as Keras's
`encode_categorical_inputs`, in NumPy (host layers) and in JAX (compiled layers).

Shapes follow Keras: a last axis of size 1 is replaced by `depth`; for `one_hot`
any other last axis gains a new `depth` axis; `multi_hot`, `count` and `tf_idf`
reduce the last axis (a 1-D input becomes one vector of `depth`). Indices outside
`[0, depth)` count for nothing.
"""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF = "int", "one_hot", "multi_hot", "count", "tf_idf"
_ALIASES = {"binary": MULTI_HOT, "tf-idf": TF_IDF}


def check_output_mode(layer: str, mode: Any, allowed: Sequence[str]) -> str:
    """The mode with Keras's aliases resolved (`"binary"`, `"tf-idf"`), or an error
    listing the allowed modes."""
    mode = _ALIASES.get(mode, mode)
    if mode not in allowed:
        raise ValueError(f"{layer} received output_mode={mode!r}, which is not one of "
                         f"{list(allowed)}.")
    return mode


def check_not_sparse(layer: str, sparse: Any, ragged: Any = False) -> None:
    """Lamina's preprocessing layers give dense outputs only."""
    if sparse or ragged:
        what = "sparse" if sparse else "ragged"
        raise ValueError(f"{layer} received {what}=True, but Lamina's preprocessing layers "
                         f"give dense arrays only. Leave {what}=False (padded int outputs "
                         "with output_sequence_length for ragged text).")


def output_shape(shape: tuple, mode: str, depth: int | None) -> tuple:
    """The encoded shape for an index shape (the batch may be None).

    Example:
        >>> output_shape((None, 3), "multi_hot", 5), output_shape((None, 3), "one_hot", 5)
        ((None, 5), (None, 3, 5))
    """
    shape = tuple(shape)
    if mode == INT:
        return shape
    if not shape:
        return (depth,)
    if mode == ONE_HOT and shape[-1] != 1:
        return shape + (depth,)
    return shape[:-1] + (depth,)


def _check_rank(shape: tuple, mode: str) -> None:
    rank = len(shape) + (1 if mode == ONE_HOT and (not shape or shape[-1] != 1) else 0)
    if rank > 2:
        raise ValueError(f"output_mode={mode!r} gives outputs of rank 2 at most, but the "
                         f"indices have shape {shape}. Pass (batch,) or (batch, tokens) "
                         "inputs, or use output_mode='int'.")


def encode_numpy(indices: np.ndarray, mode: str, depth: int,
                 idf_weights: np.ndarray | None = None,
                 count_weights: np.ndarray | None = None) -> np.ndarray:
    """Encode integer `indices` on the host (float32).

    Example:
        >>> encode_numpy(np.array([[0, 2, 2], [1, 9, 1]]), "count", 3).tolist()
        [[1.0, 0.0, 2.0], [0.0, 2.0, 0.0]]
    """
    indices = np.asarray(indices)
    _check_rank(indices.shape, mode)
    if mode == ONE_HOT and (indices.ndim == 0 or indices.shape[-1] != 1):
        indices = indices[..., None]
    if indices.ndim == 0:
        indices = indices[None]
    flat = indices.reshape(-1, indices.shape[-1]).astype(np.int64)
    out = np.zeros((flat.shape[0], depth), np.float32)
    rows = np.broadcast_to(np.arange(flat.shape[0])[:, None], flat.shape)
    keep = (flat >= 0) & (flat < depth)
    weights = np.ones(flat.shape, np.float32) if count_weights is None else \
        np.asarray(count_weights, np.float32).reshape(flat.shape)
    np.add.at(out, (rows[keep], flat[keep]), weights[keep])
    if mode in (ONE_HOT, MULTI_HOT):
        out = np.minimum(out, 1.0)
    if mode == TF_IDF:
        out = out * np.asarray(idf_weights, np.float32)[:depth]
    return out.reshape(indices.shape[:-1] + (depth,))


def encode_jax(indices: Any, mode: str, depth: int, count_weights: Any = None) -> jax.Array:
    """Encode integer `indices` inside a compiled program (float32).

    Example:
        >>> encode_jax(jnp.array([[0, 2, 2], [1, 9, 1]]), "multi_hot", 3).tolist()
        [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    _check_rank(tuple(indices.shape), mode)
    indices = indices.astype(jnp.int32)
    if mode == ONE_HOT and (indices.ndim == 0 or indices.shape[-1] != 1):
        indices = indices[..., None]
    if indices.ndim == 0:
        indices = indices[None]
    hot = jax.nn.one_hot(indices, depth, dtype=jnp.float32)  # out of range: all zeros
    if count_weights is not None:
        hot = hot * jnp.asarray(count_weights, jnp.float32)[..., None]
    if mode in (ONE_HOT, MULTI_HOT):
        return jnp.max(hot, axis=-2)
    return jnp.sum(hot, axis=-2)
