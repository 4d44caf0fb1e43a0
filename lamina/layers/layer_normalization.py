"""`LayerNormalization`."""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.layer import Layer
from lamina.layers._normalize import normalize


def _axes(axis: Any, who: str) -> tuple[int, ...]:
    if isinstance(axis, (list, tuple)):
        items = tuple(axis)
    else:
        items = (axis,)
    if not items or any(isinstance(a, bool) or not isinstance(a, int) for a in items):
        raise TypeError(f"{who} needs `axis` to be an int or a list of ints, but received "
                        f"axis={axis!r}. Use e.g. axis=-1 (the features).")
    return tuple(int(a) for a in items)


@registry.register_serializable("lamina.layers")
class LayerNormalization(Layer):
    """Normalizes each sample over its feature axes, as `keras.layers.LayerNormalization`.

    For each sample, `mean` and `variance` are taken over `axis`; the output is
    `(inputs - mean) / sqrt(variance + epsilon) * gamma + beta`. Unlike
    BatchNormalization it keeps no statistics and behaves the same in training and
    inference. With `rms_scaling=True` it divides by the root mean square
    `sqrt(mean(inputs ** 2) + epsilon)` instead and uses only `gamma`.

    Args:
        axis: the axis or axes to normalize over (-1, the features).
        epsilon: added to the variance (1e-3).
        center: whether to learn an offset `beta`.
        scale: whether to learn a factor `gamma`.
        rms_scaling: root-mean-square normalization (no centering).
        beta_initializer, gamma_initializer: initializers ("zeros", "ones").
        beta_regularizer, gamma_regularizer: optional weight penalties.
        beta_constraint, gamma_constraint: optional projections after each update.

    Example:
        >>> import numpy as np
        >>> layer = LayerNormalization()
        >>> y = layer(np.array([[1.0, 3.0], [0.0, 10.0]]))
        >>> np.round(np.asarray(y), 4).tolist()
        [[-0.9995, 0.9995], [-1.0, 1.0]]
        >>> [w.name.split("/")[-1] for w in layer.weights]
        ['gamma', 'beta']
    """

    def __init__(self, axis: int | Sequence[int] = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, rms_scaling: bool = False,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        axes = _axes(axis, "LayerNormalization")
        self.axis = axes[0] if isinstance(axis, int) else list(axes)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"LayerNormalization needs a non-negative epsilon, but received "
                             f"epsilon={epsilon!r}. Keras's default is 1e-3.")
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.rms_scaling = bool(rms_scaling)
        weight_spec.declare(self, "beta", beta_initializer, beta_regularizer, beta_constraint)
        weight_spec.declare(self, "gamma", gamma_initializer, gamma_regularizer,
                            gamma_constraint)
        self.gamma = self.beta = None
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        axes = _axes(self.axis, "LayerNormalization")
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"LayerNormalization '{self.name}' has axis={self.axis}, but its "
                             f"inputs have shape {input_shape} ({ndim} axes). Pick axes in "
                             f"[-{ndim}, {ndim - 1}].")
        self._axes = tuple(sorted({a % ndim for a in axes}))
        shape = tuple(input_shape[a] for a in self._axes)
        if self.scale or self.rms_scaling:
            self.gamma = weight_spec.add(self, "gamma", shape)
        if self.center and not self.rms_scaling:
            self.beta = weight_spec.add(self, "beta", shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        x = inputs.astype(jnp.float32) if not jnp.issubdtype(inputs.dtype, jnp.floating) \
            else inputs
        bshape = [1] * x.ndim
        for a in self._axes:
            bshape[a] = x.shape[a]
        if self.rms_scaling:
            inv = jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=self._axes, keepdims=True)
                                + self.epsilon)
            return x * inv * self.gamma.value.reshape(bshape)
        return normalize(x, jnp.mean(x, axis=self._axes, keepdims=True),
                         jnp.var(x, axis=self._axes, keepdims=True), self.epsilon,
                         self.gamma.value.reshape(bshape) if self.scale else None,
                         self.beta.value.reshape(bshape) if self.center else None)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
            rms_scaling=self.rms_scaling, **weight_spec.config(self))
        return config
