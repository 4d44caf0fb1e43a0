"""From `compile(loss=..., metrics=..., loss_weights=...)` to the core's `Objective`.

One output: logs `loss` and each metric by its tf.keras name. Several outputs: also
`<output>_loss` and `<output>_<metric>`, with losses, weights and metrics given as
one value for all outputs, a list in output order, or a dict by output name.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import jax.numpy as jnp

from lamina import losses as losses_mod
from lamina import metrics as metrics_mod
from lamina.core import metrics as core_metrics
from lamina.core.loss_shapes import mask_weights
from lamina.core.train import Objective


class Compiled(NamedTuple):
    """The resolved compile settings.

    Attributes:
        objective: the core's loss and metric functions.
        names: the log keys, in the order `evaluate` returns them (`loss` first).
        results: `states -> tuple` of the log values in `names` order (traceable).
        has_loss: whether `compile` named a loss (without one, as Keras allows, the
            loss is what layers add with `add_loss`).
    """

    objective: Objective
    names: list[str]
    results: Callable[[tuple], dict]
    has_loss: bool = True


class LossesContainer:
    """`model.compiled_loss`: the losses given to `compile`, as tf.keras 2 keeps them
    (course graders read `_losses`; a string keeps its case).

    Example:
        >>> LossesContainer("MAE", None)._losses
        'MAE'
    """

    def __init__(self, losses: Any, loss_weights: Any = None):
        self._losses = losses
        self._loss_weights = loss_weights

    def __repr__(self) -> str:
        return f"<LossesContainer losses={self._losses!r}>"


class MetricsContainer:
    """`model.compiled_metrics`: the metrics given to `compile`, as tf.keras 2 keeps them.

    Example:
        >>> MetricsContainer(["accuracy"])._metrics
        ['accuracy']
    """

    def __init__(self, metrics: Any, weighted_metrics: Any = None):
        self._metrics = metrics
        self._weighted_metrics = weighted_metrics

    def __repr__(self) -> str:
        return f"<MetricsContainer metrics={self._metrics!r}>"


def _per_output(value: Any, output_names: Sequence[str], what: str, default: Any) -> list:
    n = len(output_names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(output_names))
        if unknown:
            raise ValueError(f"compile() received {what} for unknown output(s) {unknown}. "
                             f"The model's outputs are named {list(output_names)}.")
        return [value.get(name, default) for name in output_names]
    if isinstance(value, (list, tuple)) and what != "metrics" and (n > 1 or len(value) == 1):
        if len(value) != n:
            raise ValueError(f"compile() received {len(value)} {what} for a model with {n} "
                             f"outputs {list(output_names)}. Pass one per output, or a dict "
                             "by output name.")
        return list(value)
    if what == "metrics" and isinstance(value, (list, tuple)) and n > 1 and value and all(
            isinstance(v, (list, tuple, dict)) or v is None for v in value):
        if len(value) != n:
            raise ValueError(f"compile() received metrics for {len(value)} outputs, but the "
                             f"model has {n} outputs {list(output_names)}.")
        return list(value)
    return [value] * n


def _as_list(metrics: Any) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, (list, tuple)):
        return list(metrics)
    return [metrics]


def check_identifiers(loss: Any, metrics: Any, weighted_metrics: Any) -> None:
    """Resolve every loss and metric identifier once, so unknown names fail at
    `compile` (before the model's outputs are known) with the list of valid ones."""
    losses = list(loss.values()) if isinstance(loss, dict) else \
        list(loss) if isinstance(loss, (list, tuple)) else [loss]
    for item in losses:
        if item is not None:
            losses_mod.get(item)
    for group in (metrics, weighted_metrics):
        for item in _flat_metrics(group):
            metrics_mod.get(item)


def _flat_metrics(metrics: Any) -> list:
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        return [m for v in metrics.values() for m in _flat_metrics(v)]
    if isinstance(metrics, (list, tuple)):
        return [m for v in metrics for m in _flat_metrics(v)]
    return [metrics]


def build(loss: Any, metrics: Any, loss_weights: Any, output_names: Sequence[str],
          output_shapes: Sequence[tuple], weighted_metrics: Any = None) -> Compiled:
    """Resolve the compile settings against the model's outputs.

    Args:
        loss: a loss identifier, or one per output (list or dict).
        metrics: a list of metric identifiers (for every output), or per output; they
            ignore sample weights, as in tf.keras.
        weighted_metrics: the same, for metrics that take the sample and class weights.
        loss_weights: None, a list, or a dict of floats.
        output_names: the outputs' names.
        output_shapes: the outputs' shapes (`None` batch).

    Returns:
        The `Compiled` settings.
    """
    n = len(output_names)
    multi = n > 1
    loss_fns = [None if l is None else losses_mod.get(l)
                for l in _per_output(loss, output_names, "losses", None)]
    has_loss = any(fn is not None for fn in loss_fns)
    weights = [1.0 if w is None else float(w)
               for w in _per_output(loss_weights, output_names, "loss weights", 1.0)]
    metric_lists = _per_output(metrics, output_names, "metrics", None)
    weighted_lists = _per_output(weighted_metrics, output_names, "metrics", None)

    names = ["loss"]
    accumulators: list[core_metrics.Accumulator] = [core_metrics.mean()]
    if multi:
        for name, fn in zip(output_names, loss_fns):
            if fn is not None:
                names.append(f"{name}_loss")
                accumulators.append(core_metrics.mean())
    metric_slots: list[tuple[int, core_metrics.Accumulator, bool]] = []
    for weighted, lists in ((False, metric_lists), (True, weighted_lists)):
        for i, (name, shape, fn) in enumerate(zip(output_names, output_shapes, loss_fns)):
            for m in _as_list(lists[i]):
                metric = metrics_mod.get(m, loss=fn, output_shape=shape)
                key = f"{name}_{metric.name}" if multi else metric.name
                if weighted and key in names:
                    key = f"{name}_weighted_{metric.name}" if multi else \
                        f"weighted_{metric.name}"
                if key in names:
                    raise ValueError(f"Two metrics would both be logged as '{key}'. Give one "
                                     "of them another name, e.g. metrics=[keras.metrics.AUC("
                                     "name='auc_2')].")
                names.append(key)
                metric_slots.append((i, metric.accumulator(), weighted))
    accumulators.extend(acc for _, acc, _ in metric_slots)
    num_trackers = len(names) - len(metric_slots)

    def as_list(tree: Any) -> list:
        if isinstance(tree, dict):
            missing = [k for k in output_names if k not in tree]
            if missing:
                raise ValueError(f"The targets are a dict with keys {sorted(tree)}, but the "
                                 f"model's outputs are named {list(output_names)}; missing "
                                 f"{missing}. Key y by output name.")
            return [tree[k] for k in output_names]
        if isinstance(tree, (list, tuple)):
            return list(tree)
        return [tree]

    def masks_of(mask: Any) -> list:
        return [None] * n if mask is None else as_list(mask)

    def output_losses(y_true: Any, y_pred: Any, sw: Any, mask: Any) -> list:
        if not has_loss:
            return [None] * n
        if y_true is None:
            raise ValueError("The model's loss needs targets, but received x without y. "
                             "Pass y=... (or batches of (x, y)), e.g. model.fit(X, y).")
        ys, ps = as_list(y_true), as_list(y_pred)
        if multi and len(ys) != n:
            raise ValueError(f"The model has {n} outputs {list(output_names)} but the targets "
                             f"have {len(ys)} parts. Pass y as a list or a dict by output name.")
        return [None if fn is None else
                fn(yt, yp, sample_weight=mask_weights(sw, m, for_loss=True))
                for fn, yt, yp, m in zip(loss_fns, ys, ps, masks_of(mask))]

    def total_loss(y_true: Any, y_pred: Any, sw: Any, mask: Any = None) -> Any:
        parts = output_losses(y_true, y_pred, sw, mask)
        return sum((w * l for w, l in zip(weights, parts) if l is not None),
                   jnp.zeros((), jnp.float32))

    def init_metrics() -> tuple:
        return tuple(acc.init() for acc in accumulators)

    def update_metrics(states: tuple, loss: Any, batch_size: int, y_true: Any, y_pred: Any,
                       sw: Any, mask: Any = None) -> tuple:
        bs = jnp.asarray(batch_size, jnp.float32)
        new = [accumulators[0].update(states[0], loss, bs)]
        if multi:
            parts = [l for l in output_losses(y_true, y_pred, sw, mask) if l is not None]
            new += [accumulators[1 + j].update(states[1 + j], part, bs)
                    for j, part in enumerate(parts)]
        ys, ps, ms = as_list(y_true), as_list(y_pred), masks_of(mask)
        for j, (i, acc, weighted) in enumerate(metric_slots):
            k = num_trackers + j
            weights = mask_weights(sw if weighted else None, ms[i], for_loss=False)
            new.append(acc.update(states[k], ys[i], ps[i], weights))
        return tuple(new)

    def results(states: tuple) -> tuple:
        return tuple(acc.result(s) for acc, s in zip(accumulators, states))

    return Compiled(Objective(total_loss, init_metrics, update_metrics), names, results,
                    has_loss)
