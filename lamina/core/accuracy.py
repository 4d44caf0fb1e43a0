"""Per-sample accuracies (1.0 where the prediction is right), as Keras defines them.

Each is a pure function `(y_true, y_pred) -> values` of shape `(n,)`, averaged by
`metrics.mean_metric`. Pure JAX, traceable under `jax.jit`.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina.core.loss_shapes import align


def accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    """Mean of exact equality `y_true == y_pred` over the last axis.

    Example:
        >>> accuracy([[1], [2], [3]], [[1], [2], [4]]).tolist()
        [1.0, 1.0, 0.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean((y_true == y_pred).astype(jnp.float32), axis=-1)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> jax.Array:
    """Mean over the last axis of `y_true == (y_pred > threshold)`.

    Example:
        >>> binary_accuracy([[1], [0], [1]], [[0.9], [0.8], [0.3]]).tolist()
        [1.0, 0.0, 0.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return jnp.mean((y_true == predicted).astype(jnp.float32), axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    """1.0 where `argmax(y_true) == argmax(y_pred)` for one-hot targets.

    Example:
        >>> categorical_accuracy([[0, 1], [1, 0]], [[0.3, 0.7], [0.4, 0.6]]).tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return (jnp.argmax(y_true, -1) == jnp.argmax(y_pred, -1)).astype(jnp.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> jax.Array:
    """1.0 where the integer label equals `argmax(y_pred)`.

    Example:
        >>> sparse_categorical_accuracy([1, 0], [[0.3, 0.7], [0.4, 0.6]]).tolist()
        [1.0, 0.0]
    """
    y_true, y_pred = align(y_true, y_pred, sparse=True)
    return (y_true == jnp.argmax(y_pred, -1)).astype(jnp.float32)


def _in_top_k(labels: jax.Array, y_pred: jax.Array, k: int) -> jax.Array:
    kth = jax.lax.top_k(y_pred, min(k, y_pred.shape[-1]))[0][..., -1]
    target = jnp.take_along_axis(y_pred, labels[..., None], axis=-1)[..., 0]
    return (target >= kth).astype(jnp.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> jax.Array:
    """1.0 where the one-hot target's class is among the `k` largest predictions.

    Ties at the k-th value count as inside, as in Keras.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], k=2).tolist()
        [0.0, 1.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return _in_top_k(jnp.argmax(y_true, -1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> jax.Array:
    """1.0 where the integer label is among the `k` largest predictions.

    Example:
        >>> sparse_top_k_categorical_accuracy([2, 1], [[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]], k=2).tolist()
        [0.0, 1.0]
    """
    y_true, y_pred = align(y_true, y_pred, sparse=True)
    return _in_top_k(y_true, y_pred, k)
