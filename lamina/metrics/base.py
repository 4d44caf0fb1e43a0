"""The `Metric` base class and the metrics that are weighted means.

Each metric holds a core `Accumulator` (`accumulator()`); the compiled epoch
uses it directly, and the eager `update_state`/`result` run the same jitted
functions, so eager and compiled values agree.
"""
from __future__ import annotations

import abc
import re
from typing import Any, Callable

import jax
import numpy as np

from lamina.core import losses as _core_losses
from lamina.core import metrics as _core
from lamina.core.metrics import Accumulator
from lamina.utils._host_array import to_host

BUILTIN_FUNCTIONS: dict[str, Callable[..., jax.Array]] = {
    **_core_losses.LOSSES,
    **{fn.__name__: fn for fn in (
        _core.accuracy, _core.binary_accuracy, _core.categorical_accuracy,
        _core.sparse_categorical_accuracy, _core.top_k_categorical_accuracy,
        _core.sparse_top_k_categorical_accuracy)},
}


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _host(x: Any) -> Any:
    """Lists and data frames become NumPy arrays, so jit sees one array."""
    return x if x is None or isinstance(x, jax.Array) else np.asarray(x)


class Metric(abc.ABC):
    """Base class of metrics, with Keras's stateful API over a pure accumulator.

    Subclasses implement `accumulator() -> Accumulator`; `update_state`,
    `result` and `reset_state` keep the accumulator's state on the object.

    Args:
        name: the metric's name (its History key).
        dtype: the dtype of the result; only "float32" is kept.

    Example:
        >>> import lamina as keras
        >>> m = keras.metrics.BinaryAccuracy()
        >>> m.update_state([[1], [0]], [[0.7], [0.6]])
        >>> m.name, float(m.result())
        ('binary_accuracy', 0.5)
    """

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = "float32" if dtype is None else str(np.dtype(dtype))
        self._accumulator: Accumulator | None = None
        self._jitted: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self._state: Any = None

    @abc.abstractmethod
    def accumulator(self) -> Accumulator:
        """The pure `Accumulator(init, update, result)` the engine compiles."""

    def _functions(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        if self._jitted is None:
            acc = self.accumulator()
            self._accumulator = acc
            self._jitted = (jax.jit(acc.update), jax.jit(acc.result))
            self._state = acc.init()
        return self._jitted

    @property
    def state(self) -> Any:
        """The current accumulator state (a NamedTuple of arrays)."""
        self._functions()
        return self._state

    @state.setter
    def state(self, value: Any) -> None:
        self._functions()
        self._state = value

    def reset_state(self) -> None:
        """Forget everything accumulated so far."""
        self._functions()
        self._state = self._accumulator.init()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate a batch.

        Args:
            y_true: targets.
            y_pred: predictions.
            sample_weight: optional weights of shape `(n,)` or `(n, 1)`.
        """
        update, _ = self._functions()
        self._state = update(self._state, _host(y_true), _host(y_pred), _host(sample_weight))

    def result(self) -> jax.Array:
        """The metric's value over everything accumulated since the last reset."""
        _, result = self._functions()
        return to_host(result(self._state))

    def __call__(self, *args: Any, **kwargs: Any) -> jax.Array:
        """`update_state(...)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for `from_config`."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        """Rebuild a metric from `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class Mean(Metric):
    """The weighted mean of the values given to `update_state(values, sample_weight)`.

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
        >>> m.name, float(m.result())
        ('mean', 2.0)
    """

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.mean()`."""
        return _core.mean()

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        """Accumulate values, each row of `values` counting as one sample."""
        update, _ = self._functions()
        self._state = update(self._state, _host(values), _host(sample_weight))


def _rank_aligned(fn: Callable[..., jax.Array]) -> Callable[..., jax.Array]:
    def aligned(y_true: Any, y_pred: Any, **kwargs: Any) -> jax.Array:
        y_true, y_pred = _core_losses.align(y_true, y_pred, strict=False)
        return fn(y_true, y_pred, **kwargs)
    return aligned


class MeanMetricWrapper(Metric):
    """The weighted mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Built-in functions check shapes themselves; a user function receives
    inputs whose ranks `align` has fixed.

    Args:
        fn: the per-sample function.
        name: defaults to `fn.__name__`.
        dtype: the result's dtype.
        **kwargs: fixed keyword arguments for `fn`.

    Raises:
        TypeError: if `fn` is not callable.

    Example:
        >>> import jax.numpy as jnp
        >>> def within_one(y_true, y_pred):
        ...     return (jnp.abs(y_true - y_pred) <= 1).astype("float32")[:, 0]
        >>> m = MeanMetricWrapper(within_one)
        >>> m.update_state([0.0, 0.0], [[0.5], [3.0]])
        >>> m.name, float(m.result())
        ('within_one', 0.5)
    """

    def __init__(self, fn: Callable[..., jax.Array], name: str | None = None,
                 dtype: Any = None, **kwargs: Any):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper needs a callable fn(y_true, y_pred), but "
                            f"received {fn!r} of type {type(fn).__name__}.")
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"),
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.mean_metric(fn, **kwargs)`."""
        builtin = self._fn in BUILTIN_FUNCTIONS.values()
        return _core.mean_metric(self._fn if builtin else _rank_aligned(self._fn),
                                 **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        """Name, dtype, the function's keyword arguments (and its name if wrapped directly)."""
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Metric":
        """Rebuild from `get_config()`; `fn` must name a built-in function."""
        config = dict(config)
        if cls is MeanMetricWrapper:
            name = config.pop("fn")
            if name not in BUILTIN_FUNCTIONS:
                raise ValueError(f"Cannot rebuild MeanMetricWrapper around {name!r}: only "
                                 f"built-in functions can be: {', '.join(sorted(BUILTIN_FUNCTIONS))}.")
            return cls(BUILTIN_FUNCTIONS[name], **config)
        return cls(**config)


def define_wrapper(class_name: str, fn: Callable[..., jax.Array], default_name: str, doc: str,
                   options: dict[str, Any] | None = None, options_first: bool = False) -> type:
    """Make a Keras metric class around a built-in per-sample function.

    The constructor takes `name`, `dtype` and the keyword `options` of `fn`,
    positionally in Keras's order (`options_first` puts the options before
    `name`, as `TopKCategoricalAccuracy(k, name, dtype)`).
    """
    options = dict(options or {})
    order = [*options, "name", "dtype"] if options_first else ["name", "dtype", *options]

    def __init__(self: MeanMetricWrapper, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(order):
            raise TypeError(f"{class_name} takes at most {len(order)} positional arguments "
                            f"({', '.join(order)}), but received {len(args)}.")
        given = dict(zip(order, args))
        unknown = sorted(set(kwargs) - set(order))
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments {unknown}. Valid "
                            f"arguments: {', '.join(order)}.")
        given.update(kwargs)
        values = {k: given.get(k, v) for k, v in options.items()}
        MeanMetricWrapper.__init__(self, fn, name=given.get("name") or default_name,
                                   dtype=given.get("dtype"), **values)

    __init__.__doc__ = f"Args: {', '.join(order)} (name defaults to {default_name!r})."
    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "__doc__": doc, "__module__": "lamina.metrics"})


class RootMeanSquaredError(Metric):
    """`sqrt` of the weighted mean of squared errors.

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0.0], [0.0]], [[3.0], [4.0]])
        >>> m.name, float(m.result())
        ('root_mean_squared_error', 3.5355)
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def accumulator(self) -> Accumulator:
        """`lamina.core.metrics.root_mean_squared_error()`."""
        return _core.root_mean_squared_error()
