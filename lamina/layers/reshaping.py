"""Reshaping layers: `Reshape`, `Flatten`, `RepeatVector`, `Permute` (the batch axis
is never touched)."""
from __future__ import annotations

import math
from typing import Any, Sequence

import jax.numpy as jnp

from lamina import registry
from lamina.backend import image_data_format
from lamina.layers.layer import Layer


def _sample_shape(input_shape: Any, layer: Layer) -> tuple:
    if not isinstance(input_shape, tuple) or len(input_shape) < 1:
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}' expects one tensor "
                         f"with a batch axis, but received input shape {input_shape}.")
    return tuple(input_shape[1:])


@registry.register_serializable("lamina.layers")
class Reshape(Layer):
    """Reshapes each sample to `target_shape`, as `keras.layers.Reshape`.

    Args:
        target_shape: the new shape of one sample (without the batch); one entry may
            be -1, computed from the others.

    Example:
        >>> import numpy as np
        >>> Reshape((3, -1))(np.zeros((2, 12))).shape
        (2, 3, 4)
    """

    config_fields = ("target_shape",)

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        try:
            self.target_shape = tuple(int(d) for d in target_shape)
        except TypeError:
            raise TypeError(f"Reshape needs target_shape as a tuple of ints (one sample's "
                            f"shape), but received {target_shape!r}.") from None
        if self.target_shape.count(-1) > 1 or any(d == 0 or d < -1
                                                   for d in self.target_shape):
            raise ValueError(f"Reshape's target_shape may hold positive sizes and at most "
                             f"one -1, but received {self.target_shape}.")

    def _resolve(self, sample: tuple) -> tuple:
        size = math.prod(sample)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or size % known:
                raise ValueError(self._mismatch(sample))
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(self._mismatch(sample))
        return self.target_shape

    def _mismatch(self, sample: tuple) -> str:
        return (f"Reshape layer '{self.name}' cannot reshape samples of shape {sample} "
                f"({math.prod(sample)} values) to target_shape={self.target_shape}. The "
                "target must hold the same number of values; use -1 for one dimension "
                "to have it computed.")

    def build(self, input_shape: Any) -> None:
        self._resolve(_sample_shape(input_shape, self))
        self.built = True

    def call(self, inputs: Any) -> Any:
        return jnp.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape[1:]))


@registry.register_serializable("lamina.layers")
class Flatten(Layer):
    """Flattens each sample to one axis, as `keras.layers.Flatten`.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`; with the
            latter, the channel axis moves last before flattening, as in Keras.

    Example:
        >>> import numpy as np
        >>> Flatten()(np.zeros((2, 3, 4))).shape
        (2, 12)
    """

    config_fields = ("data_format",)

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        data_format = image_data_format() if data_format is None else str(data_format).lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"Flatten's data_format must be 'channels_last' or "
                             f"'channels_first', but received {data_format!r}.")
        self.data_format = data_format

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first" and inputs.ndim >= 3:
            inputs = jnp.moveaxis(inputs, 1, -1)
        return jnp.reshape(inputs, (inputs.shape[0], -1))


@registry.register_serializable("lamina.layers")
class RepeatVector(Layer):
    """Repeats each sample vector `n` times: `(batch, d)` becomes `(batch, n, d)`, as
    `keras.layers.RepeatVector`.

    Example:
        >>> import numpy as np
        >>> RepeatVector(3)(np.array([[1.0, 2.0]])).tolist()
        [[[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]]]
    """

    config_fields = ("n",)

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"RepeatVector needs a positive integer n, but received "
                             f"n={n!r}.")
        self.n = n

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, tuple) or len(input_shape) != 2:
            raise ValueError(f"RepeatVector layer '{self.name}' expects inputs of shape "
                             f"(batch, features), but received shape {input_shape}. "
                             "Flatten the samples first.")
        self.built = True

    def call(self, inputs: Any) -> Any:
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)


@registry.register_serializable("lamina.layers")
class Permute(Layer):
    """Permutes the axes of each sample, as `keras.layers.Permute`.

    Args:
        dims: a permutation of `1..rank` (axis 0 is the batch and stays first);
            `(2, 1)` swaps the two axes of each sample.

    Example:
        >>> import numpy as np
        >>> Permute((2, 1))(np.zeros((4, 3, 5))).shape
        (4, 5, 3)
    """

    config_fields = ("dims",)

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute needs dims as a permutation of 1..{len(dims)} (axis "
                             f"0 is the batch), but received dims={dims}.")
        self.dims = dims

    def build(self, input_shape: Any) -> None:
        sample = _sample_shape(input_shape, self)
        if len(sample) != len(self.dims):
            raise ValueError(f"Permute layer '{self.name}' with dims={self.dims} expects "
                             f"samples with {len(self.dims)} axes, but received input shape "
                             f"{input_shape}.")
        self.built = True

    def call(self, inputs: Any) -> Any:
        return jnp.transpose(inputs, (0,) + self.dims)
