"""Weight constraints with Keras's names, defaults and formulas.

A constraint maps a weight to its projection, applied by the optimizer step
after each update inside the compiled step. Norms are taken along `axis`
(axis 0 of a Dense kernel `(in, out)` is each unit's incoming weight vector)
and divided with Keras's epsilon 1e-7.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina._identifiers import Catalog

EPSILON = 1e-7
Axis = int | Sequence[int]


def _axis(axis: Any, who: str) -> int | tuple[int, ...]:
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    if (isinstance(axis, (list, tuple)) and axis
            and all(isinstance(a, int) and not isinstance(a, bool) for a in axis)):
        return tuple(axis)
    raise TypeError(f"{who} expects `axis` to be an int or a list of ints, but "
                    f"received axis={axis!r}. Pass e.g. axis=0.")


def _number(value: Any, name: str, who: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{who} expects `{name}` to be a number, but received "
                        f"{name}={value!r}.")
    return value


def _norms(w: jax.Array, axis: int | tuple[int, ...]) -> jax.Array:
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `__call__(w)` returns the constrained weight (`w` here).

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return jnp.clip(w, -1.0, 1.0)
        >>> Clip()(jnp.array([-3.0, 0.5]))
        Array([-1. ,  0.5], dtype=float32)
    """

    def __call__(self, w: jax.Array) -> jax.Array:
        return w

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-compatible dict.

        Example:
            >>> MaxNorm(3.0).get_config()
            {'max_value': 3.0, 'axis': 0}
        """
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Constraint":
        """Rebuild a constraint from `get_config()`'s output.

        Example:
            >>> UnitNorm.from_config({"axis": 1}).axis
            1
        """
        return cls(**config)


def _config_axis(axis: int | tuple[int, ...]) -> int | list[int]:
    return list(axis) if isinstance(axis, tuple) else axis


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along `axis` exceeds `max_value`.

    `w * clip(norm, 0, max_value) / (epsilon + norm)`.

    Args:
        max_value: the largest allowed norm.
        axis: the axis (or axes) the norm is taken along.

    Example:
        >>> MaxNorm(1.0)(jnp.array([[3.0, 0.3], [4.0, 0.4]])).tolist()
        [[0.6, 0.3], [0.8, 0.4]]
    """

    def __init__(self, max_value: float = 2, axis: Axis = 0):
        self.max_value = _number(max_value, "max_value", "MaxNorm")
        self.axis = _axis(axis, "MaxNorm")

    def __call__(self, w: jax.Array) -> jax.Array:
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": _config_axis(self.axis)}


class MinMaxNorm(Constraint):
    """Moves slice norms along `axis` into `[min_value, max_value]` at `rate`.

    `w * (rate * clip(norm, min, max) + (1 - rate) * norm) / (epsilon + norm)`.

    Args:
        min_value: the smallest allowed norm.
        max_value: the largest allowed norm.
        rate: 1.0 projects at once; smaller values move part of the way.
        axis: the axis (or axes) the norm is taken along.

    Example:
        >>> MinMaxNorm(1.0, 2.0)(jnp.array([[0.3, 6.0], [0.4, 8.0]])).tolist()
        [[0.6, 1.2], [0.8, 1.6]]
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0,
                 rate: float = 1.0, axis: Axis = 0):
        self.min_value = _number(min_value, "min_value", "MinMaxNorm")
        self.max_value = _number(max_value, "max_value", "MinMaxNorm")
        self.rate = _number(rate, "rate", "MinMaxNorm")
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w: jax.Array) -> jax.Array:
        w = jnp.asarray(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * jnp.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": _config_axis(self.axis)}


class NonNeg(Constraint):
    """Zeroes the negative entries.

    Example:
        >>> NonNeg()(jnp.array([-1.0, 2.0]))
        Array([0., 2.], dtype=float32)
    """

    def __call__(self, w: jax.Array) -> jax.Array:
        w = jnp.asarray(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Divides slices by their L2 norm along `axis`: `w / (epsilon + norm)`.

    Args:
        axis: the axis (or axes) the norm is taken along.

    Example:
        >>> UnitNorm()(jnp.array([[3.0], [4.0]]))
        Array([[0.6],
               [0.8]], dtype=float32)
    """

    def __init__(self, axis: Axis = 0):
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w: jax.Array) -> jax.Array:
        w = jnp.asarray(w)
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": _config_axis(self.axis)}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_SNAKE: dict[str, type[Constraint]] = {
    "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
    "unit_norm": UnitNorm}
for _name, _cls in _SNAKE.items():
    registry.register_serializable("lamina.constraints")(_cls)
    registry.register_serializable("lamina.constraints", _name)(_cls)


_CATALOG = Catalog(
    kind="constraint", package="lamina.constraints",
    valid=f"{', '.join(sorted(_SNAKE))} (or their class names, e.g. 'MaxNorm')",
    such_as="a name such as 'max_norm'", accepts="a Constraint, or a callable w -> w",
    base=Constraint, home="lamina.constraints",
    example={"class_name": "MaxNorm", "config": {"max_value": 2}})


def deserialize(config: str | Mapping[str, Any],
                custom_objects: Mapping[str, Any] | None = None) -> Constraint:
    """Rebuild a constraint from a name or a `{"class_name", "config"}` dict.

    Args:
        config: a name or the output of `serialize`.
        custom_objects: user constraints by name; looked up first.

    Returns:
        The constraint.

    Raises:
        ValueError: for an unknown name or a dict without 'class_name'.
        TypeError: for anything else.

    Example:
        >>> deserialize({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value
        3
    """
    return _CATALOG.deserialize(config, custom_objects)


def get(identifier: Any) -> Constraint | Callable[..., Any] | None:
    """Resolve a constraint identifier as Keras's `constraints.get` does.

    Args:
        identifier: None, a name (case-insensitive: 'max_norm', 'NonNeg', ...),
            a dict `{"class_name", "config"}`, a Constraint class or instance,
            or a callable w -> w.

    Returns:
        A constraint or the callable given; None for None.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
        TypeError: for anything that cannot be a constraint.

    Example:
        >>> type(get("non_neg")).__name__
        'NonNeg'
    """
    return _CATALOG.get(identifier)


def serialize(constraint: Constraint | str | None) -> dict[str, Any] | None:
    """The `{"class_name", "config"}` dict that `deserialize` turns back.

    Args:
        constraint: a Constraint instance (or a name), or None.

    Returns:
        A JSON-compatible dict; None for None.

    Raises:
        ValueError: for a plain function, which has no config to save.

    Example:
        >>> serialize(NonNeg())
        {'class_name': 'NonNeg', 'config': {}}
    """
    return _CATALOG.serialize(constraint)
