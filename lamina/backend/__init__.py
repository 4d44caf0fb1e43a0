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
           "get_value", "image_data_format", "image_dim_ordering", "int_shape",
           "is_keras_tensor", "set_image_data_format", "set_image_dim_ordering", "set_value"]


def clear_session() -> None:
    """Forget automatic layer names, so the next model starts at `dense` again."""
    clear_names()


def floatx() -> str:
    """The default float type: `'float32'`."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor Keras uses in losses and metrics: 1e-7."""
    return 1e-7


_IMAGE_DATA_FORMAT = ["channels_last"]
_FORMATS = ("channels_last", "channels_first")


def image_data_format() -> str:
    """Where images keep their channels by default: `'channels_last'` (Keras's default)
    or what `set_image_data_format` set; layers with `data_format=None` read it."""
    return _IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format: str) -> None:
    """Set the default `data_format` of image layers, as `keras.backend.set_image_data_format`.

    Example:
        >>> set_image_data_format("channels_first"); image_data_format()
        'channels_first'
        >>> set_image_data_format("channels_last")
    """
    if data_format not in _FORMATS:
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', but "
                         f"received {data_format!r}.")
    _IMAGE_DATA_FORMAT[0] = data_format


def image_dim_ordering() -> str:
    """Keras 1's name for the image layout: `'tf'` for channels_last, `'th'` for
    channels_first.

    Example:
        >>> image_dim_ordering()
        'tf'
    """
    return "tf" if image_data_format() == "channels_last" else "th"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Keras 1's setter: `'tf'` (channels_last) or `'th'` (channels_first)."""
    if dim_ordering not in ("tf", "th"):
        raise ValueError(f"dim_ordering must be 'tf' or 'th', but received {dim_ordering!r}. "
                         "Prefer set_image_data_format('channels_last').")
    set_image_data_format("channels_last" if dim_ordering == "tf" else "channels_first")


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
