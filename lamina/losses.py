"""Keras losses: per-sample functions, `Loss` classes and `get`.

`import lamina as keras` gives `keras.losses.MeanSquaredError()`,
`keras.losses.binary_crossentropy(y_true, y_pred)` and the string identifiers
that `model.compile(loss=...)` accepts. The formulas live in
`lamina.core.losses`; this module adds Keras's objects around them. Every
loss traces under `jax.jit`.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import jax

from lamina import registry
from lamina.utils._host_array import to_host
from lamina._identifiers import did_you_mean
from lamina.core import losses as _core
from lamina.core.losses import (  # noqa: F401  (Keras's functional losses)
    binary_crossentropy, categorical_crossentropy, categorical_hinge, cosine_similarity,
    hinge, huber, kl_divergence, log_cosh, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error,
    poisson, sparse_categorical_crossentropy, squared_hinge)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh
kld = KLD = kullback_leibler_divergence = kl_divergence


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Loss:
    """Base class of losses: `loss(y_true, y_pred, sample_weight=None) -> scalar`.

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses;
    `__call__` weights and reduces them.

    Args:
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", "none" or None.
        name: the loss's name; defaults to the snake-case class name.

    Raises:
        ValueError: for an unknown reduction.

    Example:
        >>> import jax.numpy as jnp
        >>> class Squares(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return jnp.sum((y_true - y_pred) ** 2, axis=-1)
        >>> float(Squares()(jnp.ones((2, 2)), jnp.zeros((2, 2))))
        2.0
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None):
        self.reduction = _core.check_reduction(reduction) if reduction is not None else None
        self.name = name or _snake_case(type(self).__name__)

    def call(self, y_true: Any, y_pred: Any) -> jax.Array:
        """Per-sample losses; subclasses override it."""
        raise TypeError(f"{type(self).__name__} must override `call(y_true, y_pred)` and "
                        "return per-sample losses, or use LossFunctionWrapper(fn).")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> jax.Array:
        """The reduced loss of a batch.

        Args:
            y_true: targets.
            y_pred: predictions.
            sample_weight: optional weights of shape `(n,)` or `(n, 1)`.

        Returns:
            A scalar, or per-sample values when the reduction is "none".
        """
        return to_host(_core.reduce(self.call(y_true, y_pred), sample_weight,
                                    reduction=self.reduction))

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for `from_config`."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        """Rebuild a loss from `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _function_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Built-in functions check shapes strictly; a user function receives inputs
    whose ranks `align` has fixed (a `(n,)` target meets a `(n, 1)` output).

    Args:
        fn: the per-sample loss function.
        reduction: how to reduce, as in `Loss`.
        name: defaults to `fn.__name__`.
        **kwargs: fixed keyword arguments for `fn`.

    Example:
        >>> import jax.numpy as jnp
        >>> def fourth(y_true, y_pred):
        ...     return jnp.mean((y_true - y_pred) ** 4, axis=-1)
        >>> loss = LossFunctionWrapper(fourth)
        >>> loss.name, float(loss(jnp.array([0.0, 0.0]), jnp.array([[1.0], [2.0]])))
        ('fourth', 8.5)
    """

    def __init__(self, fn: Callable[..., jax.Array], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, **kwargs: Any):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a callable fn(y_true, y_pred), but "
                            f"received {fn!r} of type {type(fn).__name__}.")
        super().__init__(reduction=reduction, name=name or _function_name(fn))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> jax.Array:
        """Per-sample losses of the wrapped function."""
        builtin = self.fn in _core.LOSSES.values()
        if not builtin:
            y_true, y_pred = _core.align(y_true, y_pred, strict=False)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        """Name, reduction, the function's name and its keyword arguments."""
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = _function_name(self.fn)
        return {**config, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Loss":
        """Rebuild from `get_config()`; `fn` must name a built-in loss function."""
        config = dict(config)
        if cls is LossFunctionWrapper:
            config["fn"] = _lookup(config["fn"], functions_only=True)
        return cls(**config)


def _define(class_name: str, fn: Callable[..., jax.Array], default_name: str,
            doc: str, **defaults: Any) -> type:
    """Make the Keras class around a built-in function, with keyword defaults."""
    params = ", ".join(f"{k}={v!r}" for k, v in defaults.items())

    def __init__(self: LossFunctionWrapper, *args: Any, reduction: str | None = "sum_over_batch_size",
                 name: str = default_name, **kwargs: Any) -> None:
        if len(args) > len(defaults):
            raise TypeError(f"{class_name} takes at most {len(defaults)} positional "
                            f"arguments ({params or 'none'}), but received {len(args)}.")
        options = dict(defaults)
        options.update(zip(defaults, args))
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments {unknown}. Valid "
                            f"arguments: {', '.join([*defaults, 'reduction', 'name'])}.")
        options.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **options)

    __init__.__doc__ = f"Args: {params or 'none'}, reduction, name (default {default_name!r})."
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                     "__module__": __name__})


_EXAMPLE = """

    Example:
        >>> import lamina as keras
        >>> loss = keras.losses.{cls}({args})
        >>> loss.name, round(float(loss({t}, {p})), 4)
        ({name!r}, {value})
"""


def _doc(summary: str, cls: str, args: str, t: str, p: str, name: str, value: float) -> str:
    return summary + _EXAMPLE.format(cls=cls, args=args, t=t, p=p, name=name, value=value)


MeanSquaredError = _define("MeanSquaredError", mean_squared_error, "mean_squared_error", _doc(
    "Mean of squared errors.", "MeanSquaredError", "", "[[0.0, 1.0]]", "[[1.0, 1.0]]",
    "mean_squared_error", 0.5))
MeanAbsoluteError = _define("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", _doc(
    "Mean of absolute errors.", "MeanAbsoluteError", "", "[[0.0, 1.0]]", "[[2.0, 1.0]]",
    "mean_absolute_error", 1.0))
MeanAbsolutePercentageError = _define(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", _doc(
        "Mean absolute error as a percentage of the target.", "MeanAbsolutePercentageError", "",
        "[[2.0, 4.0]]", "[[1.0, 4.0]]", "mean_absolute_percentage_error", 25.0))
MeanSquaredLogarithmicError = _define(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", _doc(
        "Mean squared error of `log(1 + x)`.", "MeanSquaredLogarithmicError", "",
        "[[0.0]]", "[[1.718281828]]", "mean_squared_logarithmic_error", 1.0))
Huber = _define("Huber", huber, "huber_loss", _doc(
    "Quadratic below `delta`, linear above.", "Huber", "delta=1.0", "[[0.0, 0.0]]",
    "[[0.5, 3.0]]", "huber_loss", 1.3125), delta=1.0)
LogCosh = _define("LogCosh", log_cosh, "log_cosh", _doc(
    "Logarithm of the hyperbolic cosine of the error.", "LogCosh", "", "[[0.0]]", "[[1.0]]",
    "log_cosh", 0.4338))
BinaryCrossentropy = _define("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy", _doc(
    "Crossentropy of 0/1 targets against probabilities (or logits).", "BinaryCrossentropy", "",
    "[[1.0], [0.0]]", "[[0.9], [0.2]]", "binary_crossentropy", 0.1643),
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _define(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy", _doc(
        "Crossentropy of one-hot targets against class probabilities (or logits).",
        "CategoricalCrossentropy", "", "[[0.0, 1.0]]", "[[0.5, 0.5]]",
        "categorical_crossentropy", 0.6931),
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _define(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", _doc(
        "Crossentropy of integer labels against class probabilities (or logits).",
        "SparseCategoricalCrossentropy", "", "[1, 0]", "[[0.5, 0.5], [0.9, 0.1]]",
        "sparse_categorical_crossentropy", 0.3992),
    from_logits=False, ignore_class=None)
KLDivergence = _define("KLDivergence", kl_divergence, "kl_divergence", _doc(
    "Kullback-Leibler divergence of predictions from targets.", "KLDivergence", "",
    "[[0.5, 0.5]]", "[[0.25, 0.75]]", "kl_divergence", 0.1438))
Poisson = _define("Poisson", poisson, "poisson", _doc(
    "Poisson negative log-likelihood, up to a constant.", "Poisson", "", "[[1.0]]", "[[1.0]]",
    "poisson", 1.0))
CosineSimilarity = _define("CosineSimilarity", cosine_similarity, "cosine_similarity", _doc(
    "Negative cosine similarity (so minimizing aligns the vectors).", "CosineSimilarity",
    "axis=-1", "[[0.0, 1.0]]", "[[0.0, 2.0]]", "cosine_similarity", -1.0), axis=-1)
Hinge = _define("Hinge", hinge, "hinge", _doc(
    "Hinge loss; 0/1 labels become -1/1.", "Hinge", "", "[[1.0], [0.0]]", "[[0.3], [0.5]]",
    "hinge", 1.1))
SquaredHinge = _define("SquaredHinge", squared_hinge, "squared_hinge", _doc(
    "Squared hinge loss; 0/1 labels become -1/1.", "SquaredHinge", "", "[[1.0], [0.0]]",
    "[[0.3], [0.5]]", "squared_hinge", 1.37))
CategoricalHinge = _define("CategoricalHinge", categorical_hinge, "categorical_hinge", _doc(
    "Hinge loss for one-hot targets.", "CategoricalHinge", "", "[[0.0, 1.0]]", "[[0.6, 0.4]]",
    "categorical_hinge", 1.2))

_CLASSES = (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, Huber, LogCosh, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson,
            CosineSimilarity, Hinge, SquaredHinge, CategoricalHinge)
_FUNCTIONS = {
    **_core.LOSSES, "mse": mse, "mae": mae, "mape": mape, "msle": msle, "logcosh": logcosh,
    "kld": kld, "kullback_leibler_divergence": kl_divergence, "bce": binary_crossentropy,
}


for _cls in (*_CLASSES, LossFunctionWrapper):
    registry.register_serializable("lamina.losses")(_cls)
for _name, _fn in _FUNCTIONS.items():
    registry.register_serializable("lamina.loss_functions", _name)(_fn)


def _lookup(name: str, functions_only: bool = False) -> Any:
    """A built-in loss function or class by case-insensitive name."""
    packages = ("lamina.loss_functions",) if functions_only else \
        ("lamina.losses", "lamina.loss_functions")
    found = registry.find(str(name), packages, ignore_case=True)
    if found is None:
        valid = sorted({*_FUNCTIONS, *(() if functions_only else (c.__name__ for c in _CLASSES))})
        names = [k.lower() for p in packages for k in registry.builtins(p)]
        hint = did_you_mean(name, names)
        raise ValueError(f"Unknown loss {name!r}.{hint} Valid losses: {', '.join(valid)}.")
    return found


_CLASS_FOR_FUNCTION = {cls().fn: cls for cls in _CLASSES}


def get(identifier: Any) -> Loss:
    """Resolve what `compile(loss=...)` accepts into a `Loss`.

    Strings are case-insensitive: function names and aliases ("mse", "MAE",
    "binary_crossentropy") and class names ("BinaryCrossentropy") give the
    built-in loss; `Loss` instances pass through; `Loss` subclasses are
    instantiated; another callable `fn(y_true, y_pred)` is wrapped with
    `LossFunctionWrapper`; `{"class_name": ..., "config": {...}}` dicts are
    rebuilt.

    Args:
        identifier: a string, `Loss`, class, callable or config dict.

    Returns:
        A `Loss`.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
        TypeError: for anything else.

    Example:
        >>> get("MSE")
        <MeanSquaredError name='mean_squared_error'>
        >>> get("binary_crossentropy").name
        'binary_crossentropy'
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        found = _lookup(identifier)
        if isinstance(found, type):
            return found()
        return _CLASS_FOR_FUNCTION[found]()
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"A loss config dict needs 'class_name' and 'config' keys, but "
                             f"received keys {sorted(identifier)}.")
        cls = _lookup(identifier["class_name"])
        if not isinstance(cls, type):
            return LossFunctionWrapper(cls)
        return cls.from_config(identifier.get("config") or {})
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret the loss {identifier!r} of type "
                    f"{type(identifier).__name__}. Pass a loss name such as 'mse', a "
                    "keras.losses.Loss instance or a function fn(y_true, y_pred).")


def serialize(loss: Loss) -> dict[str, Any]:
    """`{"class_name": ..., "config": ...}` for a `Loss`, the inverse of `get`.

    Example:
        >>> serialize(Huber(delta=2.0))
        {'class_name': 'Huber', 'config': {'name': 'huber_loss', 'reduction': 'sum_over_batch_size', 'delta': 2.0}}
    """
    loss = get(loss)
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict[str, Any]) -> Loss:
    """The inverse of `serialize`.

    Example:
        >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()["delta"]
        2.0
    """
    return get(config)
