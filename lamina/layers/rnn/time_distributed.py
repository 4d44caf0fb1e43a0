"""`TimeDistributed`: applies a layer to every time step of a sequence."""
from __future__ import annotations

from typing import Any

import jax

from lamina import registry
from lamina.layers import _nested
from lamina.layers.layer import Layer


@registry.register_serializable("lamina.layers")
class TimeDistributed(Layer):
    """Applies `layer` to each time slice of `(batch, time, ...)` inputs, with the same
    weights at every step, as `keras.layers.TimeDistributed`.

    The time axis is folded into the batch (`(batch * time, ...)`), the layer runs
    once, and the result is unfolded to `(batch, time, ...)`. A mask of shape
    `(batch, time)` passes through.

    Args:
        layer: the layer to apply (e.g. `Dense(10, activation="softmax")` for a
            per-step classifier after an RNN with `return_sequences=True`).

    Example:
        >>> import numpy as np
        >>> from lamina.layers import Dense
        >>> layer = TimeDistributed(Dense(3))
        >>> layer(np.ones((2, 5, 4))).shape, layer.layer.kernel.shape
        ((2, 5, 3), (4, 3))
    """

    def __init__(self, layer: Any, **kwargs: Any):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed needs a layer, but received {layer!r} "
                             f"({type(layer).__name__}). For example: "
                             "TimeDistributed(Dense(10)).")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _check(self, shape: tuple) -> None:
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}' expects inputs of shape (batch, "
                             f"time, ...) with at least 3 axes, but received shape {shape}. "
                             "Apply the inner layer directly, or give the inputs a time "
                             "axis (e.g. an RNN with return_sequences=True before it).")

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        self._check(shape)
        if not self.layer.built:
            self.layer._maybe_build(jax.ShapeDtypeStruct((shape[0] * shape[1],) + shape[2:],
                                                         jax.numpy.float32))
        self.built = True

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        shape = tuple(inputs.shape)
        self._check(shape)
        batch, steps = shape[:2]
        kwargs: dict[str, Any] = {}
        if mask is not None and "mask" in self.layer._call_params:
            kwargs["mask"] = mask.reshape((batch * steps,) + tuple(mask.shape[2:]))
        outputs = self.layer(inputs.reshape((batch * steps,) + shape[2:]), training=training,
                             **kwargs)
        return jax.tree.map(lambda a: a.reshape((batch, steps) + tuple(a.shape[1:])), outputs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["layer"] = _nested.serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TimeDistributed":
        config = dict(config)
        return cls(_nested.deserialize(config.pop("layer")), **config)
