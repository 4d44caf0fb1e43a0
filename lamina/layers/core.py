"""`Dense` and `Activation`; the module also offers the layers Keras 2's
`keras.layers.core` held (`from keras.layers.core import Dense, Dropout, Flatten`)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from lamina import activations, registry
from lamina.layers import _keras1 as keras1
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.activity_regularization import ActivityRegularization  # noqa: F401
from lamina.layers.dropout import Dropout  # noqa: F401 (Keras 2's keras.layers.core)
from lamina.layers.lambda_layer import Lambda  # noqa: F401
from lamina.layers.layer import Layer
from lamina.layers.masking import Masking  # noqa: F401
from lamina.layers.reshaping import Flatten, Permute, RepeatVector, Reshape  # noqa: F401


def _positive_int(value: Any, what: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer} needs a positive integer for `{what}`, but received "
                         f"{what}={value!r}. Use e.g. {layer}({what}=8).")
    return int(value)


@registry.register_serializable("lamina.layers")
class Dense(Layer):
    """A densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: the number of outputs (neurons), a positive integer.
        activation: a name (`"relu"`) or function; linear when None.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.

    Example:
        >>> import numpy as np
        >>> layer = Dense(3, activation="relu")
        >>> layer(np.ones((4, 2))).shape, layer.kernel.shape, layer.activation.__name__
        ((4, 3), (2, 3), 'relu')
    """

    def __init__(self, units: int | None = None, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any):
        old = keras1.convert("Dense", {k: kwargs.pop(k) for k in list(kwargs)
                                       if k in keras1.DENSE}, keras1.DENSE)
        units = old.get("units", units)
        use_bias = old.get("use_bias", use_bias)
        kernel_initializer = old.get("kernel_initializer", kernel_initializer)
        kernel_regularizer = old.get("kernel_regularizer", kernel_regularizer)
        bias_regularizer = old.get("bias_regularizer", bias_regularizer)
        kernel_constraint = old.get("kernel_constraint", kernel_constraint)
        bias_constraint = old.get("bias_constraint", bias_constraint)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int(units, "units", "Dense")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        weight_spec.declare(self, "kernel", kernel_initializer, kernel_regularizer,
                            kernel_constraint)
        weight_spec.declare(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.kernel = None
        self.bias = None
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple) or len(input_shape) < 2:
            raise ValueError(f"Dense layer '{self.name}' expects inputs of shape "
                             f"(batch, features), but received shape {input_shape}. "
                             "Reshape a single sample x to x.reshape(1, -1), or a single "
                             "feature column to x.reshape(-1, 1).")
        in_dim = input_shape[-1]
        self.kernel = weight_spec.add(self, "kernel", (in_dim, self.units))
        if self.use_bias:
            self.bias = weight_spec.add(self, "bias", (self.units,))
        self.built = True

    def call(self, inputs: Any) -> Any:
        expected = self.kernel.shape[0]
        if inputs.ndim < 2 or inputs.shape[-1] != expected:
            raise ValueError(
                f"Dense layer '{self.name}' expects inputs with {expected} features "
                f"(input_shape=[{expected}]), but received a batch of shape "
                f"{tuple(inputs.shape)}. Check the columns of X, or pass "
                f"input_shape=[{inputs.shape[-1] if inputs.ndim else 1}].")
        outputs = jnp.matmul(inputs, self.kernel.value)
        if self.use_bias:
            outputs = outputs + self.bias.value
        return self.activation(outputs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(
            units=self.units, activation=activations.serialize(self.activation),
            use_bias=self.use_bias, **weight_spec.config(self))
        return config


@registry.register_serializable("lamina.layers")
class Activation(Layer):
    """Applies an activation function, e.g. `Activation("relu")`.

    Example:
        >>> import numpy as np
        >>> Activation("relu")(np.array([[-1.0, 2.0]])).tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
