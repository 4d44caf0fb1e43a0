"""Checks of the targets against the loss, on the host, once per `fit` or `evaluate`.

`sparse_categorical_crossentropy` picks the predicted probability of each label;
a label outside `0..units-1` picks nothing JAX can report (an out-of-range gather
is clamped or filled with NaN inside the compiled program), so a 5-unit softmax
trained on labels 0..9 gives `{'loss': [nan]}` without a word. The labels are
checked here instead, on the arrays the data adapter already holds.
"""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import losses as losses_mod
from lamina.core import loss_shapes
from lamina.core import losses as core_losses

_SHOWN = 10  # out-of-range labels listed in a message


def _sparse_loss(loss: Any) -> Any:
    """The `LossFunctionWrapper` of sparse categorical crossentropy `loss` resolves to,
    else None."""
    if loss is None:
        return None
    try:
        resolved = losses_mod.get(loss)
    except (TypeError, ValueError):
        return None
    if getattr(resolved, "fn", None) is core_losses.sparse_categorical_crossentropy:
        return resolved
    return None


def _per_output(loss: Any, names: Sequence[str]) -> list:
    if isinstance(loss, dict):
        return [loss.get(name) for name in names]
    if isinstance(loss, (list, tuple)) and len(names) > 1:
        return list(loss) + [None] * (len(names) - len(loss))
    return [loss] * len(names)


def _targets(y: Any, names: Sequence[str]) -> list:
    if isinstance(y, dict):
        return [y.get(name) for name in names]
    if isinstance(y, (list, tuple)):
        return list(y) + [None] * (len(names) - len(y))
    return [y] + [None] * (len(names) - 1)


def check_sparse_labels(loss: Any, y: Any, output_names: Sequence[str],
                        output_shapes: Sequence[tuple], what: str = "y") -> None:
    """Refuse labels a sparse categorical crossentropy cannot score.

    Args:
        loss: the `loss` given to `compile` (one, a list or a dict by output name).
        y: the host targets (an array, or a list/dict of arrays by output).
        output_names: the model's output names.
        output_shapes: their shapes (the last axis is the number of classes).
        what: how the message names the targets (`y`, `validation_data y`).

    Raises:
        ValueError: labels below 0 or not below the number of units, or labels
            that are not whole numbers; the message lists them and says what to
            change.

    Example:
        >>> import numpy as np
        >>> check_sparse_labels("sparse_categorical_crossentropy", np.array([0, 1, 2]),
        ...                     ["output_1"], [(None, 3)])
        >>> check_sparse_labels("sparse_categorical_crossentropy", np.arange(10),
        ...                     ["output_1"], [(None, 5)])
        Traceback (most recent call last):
        ...
        ValueError: sparse_categorical_crossentropy needs class labels from 0 to 4 for the
        model's output 'output_1' (5 units), but y holds the labels [5, 6, 7, 8, 9] (10
        classes in all, 0 to 9). Give the last layer one unit per class, e.g. Dense(10,
        activation='softmax'), or check the labels.
    """
    names = list(output_names)
    for name, shape, item, target in zip(names, output_shapes, _per_output(loss, names),
                                         _targets(y, names)):
        resolved = _sparse_loss(item)
        if resolved is None or target is None or not isinstance(shape, tuple) or not shape:
            continue
        units = shape[-1]
        labels = np.asarray(target)
        if units is None or labels.size == 0 or labels.dtype.kind not in "biuf":
            continue
        ignore = resolved._fn_kwargs.get("ignore_class")
        if ignore is not None:
            labels = labels[labels != ignore]
        _check(labels.ravel(), int(units), name, what)


def _check(labels: np.ndarray, units: int, name: str, what: str) -> None:
    if labels.dtype.kind == "f":
        fractional = labels[labels != np.round(labels)]
        if fractional.size:
            shown = np.unique(fractional)[:_SHOWN].tolist()
            raise ValueError(
                f"sparse_categorical_crossentropy needs whole-number class labels, but {what} "
                f"holds {shown} (for the model's output '{name}'). Encode classes as 0, 1, "
                "2, ... (sklearn.preprocessing.LabelEncoder); for a numeric target use a "
                "regression loss such as 'mse'.")
    low, high = labels.min(), labels.max()
    if low >= 0 and high < units:
        return
    bad = np.unique(labels[(labels < 0) | (labels >= units)])
    shown = [int(v) for v in bad[:_SHOWN]] + (["..."] if bad.size > _SHOWN else [])
    shown_text = "[" + ", ".join(str(v) for v in shown) + "]"
    if low < 0:
        raise ValueError(
            f"sparse_categorical_crossentropy needs class labels from 0 to {units - 1} for "
            f"the model's output '{name}' ({units} units), but {what} holds the negative "
            f"labels {shown_text}. Encode the classes as 0, 1, 2, ... "
            "(sklearn.preprocessing.LabelEncoder, or pd.factorize(y)).")
    classes = int(high) + 1
    raise ValueError(
        f"sparse_categorical_crossentropy needs class labels from 0 to {units - 1} for the "
        f"model's output '{name}' ({units} units), but {what} holds the labels "
        f"{shown_text} ({classes} classes in all, 0 to {classes - 1}). Give the last layer "
        f"one unit per class, e.g. Dense({classes}, activation='softmax'), or check the "
        "labels.")


def check_target_shapes(loss: Any, y: Any, output_names: Sequence[str],
                        output_shapes: Sequence[tuple]) -> None:
    """Refuse targets whose shape a built-in loss cannot match to its output, with the
    real number of rows (inside the compiled program the batch may be padded).

    Raises:
        ValueError: the loss's own shape message (`Targets y_true of shape ...`).

    Example:
        >>> import numpy as np
        >>> check_target_shapes("mse", np.ones((20, 1)), ["out"], [(None, 1)])
        >>> check_target_shapes("mse", np.ones((20, 3)), ["out"], [(None, 1)])
        Traceback (most recent call last):
        ...
        ValueError: Targets y_true of shape (20, 3) do not match the predictions y_pred of shape (20, 1). Give targets with the same shape as the model's output.
    """
    names = list(output_names)
    for shape, item, target in zip(output_shapes, _per_output(loss, names),
                                   _targets(y, names)):
        fn = _builtin_fn(item)
        if fn is None or fn is core_losses.sparse_categorical_crossentropy or \
                not isinstance(shape, tuple) or any(d is None for d in shape[1:]):
            continue
        target = np.asarray(target) if target is not None else None
        if target is None or target.ndim == 0 or target.dtype.kind not in "biuf":
            continue
        rows = target.shape[0]
        pred = jax.ShapeDtypeStruct((rows,) + tuple(shape[1:]), jnp.float32)
        try:
            jax.eval_shape(lambda t, p: loss_shapes.align(t, p),
                           jax.ShapeDtypeStruct(target.shape, jnp.float32), pred)
        except ValueError as err:  # without the note JAX appends about its frames
            raise ValueError(str(err).split("\n-----")[0]) from None


def _builtin_fn(loss: Any) -> Any:
    """The core function of a built-in loss `loss` resolves to, else None."""
    if loss is None:
        return None
    try:
        resolved = losses_mod.get(loss)
    except (TypeError, ValueError):
        return None
    fn = getattr(resolved, "fn", None)
    return fn if getattr(fn, "__module__", "") == core_losses.__name__ else None
