"""`ActivityRegularization`: an L1/L2 penalty on the activations that pass through."""
from __future__ import annotations

from typing import Any

from lamina import registry, regularizers
from lamina.layers.layer import Layer


@registry.register_serializable("lamina.layers")
class ActivityRegularization(Layer):
    """Passes inputs through unchanged and adds `l1 * sum(|x|) + l2 * sum(x ** 2)`,
    divided by the batch size (as tf.keras 2), to the training loss, as
    `keras.layers.ActivityRegularization`.

    Args:
        l1: the L1 factor (>= 0).
        l2: the L2 factor (>= 0).

    Example:
        >>> import numpy as np
        >>> layer = ActivityRegularization(l1=0.1)
        >>> layer(np.array([[1.0, -2.0], [3.0, 0.0]])).tolist()
        [[1.0, -2.0], [3.0, 0.0]]
        >>> [round(float(v), 4) for v in layer.losses]
        [0.3]
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any):
        if kwargs.get("activity_regularizer") is not None:
            raise TypeError("ActivityRegularization sets its own activity_regularizer from "
                            f"l1 and l2, but also received activity_regularizer="
                            f"{kwargs['activity_regularizer']!r}. Pass only l1= and l2=.")
        kwargs.pop("activity_regularizer", None)
        penalty = regularizers.L1L2(l1=l1, l2=l2)
        super().__init__(activity_regularizer=penalty, **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = penalty.l1, penalty.l2

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update(l1=self.l1, l2=self.l2)
        return config
