"""Keras metrics: `Metric` classes, per-sample metric functions and `get`.

`import lamina as keras` gives `keras.metrics.AUC()`, `keras.metrics.binary_accuracy`
and the identifiers `model.compile(metrics=[...])` accepts ('accuracy', 'mae',
'AUC', ...), resolved by `get` exactly as tf.keras 2's compile does.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import jax

from lamina import losses as _losses
from lamina.core import losses as _core_losses
from lamina.core.losses import (  # noqa: F401  (Keras exports these from metrics too)
    binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
    log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge)
from lamina.core.metrics import (  # noqa: F401
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from lamina import registry
from lamina._identifiers import did_you_mean
from lamina.metrics.base import (  # noqa: F401
    BUILTIN_FUNCTIONS, Mean, MeanMetricWrapper, Metric, RootMeanSquaredError, define_wrapper)
from lamina.metrics.confusion import (  # noqa: F401
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh
kld = KLD = kullback_leibler_divergence = kl_divergence


def _example(cls: str, args: str, t: str, p: str, name: str, value: float) -> str:
    return (f"\n\n    Example:\n        >>> m = {cls}({args})\n"
            f"        >>> m.update_state({t}, {p})\n"
            f"        >>> m.name, round(float(m.result()), 4)\n        ({name!r}, {value})\n")


_BIN_T, _BIN_P = "[[1], [0], [1]]", "[[0.9], [0.8], [0.3]]"
_CAT_T, _CAT_P = "[[0, 1], [1, 0]]", "[[0.3, 0.7], [0.4, 0.6]]"

Accuracy = define_wrapper(
    "Accuracy", accuracy, "accuracy",
    "How often predictions equal targets exactly."
    + _example("Accuracy", "", "[[1], [2]]", "[[1], [3]]", "accuracy", 0.5))
BinaryAccuracy = define_wrapper(
    "BinaryAccuracy", binary_accuracy, "binary_accuracy",
    "How often `y_pred > threshold` equals the 0/1 target."
    + _example("BinaryAccuracy", "", _BIN_T, _BIN_P, "binary_accuracy", 0.3333),
    {"threshold": 0.5})
CategoricalAccuracy = define_wrapper(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy",
    "How often the arg-max matches the one-hot target."
    + _example("CategoricalAccuracy", "", _CAT_T, _CAT_P, "categorical_accuracy", 0.5))
SparseCategoricalAccuracy = define_wrapper(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy",
    "How often the arg-max matches the integer label."
    + _example("SparseCategoricalAccuracy", "", "[1, 0]", _CAT_P, "sparse_categorical_accuracy", 0.5))
TopKCategoricalAccuracy = define_wrapper(
    "TopKCategoricalAccuracy", top_k_categorical_accuracy, "top_k_categorical_accuracy",
    "How often the one-hot target is among the `k` largest predictions."
    + _example("TopKCategoricalAccuracy", "k=1", _CAT_T, _CAT_P, "top_k_categorical_accuracy", 0.5),
    {"k": 5}, options_first=True)
SparseTopKCategoricalAccuracy = define_wrapper(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy, "sparse_top_k_categorical_accuracy",
    "How often the integer label is among the `k` largest predictions."
    + _example("SparseTopKCategoricalAccuracy", "k=2", "[1, 0]", _CAT_P, "sparse_top_k_categorical_accuracy", 1.0),
    {"k": 5}, options_first=True)
MeanAbsoluteError = define_wrapper(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
    "Mean absolute error."
    + _example("MeanAbsoluteError", "", "[[0.0], [1.0]]", "[[2.0], [1.0]]", "mean_absolute_error", 1.0))
MeanSquaredError = define_wrapper(
    "MeanSquaredError", mean_squared_error, "mean_squared_error",
    "Mean squared error."
    + _example("MeanSquaredError", "", "[[0.0], [1.0]]", "[[2.0], [1.0]]", "mean_squared_error", 2.0))
MeanAbsolutePercentageError = define_wrapper(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error",
    "Mean absolute percentage error."
    + _example("MeanAbsolutePercentageError", "", "[[2.0], [4.0]]", "[[1.0], [4.0]]", "mean_absolute_percentage_error", 25.0))
MeanSquaredLogarithmicError = define_wrapper(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error",
    "Mean squared error of `log(1 + x)`."
    + _example("MeanSquaredLogarithmicError", "", "[[0.0]]", "[[1.718281828]]",
               "mean_squared_logarithmic_error", 1.0))
BinaryCrossentropy = define_wrapper(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "Mean binary crossentropy."
    + _example("BinaryCrossentropy", "", "[[1.0], [0.0]]", "[[0.9], [0.2]]", "binary_crossentropy", 0.1643),
    {"from_logits": False, "label_smoothing": 0.0})
CategoricalCrossentropy = define_wrapper(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "Mean categorical crossentropy."
    + _example("CategoricalCrossentropy", "", "[[0.0, 1.0]]", "[[0.5, 0.5]]", "categorical_crossentropy", 0.6931),
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1})
SparseCategoricalCrossentropy = define_wrapper(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
    "Mean sparse categorical crossentropy."
    + _example("SparseCategoricalCrossentropy", "", "[1, 0]", "[[0.5, 0.5], [0.9, 0.1]]", "sparse_categorical_crossentropy", 0.3992),
    {"from_logits": False, "axis": -1})
Hinge = define_wrapper(
    "Hinge", hinge, "hinge",
    "Mean hinge loss."
    + _example("Hinge", "", "[[1.0], [0.0]]", "[[0.3], [0.5]]", "hinge", 1.1))
SquaredHinge = define_wrapper(
    "SquaredHinge", squared_hinge, "squared_hinge",
    "Mean squared hinge loss."
    + _example("SquaredHinge", "", "[[1.0], [0.0]]", "[[0.3], [0.5]]", "squared_hinge", 1.37))
CategoricalHinge = define_wrapper(
    "CategoricalHinge", categorical_hinge, "categorical_hinge",
    "Mean categorical hinge loss."
    + _example("CategoricalHinge", "", "[[0.0, 1.0]]", "[[0.6, 0.4]]", "categorical_hinge", 1.2))
KLDivergence = define_wrapper(
    "KLDivergence", kl_divergence, "kullback_leibler_divergence",
    "Mean Kullback-Leibler divergence."
    + _example("KLDivergence", "", "[[0.5, 0.5]]", "[[0.25, 0.75]]", "kullback_leibler_divergence", 0.1438))
Poisson = define_wrapper(
    "Poisson", poisson, "poisson",
    "Mean Poisson loss."
    + _example("Poisson", "", "[[1.0]]", "[[1.0]]", "poisson", 1.0))
LogCoshError = define_wrapper(
    "LogCoshError", log_cosh, "logcosh",
    "Mean log-cosh error."
    + _example("LogCoshError", "", "[[0.0]]", "[[1.0]]", "logcosh", 0.4338))

_CLASSES: tuple[type, ...] = (
    Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
    Poisson, LogCoshError, AUC, Precision, Recall, TruePositives, FalsePositives,
    TrueNegatives, FalseNegatives)
_FUNCTIONS: dict[str, Callable[..., jax.Array]] = {
    **BUILTIN_FUNCTIONS, "mse": mse, "mae": mae, "mape": mape, "msle": msle, "logcosh": logcosh,
    "kld": kld, "kullback_leibler_divergence": kl_divergence, "bce": binary_crossentropy,
}
_AUTO = ("accuracy", "acc", "crossentropy", "ce")


for _cls in _CLASSES:
    registry.register_serializable("lamina.metrics")(_cls)
    if _cls is not MeanMetricWrapper:
        registry.register_serializable("lamina.metrics", _cls().name)(_cls)
for _name, _fn in _FUNCTIONS.items():
    registry.register_serializable("lamina.metric_functions", _name)(_fn)
_PACKAGES = ("lamina.metric_functions", "lamina.metrics")


def _lookup(name: str) -> Any:
    """A metric function or class by case-insensitive name (functions win, as in tf.keras 2)."""
    found = registry.find(str(name), _PACKAGES, ignore_case=True)
    if found is None:
        valid = sorted({*_AUTO, *_FUNCTIONS, *(c.__name__ for c in _CLASSES)})
        names = [k.lower() for p in _PACKAGES for k in registry.builtins(p)]
        hint = did_you_mean(name, [*names, *_AUTO])
        raise ValueError(f"Unknown metric {name!r}.{hint} Valid metrics: {', '.join(valid)}.")
    return found


def _loss_function(loss: Any) -> Any:
    """The built-in per-sample function behind a loss identifier, if any."""
    if loss is None:
        return None
    try:
        return getattr(_losses.get(loss), "fn", None)
    except (TypeError, ValueError):
        return None


def _auto_function(key: str, loss: Any, output_shape: Sequence[int | None] | None,
                   target_shape: Sequence[int | None] | None) -> Callable[..., jax.Array]:
    """tf.keras 2's choice for 'accuracy' / 'crossentropy'."""
    fn = _loss_function(loss)
    last = output_shape[-1] if output_shape else None
    is_binary = fn is _core_losses.binary_crossentropy or last == 1
    is_sparse = fn is _core_losses.sparse_categorical_crossentropy
    if target_shape is not None and output_shape:
        is_sparse = is_sparse or len(target_shape) < len(output_shape) or (
            len(target_shape) > 0 and target_shape[-1] == 1 and last is not None and last > 1)
    if key in ("accuracy", "acc"):
        if is_binary:
            return binary_accuracy
        return sparse_categorical_accuracy if is_sparse else categorical_accuracy
    if is_binary:
        return binary_crossentropy
    return sparse_categorical_crossentropy if is_sparse else categorical_crossentropy


def get(identifier: Any, *, loss: Any = None, output_shape: Sequence[int | None] | None = None,
        target_shape: Sequence[int | None] | None = None) -> Metric:
    """Resolve what `compile(metrics=[...])` accepts into a `Metric`, as tf.keras 2 does.

    'accuracy'/'acc' (any case) become binary accuracy when the loss is binary
    crossentropy or the output's last dimension is 1, sparse categorical
    accuracy when the loss is sparse categorical crossentropy (or the targets
    are integer labels, given `target_shape`), categorical accuracy otherwise;
    'crossentropy'/'ce' likewise; the metric keeps the name the user wrote.
    Function names ('mae', 'mean_squared_error', 'binary_accuracy') wrap the
    function under that name; class names ('AUC', 'Precision',
    'root_mean_squared_error') build the class with its default name. Metrics
    pass through, `Loss` objects are averaged under their name, other
    callables are wrapped under their `__name__`, and config dicts are rebuilt.

    Args:
        identifier: a string, `Metric`, class, `Loss`, callable or config dict.
        loss: the compiled loss (a name, `Loss` or function), for 'accuracy'.
        output_shape: the model output's shape, e.g. `(None, 1)`.
        target_shape: the targets' shape, if known.

    Returns:
        A `Metric`.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
        TypeError: for anything else.

    Example:
        >>> get("acc", loss="binary_crossentropy")
        <MeanMetricWrapper name='acc'>
        >>> get("accuracy", loss="sparse_categorical_crossentropy", output_shape=(None, 10))._fn.__name__
        'sparse_categorical_accuracy'
        >>> get("AUC"), get("MAE")
        (<AUC name='auc'>, <MeanMetricWrapper name='MAE'>)
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, (Metric, _losses.Loss)):
        identifier = identifier()
        if isinstance(identifier, Metric):
            return identifier
    if isinstance(identifier, _losses.Loss):
        return MeanMetricWrapper(identifier.call, name=identifier.name)
    if isinstance(identifier, str):
        if identifier.lower() in _AUTO:
            fn = _auto_function(identifier.lower(), loss, output_shape, target_shape)
            return MeanMetricWrapper(fn, name=identifier)
        found = _lookup(identifier)
        return found() if isinstance(found, type) else MeanMetricWrapper(found, name=identifier)
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"A metric config dict needs 'class_name' and 'config' keys, "
                             f"but received keys {sorted(identifier)}.")
        found = _lookup(identifier["class_name"])
        if not isinstance(found, type):
            return MeanMetricWrapper(found, name=identifier["class_name"])
        return found.from_config(identifier.get("config") or {})
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"Could not interpret the metric {identifier!r} of type "
                    f"{type(identifier).__name__}. Pass a name such as 'accuracy' or 'mae', a "
                    "keras.metrics.Metric instance or a function fn(y_true, y_pred).")


def serialize(metric: Metric) -> dict[str, Any]:
    """`{"class_name": ..., "config": ...}` for a `Metric`, the inverse of `deserialize`.

    Example:
        >>> serialize(AUC(curve="PR"))["config"]["curve"]
        'PR'
    """
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config: dict[str, Any]) -> Metric:
    """Rebuild a metric from `serialize`'s dict.

    Example:
        >>> deserialize({"class_name": "Precision", "config": {"thresholds": 0.3}}).thresholds
        0.3
    """
    return get(config)
