"""Activation functions with Keras's names, arguments and defaults.

Each activation is a plain function of an array whose `__name__` is Keras's
name, so `Dense(3, activation="relu").activation` prints and compares as in
Keras. All of them are pure `jax.numpy` code and run inside a compiled step.
Integer inputs are promoted to float32, as Keras's ops do.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp

from lamina import registry
from lamina._identifiers import Catalog

Activation = Callable[[jax.Array], jax.Array]

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _float(x: Any) -> jax.Array:
    """`x` as an array of a floating dtype (integers and bools become float32)."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.float32)
    return x


def linear(x: Any) -> Any:
    """The identity: returns `x` unchanged (Keras's default activation).

    Args:
        x: an array.

    Returns:
        `x` itself.

    Example:
        >>> import jax.numpy as jnp
        >>> linear(jnp.array([-1.0, 2.0]))
        Array([-1.,  2.], dtype=float32)
    """
    return x


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> jax.Array:
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`
    and `negative_slope * (x - threshold)` otherwise.

    Args:
        x: an array.
        negative_slope: slope below the threshold (0 gives the plain ReLU).
        max_value: the saturation value, or None for no cap.
        threshold: values below it are zeroed (or scaled by the slope).

    Returns:
        An array of the shape of `x`.

    Example:
        >>> import jax.numpy as jnp
        >>> relu(jnp.array([-2.0, 0.5, 8.0]))
        Array([0. , 0.5, 8. ], dtype=float32)
        >>> relu(jnp.array([-2.0, 0.5, 8.0]), negative_slope=0.1, max_value=6.0)
        Array([-0.2,  0.5,  6. ], dtype=float32)
    """
    x = _float(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return jnp.where(x >= 0, x, negative_slope * x)
    negative_part = jax.nn.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0.0:
        y = jnp.where(x > threshold, x, jnp.zeros_like(x))
    else:
        y = jax.nn.relu(x)
    if max_value is not None:
        y = jnp.clip(y, 0.0, max_value)
    if negative_part is not None:
        y = y - negative_slope * negative_part
    return y


def sigmoid(x: Any) -> jax.Array:
    """Logistic sigmoid `1 / (1 + exp(-x))`.

    Example:
        >>> import jax.numpy as jnp
        >>> sigmoid(jnp.array([0.0]))
        Array([0.5], dtype=float32)
    """
    return jax.nn.sigmoid(_float(x))


def tanh(x: Any) -> jax.Array:
    """Hyperbolic tangent.

    Example:
        >>> import jax.numpy as jnp
        >>> tanh(jnp.array([0.0, 1.0]))
        Array([0.    , 0.7615942], dtype=float32)
    """
    return jnp.tanh(_float(x))


def softmax(x: Any, axis: int = -1) -> jax.Array:
    """Softmax `exp(x) / sum(exp(x))` along `axis` (numerically stable).

    Args:
        x: an array.
        axis: the axis that sums to one.

    Returns:
        An array of the shape of `x`, non-negative, summing to 1 along `axis`.

    Example:
        >>> import jax.numpy as jnp
        >>> softmax(jnp.array([[0.0, 0.0], [0.0, 1000.0]]))
        Array([[0.5, 0.5],
               [0. , 1. ]], dtype=float32)
    """
    return jax.nn.softmax(_float(x), axis=axis)


def log_softmax(x: Any, axis: int = -1) -> jax.Array:
    """Logarithm of the softmax, `x - logsumexp(x)` along `axis`.

    Example:
        >>> import jax.numpy as jnp
        >>> log_softmax(jnp.array([0.0, 0.0]))
        Array([-0.6931472, -0.6931472], dtype=float32)
    """
    return jax.nn.log_softmax(_float(x), axis=axis)


def elu(x: Any, alpha: float = 1.0) -> jax.Array:
    """Exponential linear unit: `x` if `x > 0` else `alpha * (exp(x) - 1)`.

    Example:
        >>> import jax.numpy as jnp
        >>> elu(jnp.array([-1.0, 2.0]))
        Array([-0.63212055,  2.        ], dtype=float32)
    """
    return jax.nn.elu(_float(x), alpha=alpha)


def selu(x: Any) -> jax.Array:
    """Scaled ELU: `1.0507... * elu(x, alpha=1.6732...)`.

    Example:
        >>> import jax.numpy as jnp
        >>> selu(jnp.array([1.0]))
        Array([1.050701], dtype=float32)
    """
    x = _float(x)
    return _SELU_SCALE * jnp.where(x > 0, x, _SELU_ALPHA * jnp.expm1(x))


def gelu(x: Any, approximate: bool = False) -> jax.Array:
    """Gaussian error linear unit `x * Phi(x)` (exact by default, as Keras 3).

    Args:
        x: an array.
        approximate: use the tanh approximation instead of the exact erf form.

    Example:
        >>> import jax.numpy as jnp
        >>> gelu(jnp.array([1.0]))
        Array([0.8413447], dtype=float32)
    """
    return jax.nn.gelu(_float(x), approximate=approximate)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> jax.Array:
    """Leaky ReLU: `x` if `x >= 0` else `negative_slope * x`.

    Example:
        >>> import jax.numpy as jnp
        >>> leaky_relu(jnp.array([-1.0, 3.0]))
        Array([-0.2,  3. ], dtype=float32)
    """
    x = _float(x)
    return jnp.where(x >= 0, x, negative_slope * x)


def relu6(x: Any) -> jax.Array:
    """ReLU capped at 6: `min(max(x, 0), 6)`.

    Example:
        >>> import jax.numpy as jnp
        >>> relu6(jnp.array([-1.0, 3.0, 9.0]))
        Array([0., 3., 6.], dtype=float32)
    """
    return jnp.clip(_float(x), 0.0, 6.0)


def silu(x: Any) -> jax.Array:
    """Sigmoid linear unit (swish): `x * sigmoid(x)`.

    Example:
        >>> import jax.numpy as jnp
        >>> silu(jnp.array([0.0, 1.0]))
        Array([0.        , 0.7310586], dtype=float32)
    """
    x = _float(x)
    return x * jax.nn.sigmoid(x)


swish = silu


def softplus(x: Any) -> jax.Array:
    """Softplus `log(1 + exp(x))`, stable for large `|x|`.

    Example:
        >>> import jax.numpy as jnp
        >>> softplus(jnp.array([0.0]))
        Array([0.6931472], dtype=float32)
    """
    return jnp.logaddexp(_float(x), 0.0)


def softsign(x: Any) -> jax.Array:
    """Softsign `x / (|x| + 1)`.

    Example:
        >>> import jax.numpy as jnp
        >>> softsign(jnp.array([-3.0, 1.0]))
        Array([-0.75,  0.5 ], dtype=float32)
    """
    x = _float(x)
    return x / (jnp.abs(x) + 1.0)


def exponential(x: Any) -> jax.Array:
    """Exponential `exp(x)`.

    Example:
        >>> import jax.numpy as jnp
        >>> exponential(jnp.array([0.0]))
        Array([1.], dtype=float32)
    """
    return jnp.exp(_float(x))


def hard_sigmoid(x: Any) -> jax.Array:
    """Piecewise-linear sigmoid, Keras 3's `relu6(x + 3) / 6`.

    Example:
        >>> import jax.numpy as jnp
        >>> hard_sigmoid(jnp.array([-4.0, 0.0, 1.5, 4.0]))
        Array([0.  , 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return jnp.clip(_float(x) + 3.0, 0.0, 6.0) / 6.0


def hard_silu(x: Any) -> jax.Array:
    """Hard SiLU (hard swish): `x * relu6(x + 3) / 6`.

    Example:
        >>> import jax.numpy as jnp
        >>> hard_silu(jnp.array([-4.0, 1.5, 4.0]))
        Array([-0.   ,  1.125,  4.   ], dtype=float32)
    """
    x = _float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x: Any) -> jax.Array:
    """Mish `x * tanh(softplus(x))`.

    Example:
        >>> import jax.numpy as jnp
        >>> mish(jnp.array([1.0]))
        Array([0.865098], dtype=float32)
    """
    x = _float(x)
    return x * jnp.tanh(softplus(x))


_BUILTINS: dict[str, Activation] = {
    fn.__name__: fn for fn in (
        linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu,
        leaky_relu, relu6, silu, softplus, softsign, exponential, hard_sigmoid,
        hard_silu, mish)
}
_ALIASES: dict[str, Activation] = {"swish": silu, "hard_swish": hard_silu}
for _name, _fn in {**_BUILTINS, **_ALIASES}.items():
    registry.register_serializable("lamina.activations", _name)(_fn)


_CATALOG = Catalog(kind="activation", package="lamina.activations",
                   valid=", ".join(sorted({**_BUILTINS, **_ALIASES})),
                   such_as="a name such as 'relu'", accepts="a callable, or None")


def deserialize(name: str,
                custom_objects: Mapping[str, Callable[..., Any]] | None = None
                ) -> Callable[..., Any]:
    """The activation function stored under `name` (the inverse of `serialize`).

    Args:
        name: an activation name (case-insensitive) or a key of `custom_objects`.
        custom_objects: user functions by the name they were saved under;
            looked up first.

    Returns:
        The activation function.

    Raises:
        TypeError: if `name` is not a string.
        ValueError: if `name` is neither a built-in nor in `custom_objects`.

    Example:
        >>> deserialize("ReLU").__name__
        'relu'
    """
    if not isinstance(name, str):
        raise TypeError(f"An activation is stored by name, but received {name!r} "
                        f"({type(name).__name__}). Pass a string such as 'relu'.")
    return _CATALOG.lookup(name, custom_objects)


def get(identifier: str | Callable[..., Any] | None) -> Callable[..., Any]:
    """Resolve an activation identifier as Keras's `activations.get` does.

    Args:
        identifier: None (the linear activation), a name (case-insensitive,
            e.g. 'relu', 'Softmax', 'swish') or a callable (returned as is).

    Returns:
        A callable activation.

    Raises:
        ValueError: for an unknown name; the message lists the valid names.
        TypeError: for anything that is neither None, a string nor callable.

    Example:
        >>> get("relu").__name__
        'relu'
        >>> get(None) is linear
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret the activation {identifier!r} "
        f"({type(identifier).__name__}). Pass a name such as 'relu', a callable, "
        f"or None.")


def serialize(activation: str | Callable[..., Any] | None) -> str:
    """The name under which a built-in activation is written to a file.

    Args:
        activation: a built-in activation function (or its name); None is
            the linear activation, as in `get`.

    Returns:
        Keras's name of the activation (aliases give the canonical name).

    Raises:
        ValueError: for a function that is not a built-in activation.

    Example:
        >>> serialize(relu)
        'relu'
        >>> serialize(swish)
        'silu'
    """
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        activation = deserialize(activation)
    name = getattr(activation, "__name__", None)
    if name in _BUILTINS and _BUILTINS[name] is activation:
        return name
    if registry.is_registered(activation):
        return registry.get_registered_name(activation)
    raise ValueError(
        f"The activation {activation!r} is not a built-in activation, so it "
        f"cannot be saved by name. Register it with "
        f"`lamina.saving.register_keras_serializable()` and pass it in "
        f"`custom_objects` when loading, or use one of: "
        f"{_CATALOG.valid}.")
