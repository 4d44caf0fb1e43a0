"""`Variable`: a named, assignable array owned by a layer.

Outside a compiled step a Variable holds its own value. Inside one (see
`lamina.backend.StatelessScope`) it reads the array the scope maps it to, and
`assign` writes into the scope, so the same layer code runs eagerly and inside
`jax.jit` / `lax` loops.

After training, the newest values live in the model's training state, not in the
Variables: a Variable trained by a model has a *holder* (that state), and reading
the Variable (its value, `numpy()`, `np.asarray`) first asks the holder to write
the values back. Training itself never writes Variables.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend import _distribution
from lamina.backend._budget import charge_shape
from lamina.backend._scope import autocast_dtype, current_scope


def _value_of(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x


def _binary(op: Callable, reflected: bool = False) -> Callable:
    if reflected:
        return lambda self, other: op(_value_of(other), self.value)
    return lambda self, other: op(self.value, _value_of(other))


# How many Variables were made: caches of a model's weight lists compare it.
CREATED = [0]


def generation() -> int:
    """A number that changes whenever a Variable is made: caches of weight lists
    (a model's prediction programs) stay valid while it is unchanged."""
    return CREATED[0]


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
        autocast: whether a layer computing in a lower precision reads it in that
            precision (Keras's mixed precision); the value itself keeps its dtype.

    Example:
        >>> import numpy as np
        >>> v = Variable(np.ones((2, 3)), name="dense/kernel")
        >>> v.shape, v.name, float((v * 2).sum())
        ((2, 3), 'dense/kernel', 12.0)
    """

    __array_priority__ = 100

    def __init__(self, initializer: Any, shape: Any = None, dtype: Any = None, *,
                 trainable: bool = True, name: str = "variable",
                 regularizer: Callable | None = None, constraint: Callable | None = None,
                 autocast: bool = True):
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable '{name}' has a callable initializer but no shape. "
                                 "Pass shape=(...) as well.")
            charge_shape(shape, dtype, f"weight '{name}'")
            with jax.ensure_compile_time_eval():
                value = initializer(tuple(shape), dtype or "float32")
        else:
            value = initializer
        value = jnp.asarray(value, dtype=dtype or _default_dtype(value))
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f"Variable '{name}' was given shape {tuple(shape)} but its initial "
                             f"value has shape {tuple(value.shape)}.")
        # Under a distribution the value lives where its layout says (sharded or
        # replicated across the devices), as Keras 3 creates variables.
        self._distribution = _distribution.current()
        self._value = _distribution.place(value, name, self._distribution)
        self._holder: Any = None
        CREATED[0] += 1
        self.name = name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        self.autocast = bool(autocast)

    # -- value --------------------------------------------------------------
    def _read(self) -> jax.Array:
        """The newest value outside any scope: the holder writes back first."""
        holder = self._holder
        if holder is not None and holder.pending:
            holder.flush()
        return self._value

    @property
    def value(self) -> jax.Array:
        value = self._raw()
        cast = autocast_dtype()
        if cast is not None and self.autocast and value.dtype != cast and \
                jnp.issubdtype(value.dtype, jnp.floating):
            value = value.astype(cast)
        return value

    def _raw(self) -> jax.Array:
        """The value in its own dtype (never autocast)."""
        scope = current_scope()
        return self._read() if scope is None else scope.get(self)

    def assign(self, value: Any) -> "Variable":
        """Set the value (inside a compiled step: for that step only)."""
        value = jnp.asarray(_value_of(value), dtype=self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                             f"'{self.name}' of shape {self.shape}.")
        scope = current_scope()
        if scope is None or scope.building:
            if self._holder is not None:
                self._holder.release(self)  # the training state no longer has the newest
            self._value = _distribution.place(value, self.name, self._distribution)
        else:
            scope.values[id(self)] = value
        return self

    def assign_add(self, delta: Any) -> "Variable":
        return self.assign(self._raw() + _value_of(delta))

    def assign_sub(self, delta: Any) -> "Variable":
        return self.assign(self._raw() - _value_of(delta))

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
        return np.array(self._read())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.asarray(self._read())
        return out.astype(dtype) if dtype is not None else out

    def __jax_array__(self) -> jax.Array:
        return self.value

    def __repr__(self) -> str:
        """As tf.keras 2 shows a variable, values included (courses ask learners to
        look at the random initial weights)."""
        return (f"<Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy=\n{np.array_repr(self.numpy())}>")

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, idx: Any) -> jax.Array:
        return self.value[idx]

    def __float__(self) -> float:
        return float(self._read())

    def __int__(self) -> int:
        return int(self._read())

    def __bool__(self) -> bool:
        return bool(self._read())

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


def unique_paths(variables: list[Variable]) -> list[str]:
    """Unique keys for Variables: their paths, numbered if repeated.

    Example:
        >>> import numpy as np
        >>> vs = [Variable(np.zeros(1), name=n) for n in ("d/kernel", "d/bias", "d/kernel")]
        >>> unique_paths(vs)
        ['d/kernel', 'd/bias', 'd/kernel_1']
    """
    keys: list[str] = []
    seen: dict[str, int] = {}
    for v in variables:
        count = seen.get(v.name, 0)
        seen[v.name] = count + 1
        keys.append(v.name if count == 0 else f"{v.name}_{count}")
    return keys
