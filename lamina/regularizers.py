"""Weight regularizers with Keras's names, defaults and formulas.

A regularizer maps a weight to a scalar penalty that the engine adds to the
loss inside the compiled step: `L1` gives `l1 * sum(|x|)`, `L2` gives
`l2 * sum(x ** 2)`, `L1L2` their sum.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp
import numpy as np

from lamina import registry
from lamina._identifiers import Catalog


def _factor(value: Any, name: str, default: float) -> float:
    if value is None:
        return default
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
            or not math.isfinite(value) or value < 0):
        raise ValueError(f"The regularization factor `{name}` must be a non-negative "
                         f"finite number, but received {name}={value!r}. "
                         f"Pass e.g. {name}=0.01.")
    return float(value)


def _float(x: Any) -> jax.Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


class Regularizer:
    """Base class: `__call__(x)` returns a scalar penalty (zero here).

    Subclasses override `__call__` and `get_config`.

    Example:
        >>> class Sum(Regularizer):
        ...     def __call__(self, x):
        ...         return 0.1 * jnp.sum(x)
        >>> Sum()(jnp.ones((2, 2)))
        Array(0.4, dtype=float32)
    """

    def __call__(self, x: Any) -> jax.Array:
        return jnp.zeros((), _float(x).dtype)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-compatible dict.

        Example:
            >>> L2(0.5).get_config()
            {'l2': 0.5}
        """
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Regularizer":
        """Rebuild a regularizer from `get_config()`'s output.

        Example:
            >>> L1.from_config({"l1": 0.5}).l1
            0.5
        """
        return cls(**config)


class L1(Regularizer):
    """L1 penalty `l1 * sum(|x|)`.

    Args:
        l1: the non-negative factor (None means 0.01).

    Raises:
        ValueError: for a negative or non-finite factor.

    Example:
        >>> L1(0.1)(jnp.array([[1.0, -2.0], [3.0, 0.0]]))
        Array(0.6, dtype=float32)
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor(l1, "l1", 0.01)

    def __call__(self, x: Any) -> jax.Array:
        x = _float(x)
        return self.l1 * jnp.sum(jnp.abs(x))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty `l2 * sum(x ** 2)` (no factor 1/2, as in Keras).

    Args:
        l2: the non-negative factor (None means 0.01).

    Raises:
        ValueError: for a negative or non-finite factor.

    Example:
        >>> L2(0.1)(jnp.array([[1.0, -2.0], [3.0, 0.0]]))
        Array(1.4, dtype=float32)
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor(l2, "l2", 0.01)

    def __call__(self, x: Any) -> jax.Array:
        x = _float(x)
        return self.l2 * jnp.sum(jnp.square(x))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Both penalties: `l1 * sum(|x|) + l2 * sum(x ** 2)`.

    Args:
        l1: the non-negative L1 factor.
        l2: the non-negative L2 factor.

    Raises:
        ValueError: for a negative or non-finite factor.

    Example:
        >>> L1L2(l1=0.1, l2=0.1)(jnp.array([1.0, -2.0]))
        Array(0.8, dtype=float32)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor(l1, "l1", 0.0)
        self.l2 = _factor(l2, "l2", 0.0)

    def __call__(self, x: Any) -> jax.Array:
        x = _float(x)
        penalty = jnp.zeros((), x.dtype)
        if self.l1:
            penalty = penalty + self.l1 * jnp.sum(jnp.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


l1, l2 = L1, L2


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An `L1L2` regularizer with tf.keras's defaults of 0.01 for both factors.

    Args:
        l1: the L1 factor.
        l2: the L2 factor.

    Returns:
        The regularizer.

    Example:
        >>> l1_l2().get_config()
        {'l1': 0.01, 'l2': 0.01}
    """
    return L1L2(l1=l1, l2=l2)


for _cls in (L1, L2, L1L2):
    registry.register_serializable("lamina.regularizers")(_cls)
registry.register_serializable("lamina.regularizers", "l1_l2")(l1_l2)
registry.register_serializable("lamina.regularizers", "l1l2")(l1_l2)


_CATALOG = Catalog(
    kind="regularizer", package="lamina.regularizers",
    valid="'l1', 'l2', 'l1_l2' (or the classes L1, L2, L1L2)",
    such_as="'l1', 'l2', 'l1_l2'", accepts="a Regularizer, or a callable weight -> scalar",
    base=Regularizer, home="lamina.regularizers",
    example={"class_name": "L2", "config": {"l2": 0.01}})


def deserialize(config: str | Mapping[str, Any],
                custom_objects: Mapping[str, Any] | None = None) -> Regularizer:
    """Rebuild a regularizer from a name or a `{"class_name", "config"}` dict.

    Args:
        config: a name ('l1', 'l2', 'l1_l2' with factors 0.01) or the output of
            `serialize`.
        custom_objects: user regularizers by name; looked up first.

    Returns:
        The regularizer.

    Raises:
        ValueError: for an unknown name or a dict without 'class_name'.
        TypeError: for anything else.

    Example:
        >>> deserialize({"class_name": "L2", "config": {"l2": 0.001}}).l2
        0.001
    """
    return _CATALOG.deserialize(config, custom_objects)


def get(identifier: Any) -> Regularizer | Callable[..., Any] | None:
    """Resolve a regularizer identifier as Keras's `regularizers.get` does.

    Args:
        identifier: None, a name ('l1' -> L1(0.01), 'l2' -> L2(0.01),
            'l1_l2' -> L1L2(0.01, 0.01); case-insensitive), a dict
            `{"class_name", "config"}`, a Regularizer class or instance, or a
            callable weight -> scalar.

    Returns:
        A regularizer or the callable given; None for None.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
        TypeError: for anything that cannot be a regularizer.

    Example:
        >>> get("l2").get_config()
        {'l2': 0.01}
    """
    return _CATALOG.get(identifier)


def serialize(regularizer: Regularizer | str | None) -> dict[str, Any] | None:
    """The `{"class_name", "config"}` dict that `deserialize` turns back.

    Args:
        regularizer: a Regularizer instance (or a name), or None.

    Returns:
        A JSON-compatible dict; None for None.

    Raises:
        ValueError: for a plain function, which has no config to save.

    Example:
        >>> serialize(L2(0.001))
        {'class_name': 'L2', 'config': {'l2': 0.001}}
    """
    return _CATALOG.serialize(regularizer)
