"""Shapes and reductions of loss values: how targets meet outputs, and how per-sample
values become the batch loss (Keras's reductions). Pure JAX, traceable under `jax.jit`."""
from __future__ import annotations

import difflib
from typing import Any

import jax
import jax.numpy as jnp

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def divide_no_nan(x: jax.Array, y: jax.Array) -> jax.Array:
    """`x / y`, with 0 wherever `y == 0` (and no NaN in the gradient)."""
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    return jnp.where(y == 0, jnp.zeros_like(x / safe), x / safe)


def _shape_error(y_true: jax.Array, y_pred: jax.Array) -> ValueError:
    message = (f"Targets y_true of shape {tuple(y_true.shape)} do not match the "
               f"predictions y_pred of shape {tuple(y_pred.shape)}. ")
    classes = y_pred.shape[-1] if y_pred.ndim else 1
    labels = y_true.ndim == y_pred.ndim - 1 or (y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,))
    if classes > 1 and labels:
        message += ("They look like integer class labels: use "
                    "sparse_categorical_crossentropy (and sparse_categorical_accuracy) "
                    "for integer labels, or one-hot encode them to shape "
                    f"{tuple(y_pred.shape)}.")
    else:
        message += "Give targets with the same shape as the model's output."
    return ValueError(message)


def align(y_true: Any, y_pred: Any, *, sparse: bool = False,
          strict: bool = True) -> tuple[jax.Array, jax.Array]:
    """Make targets meet predictions: ranks, dtypes and shapes.

    A `(n,)` target against a `(n, 1)` output gets the axis added (never a
    broadcast to `(n, n)`); a `(n, 1)` target against a `(n,)` output adds the
    axis to the output. `y_true` is cast to `y_pred`'s float dtype (integer
    predictions become float32). With `sparse=True`, `y_true` holds integer
    class labels of shape `y_pred.shape[:-1]` (a trailing axis of 1 is dropped)
    and is cast to int32.

    Args:
        y_true: targets.
        y_pred: predictions.
        sparse: whether `y_true` holds integer class labels.
        strict: whether to require equal shapes after alignment (built-in
            losses do; wrapped user functions get only the rank fix).

    Returns:
        The aligned `(y_true, y_pred)`.

    Raises:
        ValueError: if the shapes cannot be matched; the message says what to use.

    Example:
        >>> import jax.numpy as jnp
        >>> t, p = align(jnp.array([0, 1, 1]), jnp.zeros((3, 1)))
        >>> t.shape, p.shape, str(t.dtype)
        ((3, 1), (3, 1), 'float32')
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = jnp.asarray(y_true)
    if sparse:
        if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
            y_true = y_true[..., 0]
        if y_true.shape != y_pred.shape[:-1]:
            if y_true.shape == y_pred.shape:
                raise ValueError(
                    f"Integer class labels of shape {tuple(y_pred.shape[:-1])} were expected "
                    f"for predictions of shape {tuple(y_pred.shape)}, but y_true has shape "
                    f"{tuple(y_true.shape)} and looks one-hot encoded: use "
                    "categorical_crossentropy (and categorical_accuracy) for one-hot targets.")
            raise ValueError(
                f"Integer class labels of shape {tuple(y_pred.shape[:-1])} were expected "
                f"for predictions of shape {tuple(y_pred.shape)}, but y_true has shape "
                f"{tuple(y_true.shape)}. Pass one class index per sample.")
        return y_true.astype(jnp.int32), y_pred
    y_true = y_true.astype(y_pred.dtype)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        else:
            y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        if y_true.ndim == 1:
            y_true = y_true[:, None]
        else:
            y_pred = y_pred[..., 0]
    if strict and y_true.shape != y_pred.shape:
        raise _shape_error(y_true, y_pred)
    return y_true, y_pred


def check_reduction(reduction: str | None) -> str:
    """The reduction's name (None means "none"), or a ValueError listing the valid ones.

    Example:
        >>> check_reduction(None), check_reduction("sum")
        ('none', 'sum')
    """
    name = "none" if reduction is None else reduction
    if name not in REDUCTIONS:
        close = difflib.get_close_matches(str(name), REDUCTIONS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown reduction {reduction!r}. Valid reductions: "
                         f"{', '.join(REDUCTIONS)}, or None.{hint}")
    return name


def weigh(values: jax.Array, sample_weight: Any = None) -> jax.Array:
    """Multiply per-sample values by weights of shape `(n,)` or `(n, 1)`.

    Raises:
        ValueError: if the weights cannot be spread over the values.
    """
    values = jnp.asarray(values)
    if sample_weight is None:
        return values
    w = jnp.asarray(sample_weight, values.dtype)
    while w.ndim > values.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    while 0 < w.ndim < values.ndim:
        w = w[..., None]
    try:
        jnp.broadcast_shapes(w.shape, values.shape)
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {tuple(jnp.shape(sample_weight))} cannot be applied "
            f"to per-sample values of shape {tuple(values.shape)}. Pass one weight per "
            f"sample, an array of shape ({values.shape[0] if values.ndim else 1},).") from None
    return values * w


def reduce(values: jax.Array, sample_weight: Any = None, *,
           reduction: str | None = "sum_over_batch_size") -> jax.Array:
    """Reduce per-sample losses to the batch loss, as Keras does.

    "sum_over_batch_size" (and "mean") is `sum(values * w) / values.size`;
    "sum" is `sum(values * w)`; "mean_with_sample_weight" divides by `sum(w)`;
    "none" (or None) returns the weighted values.

    Args:
        values: per-sample losses, e.g. shape `(n,)`.
        sample_weight: optional weights of shape `(n,)` or `(n, 1)`.
        reduction: one of `REDUCTIONS` or None.

    Returns:
        A scalar (or the weighted values for "none").

    Raises:
        ValueError: for an unknown reduction or weights of the wrong shape.

    Example:
        >>> import jax.numpy as jnp
        >>> float(reduce(jnp.array([1.0, 2.0, 3.0, 4.0]), jnp.array([1.0, 0.0, 1.0, 0.0])))
        1.0
    """
    reduction = check_reduction(reduction)
    weighted = weigh(values, sample_weight)
    if reduction == "none":
        return weighted
    total = jnp.sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        weights = jnp.broadcast_to(weigh(jnp.ones_like(values), sample_weight), weighted.shape)
        return divide_no_nan(total, jnp.sum(weights))
    return divide_no_nan(total, jnp.asarray(weighted.size, total.dtype))


def mask_weights(sample_weight: Any, mask: Any, *, for_loss: bool) -> Any:
    """Sample weights with a mask folded in, as Keras 3 applies masks.

    Masked positions get weight 0. For a loss (reduced by `sum_over_batch_size`) the
    kept positions are also scaled by `size / kept`, so the loss is the mean over the
    kept positions only; metrics take the plain mask, since they divide by the sum
    of the weights.

    Args:
        sample_weight: None, or weights of shape `(n,)` or `(n, 1)`.
        mask: None, or a boolean mask of the outputs, e.g. `(n, time)`.
        for_loss: whether the weights go to a loss (scaled) or a metric.

    Returns:
        The combined weights, or `sample_weight` when `mask` is None.

    Example:
        >>> import jax.numpy as jnp
        >>> w = mask_weights(None, jnp.array([[True, True, False, False]]), for_loss=True)
        >>> w.tolist()
        [[2.0, 2.0, 0.0, 0.0]]
    """
    if mask is None:
        return sample_weight
    m = jnp.asarray(mask).astype(jnp.float32)
    if for_loss:
        m = m * (m.size / (jnp.sum(m) + EPSILON))
    if sample_weight is None:
        return m
    w = jnp.asarray(sample_weight, jnp.float32)
    while w.ndim > m.ndim and w.shape[-1] == 1:
        w = w[..., 0]
    while w.ndim < m.ndim:
        w = w[..., None]
    return w * m
