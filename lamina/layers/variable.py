"""`Variable`: a named, assignable array owned by a layer, and the stateless scope.

Outside a compiled step a Variable holds its own value. Inside one (see
`StatelessScope`) it reads the array the scope maps it to, and `assign` writes into the
scope, so the same layer code runs eagerly and inside `jax.jit` / `lax` loops.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np

_local = threading.local()


class StatelessScope:
    """Maps Variables to arrays for the duration of a `with` block.

    Args:
        values: pairs `(variable, array)` the variables read inside the block.
        rng: an optional PRNG key, or a function `i -> key` (keys drawn lazily);
            layers draw from it with `next_rng_key()`.
        collect_losses: whether `add_loss` calls are recorded (they always are
            inside a scope; the flag exists for symmetry with Keras's API).
    """

    def __init__(self, values: Iterable[tuple["Variable", Any]] = (), *, rng: Any = None,
                 building: bool = False):
        self.values: dict[int, Any] = {id(v): a for v, a in values}
        self.rng = rng
        self._drawn = 0
        self.losses: list[Any] = []
        self.building = building

    def __enter__(self) -> "StatelessScope":
        stack = getattr(_local, "scopes", None)
        if stack is None:
            stack = _local.scopes = []
        stack.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.scopes.pop()

    def get(self, variable: "Variable") -> Any:
        return self.values.get(id(variable), variable._value)

    def next_key(self) -> Any:
        if self.rng is None:
            return None
        if callable(self.rng):
            self._drawn += 1
            return self.rng(self._drawn - 1)
        self.rng, key = jax.random.split(self.rng)
        return key


def current_scope() -> StatelessScope | None:
    stack = getattr(_local, "scopes", None)
    return stack[-1] if stack else None


def _value_of(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def _binary(op: Callable, reflected: bool = False) -> Callable:
    if reflected:
        return lambda self, other: op(_value_of(other), self.value)
    return lambda self, other: op(self.value, _value_of(other))


class Variable:
    """A layer weight, as `keras.Variable`.

    Args:
        initializer: an array, or a callable `(shape, dtype) -> array`.
        shape: the shape, required when `initializer` is a callable.
        dtype: the dtype (float32 by default).
        trainable: whether the optimizer updates it.
        name: the full name, e.g. `"dense/kernel"`.
        regularizer: an optional callable `array -> scalar` added to the loss.
        constraint: an optional callable `array -> array` applied after each update.

    Example:
        >>> import numpy as np
        >>> v = Variable(np.ones((2, 3)), name="dense/kernel")
        >>> v.shape, v.name, float((v * 2).sum())
        ((2, 3), 'dense/kernel', 12.0)
    """

    __array_priority__ = 100

    def __init__(self, initializer: Any, shape: Any = None, dtype: Any = None, *,
                 trainable: bool = True, name: str = "variable",
                 regularizer: Callable | None = None, constraint: Callable | None = None):
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable '{name}' has a callable initializer but no shape. "
                                 "Pass shape=(...) as well.")
            with jax.ensure_compile_time_eval():
                value = initializer(tuple(shape), dtype or "float32")
        else:
            value = initializer
        value = jnp.asarray(value, dtype=dtype or _default_dtype(value))
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f"Variable '{name}' was given shape {tuple(shape)} but its initial "
                             f"value has shape {tuple(value.shape)}.")
        self._value = value
        self.name = name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint

    # -- value --------------------------------------------------------------
    @property
    def value(self) -> jax.Array:
        scope = current_scope()
        return self._value if scope is None else scope.get(self)

    def assign(self, value: Any) -> "Variable":
        """Set the value (inside a compiled step: for that step only)."""
        value = jnp.asarray(_value_of(value), dtype=self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                             f"'{self.name}' of shape {self.shape}.")
        scope = current_scope()
        if scope is None or scope.building:
            self._value = value
        else:
            scope.values[id(self)] = value
        return self

    def assign_add(self, delta: Any) -> "Variable":
        return self.assign(self.value + _value_of(delta))

    def assign_sub(self, delta: Any) -> "Variable":
        return self.assign(self.value - _value_of(delta))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self) -> Any:
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def path(self) -> str:
        return self.name

    def numpy(self) -> np.ndarray:
        """A writable NumPy copy of the value."""
        return np.array(self._value)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.asarray(self._value)
        return out.astype(dtype) if dtype is not None else out

    def __jax_array__(self) -> jax.Array:
        return self.value

    def __repr__(self) -> str:
        return (f"<Variable path={self.name}, shape={self.shape}, dtype={self.dtype.name}, "
                f"trainable={self.trainable}>")

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, idx: Any) -> jax.Array:
        return self.value[idx]

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    __hash__ = object.__hash__

    def __neg__(self) -> jax.Array:
        return -self.value

    def __pos__(self) -> jax.Array:
        return self.value

    def __abs__(self) -> jax.Array:
        return jnp.abs(self.value)

    @property
    def T(self) -> jax.Array:
        return self.value.T

    def __getattr__(self, name: str) -> Any:
        # Array methods (`v.sum()`, `v.reshape(...)`) read the current value.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.value, name)

    __add__ = _binary(jnp.add)
    __radd__ = _binary(jnp.add, True)
    __sub__ = _binary(jnp.subtract)
    __rsub__ = _binary(jnp.subtract, True)
    __mul__ = _binary(jnp.multiply)
    __rmul__ = _binary(jnp.multiply, True)
    __truediv__ = _binary(jnp.true_divide)
    __rtruediv__ = _binary(jnp.true_divide, True)
    __floordiv__ = _binary(jnp.floor_divide)
    __rfloordiv__ = _binary(jnp.floor_divide, True)
    __pow__ = _binary(jnp.power)
    __rpow__ = _binary(jnp.power, True)
    __matmul__ = _binary(jnp.matmul)
    __rmatmul__ = _binary(jnp.matmul, True)
    __mod__ = _binary(jnp.mod)
    __lt__ = _binary(jnp.less)
    __le__ = _binary(jnp.less_equal)
    __gt__ = _binary(jnp.greater)
    __ge__ = _binary(jnp.greater_equal)


def _default_dtype(value: Any) -> Any:
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return "float32"
    if np.issubdtype(dtype, np.floating):
        return "float32" if dtype == np.float64 else dtype
    return dtype


# A registered pytree: JAX converts it through `__jax_array__` while tracing
# (`jnp.matmul(x, self.kernel)` inside `fit`), which it refuses for unregistered types.
jax.tree_util.register_pytree_node(
    Variable, lambda v: ((v.value,), None), lambda _, children: children[0])


def next_rng_key() -> jax.Array:
    """A PRNG key for a layer's randomness: from the step's key inside a compiled
    step, from the global seed (`lamina.utils.set_random_seed`) otherwise."""
    from lamina import random as _random

    scope = current_scope()
    key = scope.next_key() if scope is not None else None
    return _random.next_key() if key is None else key


def add_loss_to_scope(loss: Any) -> bool:
    """Record an activity loss in the current scope; False when there is none."""
    scope = current_scope()
    if scope is None:
        return False
    scope.losses.append(loss)
    return True
