"""`Masking`: marks the time steps whose features all equal a padding value."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import registry
from lamina.layers.layer import Layer


@registry.register_serializable("lamina.layers")
class Masking(Layer):
    """Masks the time steps of a sequence whose features all equal `mask_value`, as
    `keras.layers.Masking`.

    The output is the input with masked steps set to 0, and it carries a mask of
    shape `(batch, time)` that later layers receive: recurrent layers skip masked
    steps, and losses and metrics ignore them.

    Args:
        mask_value: the padding value (0.0).

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> layer = Masking(mask_value=0.0)
        >>> layer.compute_mask(x).tolist()
        [[True, False, True]]
    """

    config_fields = ("mask_value",)

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return jnp.any(jnp.asarray(inputs) != self.mask_value, axis=-1)

    def call(self, inputs: Any) -> Any:
        keep = jnp.any(inputs != self.mask_value, axis=-1, keepdims=True)
        return inputs * keep.astype(inputs.dtype)
