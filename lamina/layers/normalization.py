"""`BatchNormalization` (and, as Keras 2's `keras.layers.normalization` had it,
`LayerNormalization`)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import initializers, registry
from lamina.layers import _weight_spec as weight_spec
from lamina.layers._normalize import normalize
from lamina.layers.layer import Layer
from lamina.layers.layer_normalization import LayerNormalization  # noqa: F401 (Keras 2 path)


@registry.register_serializable("lamina.layers")
class BatchNormalization(Layer):
    """Normalizes each feature with the batch's statistics while training and with
    moving averages at inference, as `keras.layers.BatchNormalization`.

    While training, `moving_mean = momentum * moving_mean + (1 - momentum) * mean`
    (and likewise the variance) after each batch. A layer set `trainable=False` runs
    in inference mode, as in Keras (fine-tuning).

    Args:
        axis: the feature axis (-1).
        momentum: the moving averages' momentum (0.99).
        epsilon: added to the variance (1e-3).
        center: whether to learn an offset `beta`.
        scale: whether to learn a factor `gamma`.

    Example:
        >>> import numpy as np
        >>> bn = BatchNormalization()
        >>> y = bn(np.array([[0.0], [2.0]]), training=True)
        >>> [round(float(v), 4) for v in np.asarray(y).ravel()]
        [-0.9995, 0.9995]
        >>> [round(float(v), 3) for v in (bn.moving_mean.numpy()[0], bn.moving_variance.numpy()[0])]
        [0.01, 1.0]
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None,
                 beta_constraint: Any = None, gamma_constraint: Any = None,
                 synchronized: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization needs momentum in [0, 1], but received "
                             f"momentum={momentum!r}. Keras's default is 0.99.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = bool(synchronized)
        weight_spec.declare(self, "beta", beta_initializer, beta_regularizer, beta_constraint)
        weight_spec.declare(self, "gamma", gamma_initializer, gamma_regularizer,
                            gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.gamma = self.beta = None
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization '{self.name}' has axis={self.axis}, but "
                             f"its inputs have shape {input_shape} ({ndim} axes).")
        self._axis = self.axis % ndim
        shape = (input_shape[self._axis],)
        if self.scale:
            self.gamma = weight_spec.add(self, "gamma", shape)
        if self.center:
            self.beta = weight_spec.add(self, "beta", shape)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               trainable=False,
                                               initializer=self.moving_variance_initializer)
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        ndim = inputs.ndim
        reduce_axes = tuple(i for i in range(ndim) if i != self._axis)
        bshape = [1] * ndim
        bshape[self._axis] = inputs.shape[self._axis]
        if training and self.trainable:
            mean = jnp.mean(inputs, axis=reduce_axes)
            variance = jnp.var(inputs, axis=reduce_axes)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.value * m + mean * (1.0 - m))
            self.moving_variance.assign(self.moving_variance.value * m + variance * (1.0 - m))
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        return normalize(inputs, mean.reshape(bshape), variance.reshape(bshape), self.epsilon,
                         self.gamma.value.reshape(bshape) if self.scale else None,
                         self.beta.value.reshape(bshape) if self.center else None)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
            scale=self.scale, synchronized=self.synchronized,
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(self.moving_variance_initializer),
            **weight_spec.config(self))
        return config
