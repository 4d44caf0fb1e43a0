"""`KerasTensor`: a symbolic tensor, a shape and a dtype with no values.

`keras.Input(shape)` returns one; calling a layer on it records a node of a
functional model's graph (`lamina.backend._graph`) and returns new ones. Python's
operators and indexing on it (`x * 2 + y`, `x[:, :1]`) record operations the same
way (`lamina.backend._operation` installs the function they call, so this module
imports nothing of the graph).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

# `operation(name, *args)`: records the named operation on symbolic arguments. Set by
# `lamina.backend._operation` when the backend is imported.
operation: Callable[..., Any] | None = None


def _operator(name: str, reflected: bool = False) -> Callable:
    def method(self: "KerasTensor", *others: Any) -> Any:
        args = (others[0], self) if reflected else (self, *others)
        return operation(name, *args)

    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


class KerasTensor:
    """A symbolic tensor: a shape (with `None` for the batch) and a dtype.

    Arithmetic, comparisons, `@`, `&`, `|`, `~` and indexing record operations
    of the graph, as in Keras 3 (`keras.ops.add`, `keras.ops.get_item`, ...).

    Attributes:
        shape: the shape, `None` where unknown.
        dtype: the dtype name, e.g. `'float32'`.
        name: the name of the layer that made it.
        sparse: whether the input was declared sparse (`keras.Input(sparse=True)`);
            Lamina densifies sparse data, so this is informative only.

    Example:
        >>> t = KerasTensor((None, 3), "float32", name="x")
        >>> t.shape, t.ndim, t.dtype
        ((None, 3), 2, 'float32')
    """

    def __init__(self, shape: Sequence[int | None], dtype: Any = "float32",
                 name: str | None = None, history: Any = None, sparse: bool = False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(dtype)
        self.name = name
        self.sparse = bool(sparse)
        # (layer, node_index, tensor_index) of the call that produced it.
        self._keras_history = history
        # The symbolic mask the producing call attaches (a KerasTensor), or None.
        self._keras_mask: KerasTensor | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # -- operators (Keras 3's names for the recorded operations) ---------------
    __add__, __radd__ = _operator("add"), _operator("add", True)
    __sub__, __rsub__ = _operator("subtract"), _operator("subtract", True)
    __mul__, __rmul__ = _operator("multiply"), _operator("multiply", True)
    __truediv__, __rtruediv__ = _operator("divide"), _operator("divide", True)
    __floordiv__, __rfloordiv__ = _operator("floor_divide"), _operator("floor_divide", True)
    __mod__, __rmod__ = _operator("mod"), _operator("mod", True)
    __pow__, __rpow__ = _operator("power"), _operator("power", True)
    __matmul__, __rmatmul__ = _operator("matmul"), _operator("matmul", True)
    __and__, __rand__ = _operator("logical_and"), _operator("logical_and", True)
    __or__, __ror__ = _operator("logical_or"), _operator("logical_or", True)
    __xor__, __rxor__ = _operator("logical_xor"), _operator("logical_xor", True)
    __lt__, __le__ = _operator("less"), _operator("less_equal")
    __gt__, __ge__ = _operator("greater"), _operator("greater_equal")
    __neg__, __pos__ = _operator("negative"), _operator("positive")
    __abs__, __invert__ = _operator("absolute"), _operator("logical_not")
    __getitem__ = _operator("get_item")
    # `==` and `!=` keep Python's identity semantics (tensors are used as dict keys
    # and list members); use `keras.ops.equal` / `not_equal` for the elementwise forms.
    __hash__ = object.__hash__

    def __iter__(self) -> Iterator["KerasTensor"]:
        if not self.shape or self.shape[0] is None:
            raise TypeError(f"Cannot iterate over the symbolic tensor {self.name!r} of shape "
                            f"{self.shape}: its first dimension is unknown. Index it "
                            "(x[:, 0]) or use keras.ops.unstack with a known size.")
        return iter([self[i] for i in range(self.shape[0])])

    def __bool__(self) -> bool:
        raise TypeError(f"The symbolic tensor {self.name!r} (shape {self.shape}) has no "
                        "value, so it cannot decide an `if` or `while`. Build the model "
                        "from layers and keras.ops functions (keras.ops.where, "
                        "keras.ops.cond), or put the Python logic in a layer's call().")

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(f"The symbolic tensor {self.name!r} (shape {self.shape}) has no "
                        "values to convert to NumPy: it only describes a model's graph. "
                        "Build a keras.Model(inputs, outputs) and call it (or predict) "
                        "on data.")


def dtype_name(dtype: Any) -> str:
    """A dtype's name; `"string"` for text (str, bytes, NumPy's U/S/O kinds), as Keras.

    Example:
        >>> dtype_name("float32"), dtype_name(str), dtype_name("<U5"), dtype_name("string")
        ('float32', 'string', 'string', 'string')
    """
    if dtype in ("string", str, bytes, object):
        return "string"
    dtype = np.dtype(dtype)
    return "string" if dtype.kind in "USO" else str(dtype)


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a symbolic tensor, as `keras.backend.is_keras_tensor`.

    Example:
        >>> is_keras_tensor(KerasTensor((None, 2))), is_keras_tensor(np.zeros(2))
        (True, False)
    """
    return isinstance(x, KerasTensor)
