"""Mixed precision, as `keras.mixed_precision`: dtype policies and loss scaling.

`set_global_policy("mixed_bfloat16")` makes the layers created afterwards keep their
weights in float32 and compute in bfloat16 (`"mixed_float16"`: float16, with
`LossScaleOptimizer` wrapped around the optimizer by `compile`). Losses and metrics
are computed in float32. As Keras advises, give the model's last layer (a softmax)
`dtype="float32"` so its outputs are float32.

Example:
    >>> import lamina as keras
    >>> keras.mixed_precision.set_global_policy("mixed_bfloat16")
    >>> layer = keras.layers.Dense(2)
    >>> layer.compute_dtype, layer.variable_dtype
    ('bfloat16', 'float32')
    >>> keras.mixed_precision.set_global_policy("float32")
"""
from __future__ import annotations

from lamina.backend.dtype_policy import DTypePolicy, global_policy, set_global_policy
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy  # Keras's name under keras.mixed_precision
dtype_policy = global_policy  # Keras 3's `keras.mixed_precision.dtype_policy()`
set_dtype_policy = set_global_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
