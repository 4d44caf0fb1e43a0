"""When may `fit` and `evaluate` pad the last batch instead of compiling for its size?

The epoch program is compiled per shape signature. Cut exactly (Keras's semantics),
an epoch of `n` rows is `n // batch_size` full batches and a last batch of
`n % batch_size` rows: the row count and the last batch's size are both part of
the signature, so every new length of data compiles a new program (`fit` on
1,000..1,099 rows: 100 programs). Padded instead, the data is filled up with copies
of real rows to one of a few bucket sizes and the last batch runs at full size with
the padding masked out of the loss, its gradient and the metrics
(`lamina.core.train.run_batches`): one program per bucket.

Padding gives the exact results only when no row affects another row's result.
That holds for the built-in layers listed below, the built-in losses (with their
default `sum_over_batch_size` reduction, the mean over the kept rows) and metrics
(weighted by the row mask). It does not hold for `BatchNormalization` in training
(the padding would enter the batch statistics), activity regularizers (divided by
the batch size), `Lambda` layers and any class or function of the user's (which
may reduce over the batch), or custom `train_step`/`test_step`. Those models keep
the exact last batch and compile once per distinct remainder, as Keras does. A new
built-in layer takes the exact path until it is listed here.
"""
from __future__ import annotations

from typing import Any

from lamina import layers as L
from lamina import losses as losses_mod
from lamina import metrics as metrics_mod
from lamina.core import losses as core_losses
from lamina.models._custom_step import CustomSteps

# Built-in layers whose output row i depends on input row i only, in training and in
# inference.
ROW_WISE = (L.Dense, L.Activation, L.Dropout, L.GaussianNoise, L.GaussianDropout,
            L.AlphaDropout, L.Flatten, L.Reshape, L.RepeatVector, L.Permute, L.InputLayer,
            L.Identity, L.LayerNormalization, L.Masking, L.Add, L.Multiply, L.Average,
            L.Maximum, L.Minimum, L.Subtract, L.Concatenate, L.Dot, L.Normalization,
            L.Rescaling)
# ... in inference only (BatchNormalization normalizes with its moving statistics).
ROW_WISE_IN_INFERENCE = (L.BatchNormalization,)
# ... unless stateful: a stateful RNN's final states of a batch's rows start the next
# batch (an Embedding has no such flag). Each row's sequence runs alone through the time
# loop; dropout masks are drawn per row, as Dropout's are.
ROW_WISE_UNLESS_STATEFUL = (L.Embedding, L.SimpleRNN, L.LSTM, L.GRU)


def _layer_is_row_wise(layer: Any, training: bool) -> bool:
    if getattr(layer, "activity_regularizer", None) is not None:
        return False
    kind = type(layer)
    if kind in ROW_WISE or (not training and kind in ROW_WISE_IN_INFERENCE):
        return True
    if kind in ROW_WISE_UNLESS_STATEFUL:
        return not getattr(layer, "stateful", False)
    if kind.__name__ in ("Sequential", "Functional") and kind.__module__.startswith(
            "lamina.models"):
        return all(_layer_is_row_wise(inner, training) for inner in layer.layers)
    return False


def _flat(value: Any) -> list:
    if isinstance(value, dict):
        return [v for item in value.values() for v in _flat(item)]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flat(item)]
    return [] if value is None else [value]


def _loss_is_row_wise(identifier: Any) -> bool:
    try:
        loss = losses_mod.get(identifier)
    except (TypeError, ValueError):
        return False
    return (type(loss).__module__ == losses_mod.__name__
            and getattr(loss, "fn", None) in core_losses.LOSSES.values()
            and loss.reduction == "sum_over_batch_size")


def _metric_is_row_wise(identifier: Any, loss: Any) -> bool:
    try:
        metric = metrics_mod.get(identifier, loss=loss)
    except (TypeError, ValueError):
        return False
    if not type(metric).__module__.startswith(metrics_mod.__name__):
        return False
    fn = getattr(metric, "_fn", None)
    if fn is None:
        return True  # confusion-count metrics and Mean: sums weighted by the row mask
    if fn in metrics_mod.BUILTIN_FUNCTIONS.values():
        return True
    owner = getattr(fn, "__self__", None)  # a Loss object given as a metric
    return owner is not None and _loss_is_row_wise(owner)


def pads_last_batch(model: Any, training: bool) -> bool:
    """Whether `model`'s rows are independent, so `fit` (`training=True`) or
    `evaluate` may pad the last batch and mask the padding out (see the module
    docstring).

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2),
        ...                           keras.layers.BatchNormalization()])
        >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        >>> pads_last_batch(model, training=False), pads_last_batch(model, training=True)
        (True, False)
    """
    config = model._compile_config
    if config is None or not _layer_is_row_wise(model, training):
        return False
    overridden = type(model).train_step is not CustomSteps.train_step if training else \
        type(model).test_step is not CustomSteps.test_step
    if overridden:
        return False
    losses = _flat(config["loss"])
    if not losses or not all(_loss_is_row_wise(loss) for loss in losses):
        return False
    metrics = _flat(config["metrics"]) + _flat(config.get("weighted_metrics"))
    return all(_metric_is_row_wise(m, losses[0]) for m in metrics)
