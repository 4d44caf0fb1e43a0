"""The `Metric` base class and the metrics that are weighted means.

Each metric holds a core `Accumulator` (`accumulator()`); the compiled epoch
uses it directly, and the eager `update_state`/`result` run the same jitted
functions, so eager and compiled values agree.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import jax
import numpy as np

from lamina import initializers
from lamina.backend._scope import StatelessScope
from lamina.backend.variable import Variable
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


class Metric:
    """Base class of metrics: Keras's stateful API over a pure accumulator.

    A built-in metric implements `accumulator() -> Accumulator`, the pure functions
    the compiled epoch runs; `update_state`, `result` and `reset_state` keep that
    accumulator's state in the metric's `variables`. A metric of your own is written
    as in Keras: create state with `add_variable` (or tf.keras's `add_weight`) in
    `__init__`, and override `update_state`, `result` and (if zeros are not the
    start) `reset_state`; `fit` traces those methods into its compiled program.

    The stateless API of Keras 3's JAX loops works on the list of variable values:
    `stateless_update_state(values, ...) -> values`, `stateless_result(values)`,
    `stateless_reset_state() -> values`.

    Args:
        name: the metric's name (its History key).
        dtype: the dtype of the result; only "float32" is kept.

    Example:
        >>> import lamina as keras
        >>> m = keras.metrics.BinaryAccuracy()
        >>> m.update_state([[1], [0]], [[0.7], [0.6]])
        >>> m.name, float(m.result()), [v.name for v in m.variables]
        ('binary_accuracy', 0.5, ['binary_accuracy/total', 'binary_accuracy/count'])
    """

    def __init__(self, name: str | None = None, dtype: Any = None):
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = "float32" if dtype is None else str(np.dtype(dtype))
        self._accumulator: Accumulator | None = None
        self._jitted: tuple[Callable[..., Any], Callable[..., Any]] | None = None
        self._store: list[Variable] | None = None   # built-ins: the accumulator's state
        self._treedef: Any = None
        self._own_variables: list[Variable] = []     # metrics of one's own: add_variable

    # -- state ------------------------------------------------------------------
    def _builtin(self) -> bool:
        return type(self).accumulator is not Metric.accumulator

    def accumulator(self) -> Accumulator:
        """The pure `Accumulator(init, update, result)` the engine compiles. Built-in
        metrics define it; for a metric of your own it runs your `update_state`,
        `result` and `reset_state` on arrays in place of the variables."""
        variables = list(self._own_variables)
        if not variables:
            raise TypeError(f"Metric {type(self).__name__} has no state: create it in "
                            "__init__ with self.add_variable(shape=(), initializer='zeros', "
                            "name='total') and override update_state() and result().")

        def run(values: Any, method: Callable[[], Any]) -> tuple[Any, list]:
            with StatelessScope(list(zip(variables, values))) as scope:
                out = method()
                out = out.value if isinstance(out, Variable) else out  # read in the scope
                return out, [scope.get(v) for v in variables]

        def init() -> list:
            return run([v.value for v in variables], self.reset_state)[1]

        def update(state: list, *args: Any, **kwargs: Any) -> list:
            return run(state, lambda: self.update_state(*args, **kwargs))[1]

        def result(state: list) -> Any:
            return run(state, self.result)[0]

        return Accumulator(init, update, result)

    def _functions(self) -> tuple[Callable[..., Any], Callable[..., Any]]:
        if self._jitted is None:
            acc = self.accumulator()
            self._accumulator = acc
            self._jitted = (jax.jit(acc.update), jax.jit(acc.result))
            if self._builtin():
                leaves, self._treedef = jax.tree_util.tree_flatten_with_path(acc.init())
                self._store = [Variable(leaf, trainable=False,
                                        name=f"{self.name}/{_path_name(path)}")
                               for path, leaf in leaves]
        return self._jitted

    @property
    def variables(self) -> list[Variable]:
        """The metric's state as Variables (Keras 3: `total`, `count`, ...)."""
        if not self._builtin():
            return list(self._own_variables)
        self._functions()
        return list(self._store)

    @property
    def state(self) -> Any:
        """The current accumulator state (a NamedTuple of arrays for built-ins)."""
        self._functions()
        if not self._builtin():
            return [v.value for v in self._own_variables]
        return jax.tree.unflatten(self._treedef, [v.value for v in self._store])

    @state.setter
    def state(self, value: Any) -> None:
        self._functions()
        for v, leaf in zip(self.variables, jax.tree.leaves(value)):
            v.assign(leaf)

    def add_variable(self, shape: Any = (), initializer: Any = "zeros", dtype: Any = None,
                     aggregation: str = "sum", name: str | None = None) -> Variable:
        """Create a state variable (Keras 3), e.g. `self.add_variable(shape=(),
        name="total", initializer="zeros")`."""
        shape = () if shape is None else (int(shape),) if isinstance(
            shape, (int, np.integer)) else tuple(int(d) for d in shape)
        init = initializers.get(initializer if initializer is not None else "zeros")
        short = name or f"variable_{len(self._own_variables)}"
        variable = Variable(init, shape=shape, dtype=dtype or self.dtype, trainable=False,
                            name=f"{self.name}/{short}")
        self._own_variables.append(variable)
        return variable

    def add_weight(self, name: str | None = None, shape: Any = (), aggregation: str = "sum",
                   synchronization: str = "auto", initializer: Any = None,
                   dtype: Any = None) -> Variable:
        """Create a state variable (tf.keras 2's spelling of `add_variable`)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    def reset_state(self) -> None:
        """Forget everything accumulated so far (variables of one's own: zeros)."""
        if not self._builtin():
            for v in self._own_variables:
                v.assign(np.zeros(v.shape, v.dtype))
            return
        self._functions()
        self.state = self._accumulator.init()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulate a batch.

        Args:
            y_true: targets.
            y_pred: predictions.
            sample_weight: optional weights of shape `(n,)` or `(n, 1)`.
        """
        update, _ = self._functions()
        self.state = update(self.state, _host(y_true), _host(y_pred), _host(sample_weight))

    def result(self) -> jax.Array:
        """The metric's value over everything accumulated since the last reset."""
        _, result = self._functions()
        return to_host(result(self.state))

    # -- Keras 3's stateless API ---------------------------------------------------
    def _pack(self, values: Any) -> Any:
        values = [v.value if isinstance(v, Variable) else v for v in values]
        expected = len(self.variables)
        if len(values) != expected:
            raise ValueError(f"Metric '{self.name}' has {expected} variables, but received "
                             f"{len(values)} values. Pass metric.variables (or the list a "
                             "previous stateless_update_state returned).")
        return values if not self._builtin() else jax.tree.unflatten(self._treedef, values)

    def stateless_update_state(self, metric_variables: Sequence[Any], *args: Any,
                               **kwargs: Any) -> list:
        """`update_state` on the values `metric_variables`; returns the new values
        (pure: usable under `jax.jit`, the metric itself is not changed)."""
        self._functions()
        new = self._accumulator.update(self._pack(metric_variables), *args, **kwargs)
        return list(jax.tree.leaves(new))

    def stateless_result(self, metric_variables: Sequence[Any]) -> Any:
        """`result()` of the values `metric_variables` (pure)."""
        self._functions()
        return self._accumulator.result(self._pack(metric_variables))

    def stateless_reset_state(self) -> list:
        """The variables' values after `reset_state()` (pure)."""
        self._functions()
        return list(jax.tree.leaves(self._accumulator.init()))

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


def _path_name(path: tuple) -> str:
    parts = [getattr(k, "name", None) or str(getattr(k, "idx", getattr(k, "key", k)))
             for k in path]
    return "/".join(parts) or "state"


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
        self.state = update(self.state, _host(values), _host(sample_weight))


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
