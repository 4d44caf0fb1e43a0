"""Loss functions as pure JAX functions, with Keras's formulas and shape rules.

Every loss here is `fn(y_true, y_pred, **config) -> values`: it aligns its
inputs with `align`, then reduces only the last axis as Keras does, so a batch
of shape `(n, k)` gives per-sample values of shape `(n,)`. `reduce` turns
per-sample values into the batch loss (Keras's "sum_over_batch_size"), and
`compute` chains the three steps. All of it traces under `jax.jit`.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from lamina.core.loss_shapes import (EPSILON, REDUCTIONS, align,  # noqa: F401
                                     check_reduction, divide_no_nan, reduce, weigh)

LossFn = Callable[..., jax.Array]


def mean_squared_error(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean((y_true - y_pred) ** 2, axis=-1)`.

    Example:
        >>> mean_squared_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]]).tolist()
        [0.5, 0.5]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean(abs(y_true - y_pred), axis=-1)`.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[2.0, 1.0]]).tolist()
        [1.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> jax.Array:
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`.

    Example:
        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).tolist()
        [25.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)`.

    Example:
        >>> mean_squared_logarithmic_error([[0.0]], [[1.718281828]]).tolist()
        [1.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    first = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0)
    second = jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> jax.Array:
    """Quadratic for errors up to `delta`, linear beyond: `mean` over the last axis.

    Example:
        >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).tolist()
        [1.3125]
    """
    y_true, y_pred = align(y_true, y_pred)
    error = jnp.abs(y_pred - y_true)
    delta = jnp.asarray(delta, y_pred.dtype)
    losses = jnp.where(error <= delta, 0.5 * jnp.square(error),
                       delta * error - 0.5 * jnp.square(delta))
    return jnp.mean(losses, axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow.

    Example:
        >>> log_cosh([[0.0]], [[1.0]]).tolist()
        [0.4338]
    """
    y_true, y_pred = align(y_true, y_pred)
    diff = y_pred - y_true
    return jnp.mean(diff + jax.nn.softplus(-2.0 * diff) - jnp.log(2.0).astype(diff.dtype), axis=-1)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> jax.Array:
    """Binary crossentropy averaged over `axis`, as Keras 3 computes it.

    Labels are smoothed towards 0.5; probabilities are clipped to
    `[1e-7, 1 - 1e-7]`; logits go through a stable log-sigmoid.

    Example:
        >>> binary_crossentropy([[1.0], [0.0]], [[0.9], [0.2]]).tolist()
        [0.10536, 0.22314]
    """
    y_true, y_pred = align(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        losses = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    else:
        p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        losses = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(losses, axis=axis)


def _log_probabilities(y_pred: jax.Array, from_logits: bool, axis: int) -> jax.Array:
    if from_logits:
        return jax.nn.log_softmax(y_pred, axis=axis)
    p = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(p, EPSILON, 1.0 - EPSILON))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> jax.Array:
    """`-sum(y_true * log(p), axis)` for one-hot targets.

    Probabilities are renormalized to sum to 1 and clipped to
    `[1e-7, 1 - 1e-7]`; logits go through a stable log-softmax. Labels are
    smoothed towards `1 / num_classes`.

    Example:
        >>> categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).tolist()
        [0.6931]
    """
    y_true, y_pred = align(y_true, y_pred)
    if label_smoothing:
        classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return -jnp.sum(y_true * _log_probabilities(y_pred, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None,
                                    axis: int = -1) -> jax.Array:
    """Categorical crossentropy for integer class labels of shape `y_pred.shape[:-1]`.

    Samples whose label equals `ignore_class` get a loss of 0.

    Example:
        >>> sparse_categorical_crossentropy([1, 0], [[0.5, 0.5], [0.9, 0.1]]).tolist()
        [0.6931, 0.10536]
    """
    y_true, y_pred = align(y_true, y_pred, sparse=True)
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = jnp.where(valid, y_true, 0)
    log_p = _log_probabilities(y_pred, from_logits, axis)
    picked = jnp.take_along_axis(log_p, jnp.expand_dims(y_true, axis), axis=axis)
    losses = -jnp.squeeze(picked, axis)
    return losses if valid is None else jnp.where(valid, losses, 0.0)


def kl_divergence(y_true: Any, y_pred: Any) -> jax.Array:
    """`sum(t * log(t / p), axis=-1)` with both clipped to `[1e-7, 1]`.

    Example:
        >>> kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).tolist()
        [0.1438]
    """
    y_true, y_pred = align(y_true, y_pred)
    t = jnp.clip(y_true, EPSILON, 1.0)
    p = jnp.clip(y_pred, EPSILON, 1.0)
    return jnp.sum(t * jnp.log(t / p), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`.

    Example:
        >>> poisson([[1.0]], [[1.0]]).tolist()
        [1.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


def _normalize(x: jax.Array, axis: int) -> jax.Array:
    norm = jnp.sqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x / jnp.maximum(norm, EPSILON)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> jax.Array:
    """Negative cosine of the angle between targets and predictions along `axis`.

    Example:
        >>> cosine_similarity([[0.0, 1.0], [1.0, 1.0]], [[0.0, 2.0], [-1.0, -1.0]]).tolist()
        [-1.0, 1.0]
    """
    y_true, y_pred = align(y_true, y_pred)
    return -jnp.sum(_normalize(y_true, axis) * _normalize(y_pred, axis), axis=axis)


def _hinge_labels(y_true: jax.Array) -> jax.Array:
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`; {0, 1} labels become {-1, 1}.

    Example:
        >>> hinge([[1.0], [0.0]], [[0.3], [0.5]]).tolist()
        [0.7, 1.5]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> jax.Array:
    """`mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)`; {0, 1} labels become {-1, 1}.

    Example:
        >>> squared_hinge([[1.0], [0.0]], [[0.3], [0.5]]).tolist()
        [0.49, 2.25]
    """
    y_true, y_pred = align(y_true, y_pred)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> jax.Array:
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample.

    Example:
        >>> categorical_hinge([[0.0, 1.0]], [[0.6, 0.4]]).tolist()
        [1.2]
    """
    y_true, y_pred = align(y_true, y_pred)
    positive = jnp.sum(y_true * y_pred, axis=-1)
    negative = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(negative - positive + 1.0, 0.0)


LOSSES: dict[str, LossFn] = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence,
    poisson, cosine_similarity, hinge, squared_hinge, categorical_hinge)}


def compute(fn: LossFn, y_true: Any, y_pred: Any, sample_weight: Any = None,
            **config: Any) -> jax.Array:
    """Align, apply a per-sample loss and reduce with "sum_over_batch_size".

    Built-in losses check shapes strictly; any other function gets only the
    rank fix of `align` before it is called.

    Args:
        fn: a per-sample loss `fn(y_true, y_pred, **config)`.
        y_true: targets.
        y_pred: predictions.
        sample_weight: optional weights of shape `(n,)` or `(n, 1)`.
        **config: keyword arguments for `fn`, e.g. `from_logits=True`.

    Returns:
        The scalar batch loss.

    Example:
        >>> import jax.numpy as jnp
        >>> float(compute(mean_squared_error, jnp.array([1.0, 2.0]), jnp.array([[1.0], [4.0]])))
        2.0
    """
    builtin = fn in LOSSES.values()
    sparse = fn is sparse_categorical_crossentropy
    y_true, y_pred = align(y_true, y_pred, sparse=sparse, strict=builtin)
    return reduce(fn(y_true, y_pred, **config), sample_weight)
