"""`keras.backend`: the functions course code still calls, and the state underneath.

This package is the lowest layer of the shell above `lamina.core`: `Variable`,
`KerasTensor`, the stateless scope that maps Variables to arrays inside compiled
programs, the symbolic graph that calling layers on `KerasTensor`s records, and
the masks attached to outputs. It imports no layer and no model.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.backend import _operation  # noqa: F401  (installs KerasTensor's operators)
from lamina.backend._naming import clear_names
from lamina.backend._scope import StatelessScope
from lamina.backend.keras_tensor import KerasTensor, is_keras_tensor
from lamina.backend.variable import Variable

__all__ = ["KerasTensor", "StatelessScope", "Variable", "clear_session", "epsilon", "floatx",
           "get_value", "image_data_format", "int_shape", "is_keras_tensor", "set_value"]


def clear_session() -> None:
    """Forget automatic layer names, so the next model starts at `dense` again."""
    clear_names()


def floatx() -> str:
    """The default float type: `'float32'`."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor Keras uses in losses and metrics: 1e-7."""
    return 1e-7


def image_data_format() -> str:
    """Where images keep their channels: `'channels_last'`, Keras's default."""
    return "channels_last"


def int_shape(x: Any) -> tuple:
    """The shape of a tensor, Variable or array as a tuple (`None` for unknown).

    Example:
        >>> int_shape(np.zeros((2, 3))), int_shape(KerasTensor((None, 4)))
        ((2, 3), (None, 4))
    """
    return tuple(x.shape)


def get_value(x: Any) -> Any:
    """The value of a Variable, an optimizer hyperparameter or an array, as NumPy.

    Example:
        >>> float(get_value(np.float32(0.5)))
        0.5
    """
    if hasattr(x, "numpy"):
        return x.numpy()
    return np.asarray(x)


def set_value(x: Any, value: Any) -> None:
    """Assign `value` to a Variable, or to the optimizer learning rate `x` was read from
    (`keras.backend.set_value(model.optimizer.learning_rate, 0.001)`).

    Example:
        >>> import lamina as keras
        >>> opt = keras.optimizers.SGD(0.1)
        >>> set_value(opt.learning_rate, 0.02)
        >>> float(opt.learning_rate)
        0.02
    """
    if not hasattr(x, "assign"):
        raise TypeError(f"set_value needs a Variable, but received {type(x).__name__}. To "
                        "change the learning rate, set model.optimizer.learning_rate = value.")
    x.assign(value)
