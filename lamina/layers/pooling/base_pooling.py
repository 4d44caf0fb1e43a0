"""Max and average pooling over windows: `MaxPooling1D/2D/3D`, `AveragePooling1D/2D/3D`
(and Keras's short names `MaxPool2D`, `AvgPool2D`, ...), from one N-d pooling layer."""
from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
from jax import lax

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.layer import Layer


class BasePooling(Layer):
    """Max or average over sliding windows of each channel, as Keras's pooling layers.

    Args:
        pool_size: the window, an int or `rank` ints.
        strides: the window's step; None (the default) takes `pool_size`.
        padding: `"valid"` (windows inside the input) or `"same"` (the output is
            `ceil(input / strides)` long; an average counts only the real inputs of a
            window, as Keras does).
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    rank: int = 2
    mode: str = "max"
    config_fields = ("pool_size", "padding", "strides", "data_format")

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.pool_size = spatial.standardize_tuple(pool_size, self.rank, "pool_size", who)
        self.strides = self.pool_size if strides is None else \
            spatial.standardize_tuple(strides, self.rank, "strides", who)
        self.padding = spatial.standardize_padding(padding, who)
        self.data_format = spatial.standardize_data_format(data_format, who)

    def _check(self, shape: Any) -> tuple:
        who = type(self).__name__
        shape = spatial.check_input_rank(shape, self.rank, who, self.name, self.data_format)
        spatial.check_window_fits(shape, self.pool_size, self.padding, self.rank,
                                  self.data_format, who, self.name,
                                  f"pool_size={self.pool_size}")
        return shape

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        self._check(tuple(inputs.shape))
        x = spatial.to_channels_last(inputs, self.data_format)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(self.dtype)
        window = (1,) + self.pool_size + (1,)
        strides = (1,) + self.strides + (1,)
        padding = self.padding.upper()
        if self.mode == "max":
            y = lax.reduce_window(x, -jnp.inf, lax.max, window, strides, padding)
        else:
            y = lax.reduce_window(x, 0.0, lax.add, window, strides, padding)
            if self.padding == "valid":
                y = y / math.prod(self.pool_size)
            else:  # count the real inputs of each window
                ones = jnp.ones((1,) + x.shape[1:-1] + (1,), x.dtype)
                y = y / lax.reduce_window(ones, 0.0, lax.add, window, strides, padding)
        return spatial.from_channels_last(y, self.data_format)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        sizes = spatial.spatial_dims(shape, self.data_format)
        out = [spatial.window_output_size(s, p, st, self.padding)
               for s, p, st in zip(sizes, self.pool_size, self.strides)]
        return spatial.with_spatial(shape, out, spatial.channels_of(shape, self.data_format),
                                    self.data_format)


@registry.register_serializable("lamina.layers")
class MaxPooling1D(BasePooling):
    """The maximum over windows of steps, as `keras.layers.MaxPooling1D` (see
    `BasePooling`; `pool_size` defaults to 2).

    Example:
        >>> import numpy as np
        >>> MaxPooling1D()(np.array([[[1.0], [3.0], [2.0], [0.0]]]))[0, :, 0].tolist()
        [3.0, 2.0]
    """

    rank, mode = 1, "max"


@registry.register_serializable("lamina.layers")
class MaxPooling2D(BasePooling):
    """The maximum over windows of pixels, as `keras.layers.MaxPooling2D` (see
    `BasePooling`; `pool_size` defaults to (2, 2)).

    Example:
        >>> import numpy as np
        >>> MaxPooling2D()(np.zeros((2, 28, 28, 8))).shape
        (2, 14, 14, 8)
        >>> MaxPooling2D(3, strides=2, padding="same")(np.zeros((2, 28, 28, 8))).shape
        (2, 14, 14, 8)
    """

    rank, mode = 2, "max"


@registry.register_serializable("lamina.layers")
class MaxPooling3D(BasePooling):
    """The maximum over windows of voxels, as `keras.layers.MaxPooling3D` (see
    `BasePooling`; `pool_size` defaults to (2, 2, 2)).

    Example:
        >>> import numpy as np
        >>> MaxPooling3D()(np.zeros((1, 4, 6, 8, 2))).shape
        (1, 2, 3, 4, 2)
    """

    rank, mode = 3, "max"


@registry.register_serializable("lamina.layers")
class AveragePooling1D(BasePooling):
    """The mean over windows of steps, as `keras.layers.AveragePooling1D` (see
    `BasePooling`).

    Example:
        >>> import numpy as np
        >>> AveragePooling1D()(np.array([[[1.0], [3.0], [2.0], [0.0]]]))[0, :, 0].tolist()
        [2.0, 1.0]
    """

    rank, mode = 1, "average"


@registry.register_serializable("lamina.layers")
class AveragePooling2D(BasePooling):
    """The mean over windows of pixels, as `keras.layers.AveragePooling2D` (see
    `BasePooling`).

    Example:
        >>> import numpy as np
        >>> AveragePooling2D()(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    rank, mode = 2, "average"


@registry.register_serializable("lamina.layers")
class AveragePooling3D(BasePooling):
    """The mean over windows of voxels, as `keras.layers.AveragePooling3D` (see
    `BasePooling`).

    Example:
        >>> import numpy as np
        >>> AveragePooling3D()(np.ones((1, 4, 4, 4, 3))).shape
        (1, 2, 2, 2, 3)
    """

    rank, mode = 3, "average"


# Keras's short names are the same classes.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
