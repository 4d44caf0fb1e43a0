"""Metric accumulators: pure `init`, `update`, `result` functions over named state.

A metric is an `Accumulator(init, update, result)`; its state is a NamedTuple of
arrays that lives inside the compiled epoch. The per-sample metric functions
(`binary_accuracy`, `categorical_accuracy`, ...) follow Keras's formulas and
return one value per sample, like the losses in `lamina.core.losses`.
"""
from __future__ import annotations

import difflib
from typing import Any, Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.accuracy import (accuracy, binary_accuracy,  # noqa: F401
                                  categorical_accuracy, sparse_categorical_accuracy,
                                  sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from lamina.core.loss_shapes import EPSILON, align, divide_no_nan

NEG_INF = -1e10


class Accumulator(NamedTuple):
    """A metric as three pure functions.

    `init() -> state`, `update(state, y_true, y_pred, sample_weight) -> state`
    (for `mean()`: `update(state, values, sample_weight)`), `result(state) -> array`.
    """

    init: Callable[[], Any]
    update: Callable[..., Any]
    result: Callable[[Any], jax.Array]


class MeanState(NamedTuple):
    """Running weighted sum of values and sum of weights."""

    total: jax.Array
    count: jax.Array


class ConfusionState(NamedTuple):
    """Weighted confusion counts, one entry per threshold."""

    true_positives: jax.Array
    false_positives: jax.Array
    true_negatives: jax.Array
    false_negatives: jax.Array


def _samplewise(values: Any, sample_weight: Any) -> tuple[jax.Array, jax.Array]:
    """Per-sample weighted values and weights, as Keras's `Mean` reduces them."""
    values = jnp.asarray(values, jnp.float32)
    if sample_weight is None:
        values = values.reshape(values.shape[0], -1).mean(axis=1) if values.ndim > 1 else values
        count = jnp.asarray(values.shape[0] if values.ndim else 1, jnp.float32)
        return jnp.sum(values), count
    w = jnp.asarray(sample_weight, jnp.float32)
    if w.ndim == values.ndim + 1 and w.shape[-1] == 1:
        w = w[..., 0]
    elif values.ndim == w.ndim + 1 and values.shape[-1] == 1:
        w = w[..., None]
    if values.ndim > w.ndim:
        values = values.mean(axis=tuple(range(w.ndim, values.ndim)))
    shape = jnp.broadcast_shapes(values.shape, w.shape)
    values = jnp.broadcast_to(values, shape) * jnp.broadcast_to(w, shape)
    w = jnp.broadcast_to(w, shape)
    if w.ndim > 1:
        values = values.mean(axis=tuple(range(1, w.ndim)))
        w = w.mean(axis=tuple(range(1, w.ndim)))
    return jnp.sum(values), jnp.sum(w)


def _mean_init() -> MeanState:
    return MeanState(jnp.zeros((), jnp.float32), jnp.zeros((), jnp.float32))


def _mean_update(state: MeanState, values: Any, sample_weight: Any = None) -> MeanState:
    total, count = _samplewise(values, sample_weight)
    return MeanState(state.total + total, state.count + count)


def _mean_result(state: MeanState) -> jax.Array:
    return divide_no_nan(state.total, state.count)


def mean() -> Accumulator:
    """The weighted mean of values: `update(state, values, sample_weight=None)`.

    Values of shape `(n, ...)` count as `n` samples (each the mean of its row);
    with weights, the result is `sum(w * v) / sum(w)`. The loss tracker uses it
    with the batch loss and the batch size as weight.

    Returns:
        An `Accumulator` whose state is a `MeanState(total, count)`.

    Example:
        >>> acc = mean()
        >>> state = acc.update(acc.init(), [1.0, 3.0], [3.0, 1.0])
        >>> float(acc.result(state))
        1.5
    """
    return Accumulator(_mean_init, _mean_update, _mean_result)


def mean_metric(fn: Callable[..., jax.Array], **kwargs: Any) -> Accumulator:
    """The weighted mean of a per-sample function (Keras's `MeanMetricWrapper`).

    Args:
        fn: `fn(y_true, y_pred, **kwargs) -> values` with one value per sample.
        **kwargs: fixed keyword arguments for `fn`.

    Returns:
        An `Accumulator` updated with `(state, y_true, y_pred, sample_weight)`.

    Example:
        >>> acc = mean_metric(binary_accuracy)
        >>> state = acc.update(acc.init(), [[1], [0], [1]], [[0.9], [0.8], [0.3]])
        >>> float(acc.result(state))
        0.333
    """
    def update(state: MeanState, y_true: Any, y_pred: Any, sample_weight: Any = None) -> MeanState:
        return _mean_update(state, fn(y_true, y_pred, **kwargs), sample_weight)

    return Accumulator(_mean_init, update, _mean_result)


def root_mean_squared_error() -> Accumulator:
    """`sqrt` of the weighted mean of squared errors over everything seen.

    Example:
        >>> acc = root_mean_squared_error()
        >>> state = acc.update(acc.init(), [[0.0], [0.0]], [[3.0], [4.0]])
        >>> float(acc.result(state))
        3.5355
    """
    def update(state: MeanState, y_true: Any, y_pred: Any, sample_weight: Any = None) -> MeanState:
        y_true, y_pred = align(y_true, y_pred)
        return _mean_update(state, jnp.square(y_pred - y_true), sample_weight)

    return Accumulator(_mean_init, update, lambda state: jnp.sqrt(_mean_result(state)))


def _top_k_mask(y_pred: jax.Array, k: int) -> jax.Array:
    """Keep each row's `k` largest values; the rest become `NEG_INF`."""
    _, index = jax.lax.top_k(y_pred, min(k, y_pred.shape[-1]))
    keep = jnp.sum(jax.nn.one_hot(index, y_pred.shape[-1], dtype=y_pred.dtype), axis=-2)
    return y_pred * keep + NEG_INF * (1.0 - keep)


def _confusion_update(state: ConfusionState, y_true: Any, y_pred: Any, sample_weight: Any,
                      thresholds: np.ndarray, evenly: bool, top_k: int | None,
                      class_id: int | None) -> ConfusionState:
    y_true, y_pred = align(y_true, y_pred)
    y_pred = y_pred.astype(jnp.float32)
    w = jnp.ones_like(y_pred)
    if sample_weight is not None:
        w = jnp.asarray(sample_weight, jnp.float32)
        while w.ndim > y_pred.ndim and w.shape[-1] == 1:
            w = w[..., 0]
        while 0 < w.ndim < y_pred.ndim:
            w = w[..., None]
        w = jnp.broadcast_to(w, y_pred.shape)
    if top_k is not None:
        y_pred = _top_k_mask(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred, w = y_true[..., class_id], y_pred[..., class_id], w[..., class_id]
    label = (y_true != 0).reshape(-1).astype(jnp.float32)
    p, w = y_pred.reshape(-1), w.reshape(-1)
    positive, negative = w * label, w * (1.0 - label)
    n = len(thresholds)
    if evenly:
        # Thresholds -eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps: a prediction is above
        # thresholds 0..b with b = ceil(p * (n-1)) - 1, so count by bucket.
        bucket = jnp.maximum(jnp.ceil(jnp.clip(p, 0.0, 1.0) * (n - 1)) - 1, 0).astype(jnp.int32)
        tp = jax.ops.segment_sum(positive, bucket, n)[::-1].cumsum()[::-1]
        fp = jax.ops.segment_sum(negative, bucket, n)[::-1].cumsum()[::-1]
    else:
        above = (p[None, :] > jnp.asarray(thresholds, jnp.float32)[:, None]).astype(jnp.float32)
        tp, fp = above @ positive, above @ negative
    return ConfusionState(state.true_positives + tp, state.false_positives + fp,
                          state.true_negatives + (jnp.sum(negative) - fp),
                          state.false_negatives + (jnp.sum(positive) - tp))


def _thresholds(thresholds: float | Sequence[float] | None, top_k: int | None) -> np.ndarray:
    if thresholds is None:
        return np.array([0.5 if top_k is None else NEG_INF])
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if values.ndim != 1 or values.size == 0 or np.any((values < 0) | (values > 1)):
        raise ValueError(f"thresholds must be a float or a list of floats in [0, 1], but "
                         f"received {thresholds!r}. Pass e.g. thresholds=0.5 or [0.3, 0.7].")
    return values


def confusion(kind: str, thresholds: float | Sequence[float] | None = None,
              top_k: int | None = None, class_id: int | None = None) -> Accumulator:
    """Precision, recall or a weighted confusion count at decision thresholds.

    A prediction counts as positive when it is strictly above a threshold
    (default 0.5; with `top_k`, the `k` largest of each row). `class_id` keeps
    one column. With one threshold the result is a scalar, else one per threshold.

    Args:
        kind: "precision", "recall", "true_positives", "false_positives",
            "true_negatives" or "false_negatives".
        thresholds: a float or a list of floats in [0, 1].
        top_k: keep only the `k` largest predictions of each row.
        class_id: the column to evaluate.

    Returns:
        An `Accumulator` whose state is a `ConfusionState`.

    Raises:
        ValueError: for an unknown kind or thresholds outside [0, 1].

    Example:
        >>> acc = confusion("precision")
        >>> state = acc.update(acc.init(), [0, 1, 1, 1], [1.0, 1.0, 0.2, 0.8])
        >>> float(acc.result(state))
        0.6667
    """
    kinds = ("precision", "recall") + ConfusionState._fields
    if kind not in kinds:
        close = difflib.get_close_matches(str(kind), kinds, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown confusion metric {kind!r}. Valid: {', '.join(kinds)}.{hint}")
    values = _thresholds(thresholds, top_k)

    def init() -> ConfusionState:
        return ConfusionState(*(jnp.zeros(len(values), jnp.float32) for _ in range(4)))

    def update(state: ConfusionState, y_true: Any, y_pred: Any, sample_weight: Any = None) -> ConfusionState:
        return _confusion_update(state, y_true, y_pred, sample_weight, values, False, top_k, class_id)

    def result(state: ConfusionState) -> jax.Array:
        if kind == "precision":
            out = divide_no_nan(state.true_positives, state.true_positives + state.false_positives)
        elif kind == "recall":
            out = divide_no_nan(state.true_positives, state.true_positives + state.false_negatives)
        else:
            out = getattr(state, kind)
        return out[0] if len(values) == 1 else out

    return Accumulator(init, update, result)


def _choice(value: str, valid: tuple[str, ...], what: str) -> str:
    if str(value).lower() in valid:
        return str(value).lower()
    close = difflib.get_close_matches(str(value).lower(), valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"Invalid {what} {value!r}. Valid values: {', '.join(valid)}.{hint}")


def _auc_result(state: ConfusionState, curve: str, method: str) -> jax.Array:
    tp, fp, tn, fn = state
    if curve == "pr" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, jnp.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0),
                          divide_no_nan(p[:-1], jnp.maximum(p[1:], 0.0)), jnp.ones_like(p[1:]))
        return jnp.sum(divide_no_nan(slope * (dtp + intercept * jnp.log(ratio)),
                                     jnp.maximum(tp[1:] + fn[1:], 0.0)))
    recall = divide_no_nan(tp, tp + fn)
    if curve == "roc":
        x, y = divide_no_nan(fp, fp + tn), recall
    else:
        x, y = recall, divide_no_nan(tp, tp + fp)
    if method == "interpolation":
        heights = (y[:-1] + y[1:]) / 2.0
    elif method == "minoring":
        heights = jnp.minimum(y[:-1], y[1:])
    else:
        heights = jnp.maximum(y[:-1], y[1:])
    return jnp.sum((x[:-1] - x[1:]) * heights)


def auc(num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
        thresholds: Sequence[float] | None = None, from_logits: bool = False) -> Accumulator:
    """Area under the ROC or precision-recall curve, as Keras's `AUC` computes it.

    Confusion counts are kept at `num_thresholds` thresholds
    `[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]` (or the given `thresholds`,
    padded the same way) and the curve is summed by trapezoids
    ("interpolation"), lower ("minoring") or upper ("majoring") rectangles;
    PR with "interpolation" uses Davis & Goadrich's interpolation as Keras does.

    Args:
        num_thresholds: number of thresholds, > 1.
        curve: "ROC" or "PR".
        summation_method: "interpolation", "minoring" or "majoring".
        thresholds: optional explicit thresholds in [0, 1].
        from_logits: apply a sigmoid to predictions first.

    Returns:
        An `Accumulator` whose state is a `ConfusionState`.

    Raises:
        ValueError: for a bad `num_thresholds`, `curve` or `summation_method`.

    Example:
        >>> acc = auc()
        >>> state = acc.update(acc.init(), [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> float(acc.result(state))
        0.75
    """
    curve = _choice(curve, ("roc", "pr"), "curve")
    method = _choice(summation_method, ("interpolation", "minoring", "majoring"),
                     "summation_method")
    if thresholds is not None:
        inner = sorted(_thresholds(thresholds, None).tolist())
        evenly = False
    else:
        if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
            raise ValueError(f"num_thresholds must be an integer > 1, but received "
                             f"{num_thresholds!r}. Use the default 200.")
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        evenly = True
    values = np.array([0.0 - EPSILON] + inner + [1.0 + EPSILON])

    def init() -> ConfusionState:
        return ConfusionState(*(jnp.zeros(len(values), jnp.float32) for _ in range(4)))

    def update(state: ConfusionState, y_true: Any, y_pred: Any, sample_weight: Any = None) -> ConfusionState:
        y_pred = jnp.asarray(y_pred, jnp.float32)
        if from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        return _confusion_update(state, y_true, y_pred, sample_weight, values, evenly, None, None)

    return Accumulator(init, update, lambda state: _auc_result(state, curve, method))
