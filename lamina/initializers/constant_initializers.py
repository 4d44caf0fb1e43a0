"""The initializer base class and the deterministic initializers.

An initializer is called as `init(shape, dtype=None)` and returns a
`jax.Array`, float32 unless `dtype` says otherwise. Values are made on the host
and placed on the device once, so no weight shape costs an XLA compilation.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np

Shape = Sequence[int]
DType = Any


def standardize_shape(shape: Any) -> tuple[int, ...]:
    """`shape` as a tuple of non-negative ints (an int `n` means `(n,)`).

    Args:
        shape: a sequence of non-negative ints, or one int.

    Returns:
        The shape as a tuple of Python ints.

    Raises:
        ValueError: for anything else (None dimensions included).

    Example:
        >>> standardize_shape([3, 4])
        (3, 4)
    """
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if dims is None or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0
            for d in dims):
        raise ValueError(f"An initializer needs a shape of non-negative ints, but "
                         f"received shape={shape!r}. Pass e.g. (784, 128).")
    return tuple(int(d) for d in dims)


def standardize_dtype(dtype: DType, *, floating: bool, who: str) -> np.dtype:
    """`dtype` as a NumPy dtype; None means float32.

    Args:
        dtype: anything `jnp.dtype` understands, or None.
        floating: require a floating dtype (random initializers).
        who: the initializer's name, for error messages.

    Returns:
        The dtype.

    Raises:
        TypeError: if `dtype` is not a dtype.
        ValueError: if `floating` and `dtype` is not a floating dtype.

    Example:
        >>> standardize_dtype(None, floating=True, who="Zeros")
        dtype('float32')
    """
    if dtype is None:
        return np.dtype("float32")
    try:
        dt = jnp.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who} could not interpret dtype={dtype!r}. Pass a dtype "
                        f"such as 'float32'.") from None
    if floating and not jnp.issubdtype(dt, jnp.floating):
        raise ValueError(f"{who} draws floating-point values, but received "
                         f"dtype={dt.name}. Pass a float dtype such as 'float32'.")
    return dt


def compute_fans(shape: Shape) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of `shape`, as Keras computes them.

    Dense kernels `(in, out)` give `(in, out)`; convolution kernels
    `(*spatial, in, out)` multiply both by the receptive field `prod(spatial)`;
    a vector `(n,)` gives `(n, n)` and a scalar `(1, 1)`.

    Args:
        shape: the weight's shape.

    Returns:
        `(fan_in, fan_out)` as ints.

    Example:
        >>> compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = standardize_shape(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: subclasses define `__call__(shape, dtype=None)` and `get_config`.

    Example:
        >>> class Halves(Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return jnp.full(shape, 0.5, dtype or "float32")
        >>> Halves()((2,))
        Array([0.5, 0.5], dtype=float32)
    """

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        raise TypeError(f"{type(self).__name__} does not define __call__(shape, dtype). "
                        f"Subclass Initializer and define it to return an array.")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as a JSON-compatible dict.

        Example:
            >>> Constant(2.0).get_config()
            {'value': 2.0}
        """
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Initializer":
        """Rebuild an initializer from `get_config()`'s output.

        Example:
            >>> Constant.from_config({"value": 2.0}).value
            2.0
        """
        return cls(**config)

    def clone(self) -> "Initializer":
        """A new initializer with the same configuration.

        Example:
            >>> Constant(2.0).clone().value
            2.0
        """
        return type(self).from_config(self.get_config())


class Zeros(Initializer):
    """All zeros.

    Example:
        >>> Zeros()((2, 2))
        Array([[0., 0.],
               [0., 0.]], dtype=float32)
    """

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=False, who="Zeros")
        return jnp.asarray(np.zeros(standardize_shape(shape), dt))


class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((3,), dtype="int32")
        Array([1, 1, 1], dtype=int32)
    """

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=False, who="Ones")
        return jnp.asarray(np.ones(standardize_shape(shape), dt))


class Constant(Initializer):
    """A constant value (a scalar, or an array broadcast to the shape).

    Args:
        value: the value to fill with.

    Example:
        >>> Constant(3.0)((2,))
        Array([3., 3.], dtype=float32)
    """

    def __init__(self, value: Any = 0.0):
        self.value = value

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=False, who="Constant")
        value = np.broadcast_to(np.asarray(self.value, dt), standardize_shape(shape))
        return jnp.asarray(np.array(value))

    def get_config(self) -> dict[str, Any]:
        value = self.value
        if not isinstance(value, (int, float)):
            value = np.asarray(value).tolist()
        return {"value": value}


class Identity(Initializer):
    """`gain` times the identity matrix (rectangular allowed; 2-D only).

    Args:
        gain: the multiplicative factor.

    Raises:
        ValueError: for a shape that is not 2-D.

    Example:
        >>> Identity(gain=2.0)((2, 3))
        Array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Shape, dtype: DType = None) -> jax.Array:
        dt = standardize_dtype(dtype, floating=False, who="Identity")
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity initializer only makes 2-D matrices, but "
                             f"received shape={shape}. Pass a shape (rows, cols).")
        return jnp.asarray((self.gain * np.eye(*shape)).astype(dt))

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}
