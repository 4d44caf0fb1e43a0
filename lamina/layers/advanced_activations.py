"""Activation layers with arguments (Keras 2's `keras.layers.advanced_activations`):
`ReLU`, `LeakyReLU`, `PReLU`, `ELU`, `ThresholdedReLU`, `Softmax`."""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import jax.numpy as jnp

from lamina import activations, registry
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.layer import Layer


def _number(value: Any, name: str, who: str, *, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum:g}"
        raise ValueError(f"{who} needs a finite number{bound} for `{name}`, but received "
                         f"{name}={value!r}.")
    return float(value)


class _Elementwise(Layer):
    """An activation layer: the output has the input's shape and keeps its mask."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True


@registry.register_serializable("lamina.layers")
class ReLU(_Elementwise):
    """Rectified linear unit with Keras's cap, slope and threshold, as `keras.layers.ReLU`:
    `max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`, and
    `negative_slope * (x - threshold)` below.

    Example:
        >>> import numpy as np
        >>> ReLU(max_value=6.0)(np.array([[-1.0, 3.0, 9.0]])).tolist()
        [[0.0, 3.0, 6.0]]
    """

    config_fields = ("max_value", "negative_slope", "threshold")

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else _number(max_value, "max_value",
                                                                 "ReLU")
        self.negative_slope = _number(negative_slope, "negative_slope", "ReLU")
        self.threshold = _number(threshold, "threshold", "ReLU", minimum=None)

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)


@registry.register_serializable("lamina.layers")
class LeakyReLU(_Elementwise):
    """`x` for `x >= 0`, `negative_slope * x` below, as `keras.layers.LeakyReLU`.

    tf.keras 2 named the slope `alpha`; `LeakyReLU(alpha=0.2)` is accepted with a
    warning. The default slope is Keras's 0.3.

    Example:
        >>> import numpy as np
        >>> LeakyReLU(negative_slope=0.1)(np.array([[-2.0, 3.0]])).tolist()
        [[-0.2, 3.0]]
    """

    config_fields = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any):
        if "alpha" in kwargs:
            warnings.warn("LeakyReLU's argument `alpha` is now `negative_slope`: "
                          f"LeakyReLU(alpha={kwargs['alpha']!r}) is read as "
                          f"LeakyReLU(negative_slope={kwargs['alpha']!r}).", stacklevel=2)
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _number(negative_slope, "negative_slope", "LeakyReLU")

    @property
    def alpha(self) -> float:
        """tf.keras 2's name of `negative_slope`."""
        return self.negative_slope

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)


@registry.register_serializable("lamina.layers")
class ELU(_Elementwise):
    """Exponential linear unit `x` for `x > 0`, `alpha * (exp(x) - 1)` below, as
    `keras.layers.ELU`.

    Example:
        >>> import numpy as np
        >>> np.round(ELU(alpha=2.0)(np.array([[-1.0, 1.0]])), 4).tolist()
        [[-1.2642, 1.0]]
    """

    config_fields = ("alpha",)

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.alpha = _number(alpha, "alpha", "ELU", minimum=None)

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)


@registry.register_serializable("lamina.layers")
class ThresholdedReLU(_Elementwise):
    """`x` where `x > theta`, 0 elsewhere, as tf.keras 2's `ThresholdedReLU`.

    Example:
        >>> import numpy as np
        >>> ThresholdedReLU(theta=1.0)(np.array([[0.5, 1.0, 2.0]])).tolist()
        [[0.0, 0.0, 2.0]]
    """

    config_fields = ("theta",)

    def __init__(self, theta: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.theta = _number(theta, "theta", "ThresholdedReLU")

    def call(self, inputs: Any) -> Any:
        x = inputs.astype(jnp.float32) if not jnp.issubdtype(inputs.dtype, jnp.floating) \
            else inputs
        return jnp.where(x > self.theta, x, jnp.zeros_like(x))


@registry.register_serializable("lamina.layers")
class Softmax(_Elementwise):
    """Softmax along `axis`, as `keras.layers.Softmax`; with a mask (`call(x, mask)`),
    masked positions get probability 0.

    Example:
        >>> import numpy as np
        >>> Softmax()(np.array([[0.0, 0.0]]), mask=np.array([[True, False]])).tolist()
        [[1.0, 0.0]]
    """

    config_fields = ("axis",)

    def __init__(self, axis: int | Sequence[int] = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        if mask is not None:
            keep = jnp.asarray(mask, bool)
            while keep.ndim < inputs.ndim:
                keep = keep[..., None]
            inputs = jnp.where(keep, inputs, -1e9)
        return activations.softmax(inputs, axis=axis)


@registry.register_serializable("lamina.layers")
class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope per feature, as `keras.layers.PReLU`:
    `x` for `x >= 0`, `alpha * x` below.

    Args:
        alpha_initializer, alpha_regularizer, alpha_constraint: the slope's weight.
        shared_axes: axes along which the slope is shared (e.g. `[1, 2]` for one
            slope per channel of an image).

    Example:
        >>> import numpy as np
        >>> layer = PReLU(alpha_initializer="ones")
        >>> layer(np.array([[-2.0, 3.0]])).tolist(), layer.alpha.shape
        ([[-2.0, 3.0]], (2,))
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Sequence[int] | int | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        weight_spec.declare(self, "alpha", alpha_initializer, alpha_regularizer,
                            alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = [int(a) for a in (shared_axes if isinstance(
                shared_axes, (list, tuple)) else [shared_axes])]

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU '{self.name}' has shared_axes={self.shared_axes}, "
                                 f"but its inputs have shape {input_shape}: shared axes "
                                 f"count from 1 (the batch is axis 0) to "
                                 f"{len(input_shape) - 1}.")
            shape[axis - 1] = 1
        self.alpha = weight_spec.add(self, "alpha", tuple(shape))
        self.built = True

    def call(self, inputs: Any) -> Any:
        return jnp.where(inputs >= 0, inputs, self.alpha.value * inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **weight_spec.config(self),
                "shared_axes": self.shared_axes}
