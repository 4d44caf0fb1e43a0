"""The elementwise part of Keras 3's NumPy set: one `jax.numpy` function each.

The ops are made from tables, so each is exactly its `jax.numpy` counterpart with
Keras's name and argument names: `(x)` for one operand, `(x1, x2)` for two, `(x, y)`
for the bitwise ones, as `keras.ops.numpy` writes them.

Example:
    >>> from lamina import ops
    >>> ops.add([1.0, 2.0], 1.0).tolist(), ops.sqrt(4.0).item()
    ([2.0, 3.0], 2.0)
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from lamina.ops._op import Tensor, op

_UNARY: dict[str, tuple[Callable[[Any], Any], str]] = {
    "abs": (jnp.abs, "the absolute value"),
    "absolute": (jnp.abs, "the absolute value"),
    "angle": (lambda x: jnp.angle(jnp.asarray(x, jnp.result_type(x, jnp.float32))),
              "the angle of a complex number (0 or pi for reals)"),
    "arccos": (jnp.arccos, "the inverse cosine"),
    "arccosh": (jnp.arccosh, "the inverse hyperbolic cosine"),
    "arcsin": (jnp.arcsin, "the inverse sine"),
    "arcsinh": (jnp.arcsinh, "the inverse hyperbolic sine"),
    "arctan": (jnp.arctan, "the inverse tangent"),
    "arctanh": (jnp.arctanh, "the inverse hyperbolic tangent"),
    "bitwise_invert": (jnp.bitwise_invert, "bitwise NOT of integers"),
    "bitwise_not": (jnp.bitwise_not, "bitwise NOT of integers"),
    "cbrt": (jnp.cbrt, "the cube root"),
    "ceil": (jnp.ceil, "the ceiling"),
    "conj": (jnp.conj, "the complex conjugate"),
    "conjugate": (jnp.conjugate, "the complex conjugate"),
    "copy": (jnp.copy, "a copy"),
    "cos": (jnp.cos, "the cosine"),
    "cosh": (jnp.cosh, "the hyperbolic cosine"),
    "deg2rad": (jnp.deg2rad, "degrees to radians"),
    "exp": (jnp.exp, "e to the power x"),
    "exp2": (jnp.exp2, "2 to the power x"),
    "expm1": (jnp.expm1, "exp(x) - 1, exact near 0"),
    "fabs": (jnp.fabs, "the absolute value, as a float"),
    "floor": (jnp.floor, "the floor"),
    "i0": (jnp.i0, "the modified Bessel function of order 0"),
    "imag": (jnp.imag, "the imaginary part"),
    "isfinite": (jnp.isfinite, "whether finite"),
    "isinf": (jnp.isinf, "whether infinite"),
    "isnan": (jnp.isnan, "whether NaN"),
    "isneginf": (jnp.isneginf, "whether -inf"),
    "isposinf": (jnp.isposinf, "whether +inf"),
    "isreal": (jnp.isreal, "whether the imaginary part is 0"),
    "log": (jnp.log, "the natural logarithm"),
    "log10": (jnp.log10, "the base-10 logarithm"),
    "log1p": (jnp.log1p, "log(1 + x), exact near 0"),
    "log2": (jnp.log2, "the base-2 logarithm"),
    "logical_not": (jnp.logical_not, "logical NOT"),
    "negative": (jnp.negative, "-x"),
    "rad2deg": (jnp.rad2deg, "radians to degrees"),
    "real": (jnp.real, "the real part"),
    "reciprocal": (jnp.reciprocal, "1 / x"),
    "sign": (jnp.sign, "the sign (-1, 0 or 1)"),
    "signbit": (jnp.signbit, "whether the sign bit is set"),
    "sin": (jnp.sin, "the sine"),
    "sinc": (jnp.sinc, "sin(pi x) / (pi x)"),
    "sinh": (jnp.sinh, "the hyperbolic sine"),
    "sqrt": (jnp.sqrt, "the square root"),
    "square": (jnp.square, "x squared"),
    "tan": (jnp.tan, "the tangent"),
    "tanh": (jnp.tanh, "the hyperbolic tangent"),
    "trunc": (jnp.trunc, "x rounded towards zero"),
}


def _divide_no_nan(x1: Any, x2: Any) -> jax.Array:
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    safe = jnp.where(x2 == 0, 1, x2)
    return jnp.where(x2 == 0, jnp.zeros((), jnp.result_type(x1, x2, jnp.float32)),
                     jnp.true_divide(x1, safe))


_BINARY: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "add": (jnp.add, "x1 + x2"),
    "arctan2": (jnp.arctan2, "the angle of the point (x2, x1)"),
    "divide": (jnp.true_divide, "x1 / x2"),
    "divide_no_nan": (_divide_no_nan, "x1 / x2, and 0 where x2 is 0"),
    "dot": (jnp.dot, "the dot product (a matrix product for 2-D operands)"),
    "equal": (jnp.equal, "x1 == x2"),
    "floor_divide": (jnp.floor_divide, "x1 // x2"),
    "fmax": (jnp.fmax, "the maximum, ignoring NaN"),
    "fmin": (jnp.fmin, "the minimum, ignoring NaN"),
    "fmod": (jnp.fmod, "the C-style remainder (the sign of x1)"),
    "gcd": (jnp.gcd, "the greatest common divisor"),
    "greater": (jnp.greater, "x1 > x2"),
    "greater_equal": (jnp.greater_equal, "x1 >= x2"),
    "heaviside": (jnp.heaviside, "the Heaviside step of x1, x2 at 0"),
    "hypot": (jnp.hypot, "sqrt(x1**2 + x2**2)"),
    "inner": (jnp.inner, "the inner product over the last axes"),
    "kron": (jnp.kron, "the Kronecker product"),
    "lcm": (jnp.lcm, "the least common multiple"),
    "ldexp": (jnp.ldexp, "x1 * 2**x2"),
    "less": (jnp.less, "x1 < x2"),
    "less_equal": (jnp.less_equal, "x1 <= x2"),
    "logaddexp": (jnp.logaddexp, "log(exp(x1) + exp(x2))"),
    "logaddexp2": (jnp.logaddexp2, "log2(2**x1 + 2**x2)"),
    "logical_and": (jnp.logical_and, "logical AND"),
    "logical_or": (jnp.logical_or, "logical OR"),
    "logical_xor": (jnp.logical_xor, "logical XOR"),
    "matmul": (jnp.matmul, "the matrix product x1 @ x2"),
    "maximum": (jnp.maximum, "the elementwise maximum"),
    "minimum": (jnp.minimum, "the elementwise minimum"),
    "mod": (jnp.mod, "x1 % x2 (the sign of x2)"),
    "multiply": (jnp.multiply, "x1 * x2"),
    "nextafter": (jnp.nextafter, "the next float after x1 towards x2"),
    "not_equal": (jnp.not_equal, "x1 != x2"),
    "outer": (lambda a, b: jnp.outer(a, b), "the outer product of the flattened inputs"),
    "power": (jnp.power, "x1 ** x2"),
    "subtract": (jnp.subtract, "x1 - x2"),
    "true_divide": (jnp.true_divide, "x1 / x2"),
    "vdot": (jnp.vdot, "the dot product of the flattened inputs"),
}

_BITWISE: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "bitwise_and": (jnp.bitwise_and, "bitwise AND of integers"),
    "bitwise_or": (jnp.bitwise_or, "bitwise OR of integers"),
    "bitwise_xor": (jnp.bitwise_xor, "bitwise XOR of integers"),
    "bitwise_left_shift": (jnp.left_shift, "x << y"),
    "bitwise_right_shift": (jnp.right_shift, "x >> y"),
    "left_shift": (jnp.left_shift, "x << y"),
    "right_shift": (jnp.right_shift, "x >> y"),
}


def _unary(name: str, fn: Callable[[Any], Any], what: str) -> Callable[..., Any]:
    def function(x: Tensor) -> jax.Array:
        return fn(x)
    return _named(function, name, f"`keras.ops.{name}(x)`: {what}, elementwise.")


def _binary(name: str, fn: Callable[[Any, Any], Any], what: str) -> Callable[..., Any]:
    def function(x1: Tensor, x2: Tensor) -> jax.Array:
        return fn(x1, x2)
    return _named(function, name, f"`keras.ops.{name}(x1, x2)`: {what} (broadcasting).")


def _bitwise(name: str, fn: Callable[[Any, Any], Any], what: str) -> Callable[..., Any]:
    def function(x: Tensor, y: Tensor) -> jax.Array:
        return fn(x, y)
    return _named(function, name, f"`keras.ops.{name}(x, y)`: {what} (broadcasting).")


def _named(function: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return op(function)


OPS: dict[str, Callable[..., Any]] = {
    **{name: _unary(name, fn, what) for name, (fn, what) in _UNARY.items()},
    **{name: _binary(name, fn, what) for name, (fn, what) in _BINARY.items()},
    **{name: _bitwise(name, fn, what) for name, (fn, what) in _BITWISE.items()},
}
globals().update(OPS)


@op
def clip(x: Tensor, x_min: Any, x_max: Any) -> jax.Array:
    """`x` limited to `[x_min, x_max]`, as `keras.ops.clip`.

    Example:
        >>> clip(jnp.array([-2.0, 0.5, 3.0]), 0.0, 1.0).tolist()
        [0.0, 0.5, 1.0]
    """
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_:
        x = x.astype(jnp.int32)
    return jnp.clip(x, x_min, x_max)


@op
def round(x: Tensor, decimals: int = 0) -> jax.Array:  # noqa: A001 (Keras's name)
    """`x` rounded half to even to `decimals` places, as `keras.ops.round`.

    Example:
        >>> round(jnp.array([0.5, 1.5, 2.26]), 1).tolist()
        [0.5, 1.5, 2.299999952316284]
    """
    return jnp.round(x, decimals)


@op
def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> jax.Array:
    """NaN and infinities replaced by finite numbers, as `keras.ops.nan_to_num`.

    Example:
        >>> nan_to_num(jnp.array([jnp.nan, 1.0]), nan=-1.0).tolist()
        [-1.0, 1.0]
    """
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@op
def isclose(x1: Tensor, x2: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> jax.Array:
    """Whether `|x1 - x2| <= atol + rtol * |x2|`, elementwise (`keras.ops.isclose`).

    Example:
        >>> isclose(jnp.array([1.0, 2.0]), jnp.array([1.0, 2.1])).tolist()
        [True, False]
    """
    return jnp.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@op
def allclose(x1: Tensor, x2: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> jax.Array:
    """Whether `isclose` holds everywhere, as `keras.ops.allclose`.

    Example:
        >>> bool(allclose(jnp.ones(3), jnp.ones(3) + 1e-9))
        True
    """
    return jnp.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
