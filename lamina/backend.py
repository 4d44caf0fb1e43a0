"""`keras.backend` functions that course code still calls."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.layers.layer import clear_session as _clear_names


def clear_session() -> None:
    """Forget automatic layer names, so the next model starts at `dense` again."""
    _clear_names()


def floatx() -> str:
    """The default float type: `'float32'`."""
    return "float32"


def epsilon() -> float:
    """The fuzz factor Keras uses in losses and metrics: 1e-7."""
    return 1e-7


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
