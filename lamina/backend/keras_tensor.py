"""`KerasTensor`: a symbolic tensor, a shape and a dtype with no values.

`keras.Input(shape)` returns one; calling a layer on it records a node of a
functional model's graph (`lamina.backend._graph`) and returns new ones.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


class KerasTensor:
    """A symbolic tensor: a shape (with `None` for the batch) and a dtype.

    Attributes:
        shape: the shape, `None` where unknown.
        dtype: the dtype name, e.g. `'float32'`.
        name: the name of the layer that made it.

    Example:
        >>> t = KerasTensor((None, 3), "float32", name="x")
        >>> t.shape, t.ndim, t.dtype
        ((None, 3), 2, 'float32')
    """

    def __init__(self, shape: Sequence[int | None], dtype: Any = "float32",
                 name: str | None = None, history: Any = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(dtype)
        self.name = name
        # (layer, node_index, tensor_index) of the call that produced it.
        self._keras_history = history
        # The symbolic mask the producing call attaches (a KerasTensor), or None.
        self._keras_mask: KerasTensor | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


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
