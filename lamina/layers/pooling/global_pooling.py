"""Global pooling: the max or mean of each channel over all steps, pixels or voxels
(`GlobalMaxPooling1D/2D/3D`, `GlobalAveragePooling1D/2D/3D`, and Keras's short names
`GlobalMaxPool2D`, `GlobalAvgPool2D`, ...)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis of each channel, as Keras's global pooling layers.

    Args:
        data_format: `"channels_last"` (default) or `"channels_first"`.
        keepdims: keep the spatial axes with size 1 (`(batch, 1, 1, channels)` for
            images) instead of returning `(batch, channels)`.
    """

    rank: int = 2
    mode: str = "max"
    config_fields = ("data_format", "keepdims")

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def _axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def build(self, input_shape: Any) -> None:
        spatial.check_input_rank(input_shape, self.rank, type(self).__name__, self.name,
                                 self.data_format)
        self.built = True

    def call(self, inputs: Any) -> Any:
        spatial.check_input_rank(tuple(inputs.shape), self.rank, type(self).__name__,
                                 self.name, self.data_format)
        if not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.dtype)
        if self.mode == "max":
            return jnp.max(inputs, axis=self._axes(), keepdims=self.keepdims)
        return jnp.mean(inputs, axis=self._axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        channels = spatial.channels_of(shape, self.data_format)
        if not self.keepdims:
            return (shape[0], channels)
        return spatial.with_spatial(shape, (1,) * self.rank, channels, self.data_format)


@registry.register_serializable("lamina.layers")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum of each channel over the steps, as `keras.layers.GlobalMaxPooling1D`.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling1D()(np.array([[[1.0, 5.0], [3.0, 2.0]]])).tolist()
        [[3.0, 5.0]]
    """

    rank, mode = 1, "max"


@registry.register_serializable("lamina.layers")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """The maximum of each channel over the pixels, as `keras.layers.GlobalMaxPooling2D`.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling2D()(np.zeros((2, 7, 7, 16))).shape
        (2, 16)
        >>> GlobalMaxPooling2D(keepdims=True)(np.zeros((2, 7, 7, 16))).shape
        (2, 1, 1, 16)
    """

    rank, mode = 2, "max"


@registry.register_serializable("lamina.layers")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """The maximum of each channel over the voxels, as `keras.layers.GlobalMaxPooling3D`.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling3D()(np.zeros((2, 3, 4, 5, 6))).shape
        (2, 6)
    """

    rank, mode = 3, "max"


@registry.register_serializable("lamina.layers")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean of each channel over the steps, as `keras.layers.GlobalAveragePooling1D`;
    with a mask (after `Embedding(mask_zero=True)` or `Masking`), over the unmasked
    steps only (a sample with every step masked gives zeros).

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [8.0]]])
        >>> GlobalAveragePooling1D()(x).tolist()
        [[4.0]]
        >>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).tolist()
        [[2.0]]
    """

    rank, mode = 1, "average"

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        if not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.dtype)
        weights = jnp.expand_dims(mask.astype(inputs.dtype),
                                  -1 if self.data_format == "channels_last" else 1)
        axis = self._axes()
        total = jnp.sum(inputs * weights, axis=axis, keepdims=self.keepdims)
        count = jnp.sum(weights, axis=axis, keepdims=self.keepdims)
        return total / jnp.maximum(count, 1.0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


@registry.register_serializable("lamina.layers")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean of each channel over the pixels, as `keras.layers.GlobalAveragePooling2D`
    (the head of most pretrained image models).

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling2D()(np.arange(8.0).reshape(1, 2, 2, 2)).tolist()
        [[3.0, 4.0]]
    """

    rank, mode = 2, "average"


@registry.register_serializable("lamina.layers")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean of each channel over the voxels, as `keras.layers.GlobalAveragePooling3D`.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling3D(data_format="channels_first")(np.ones((2, 3, 4, 4, 4))).shape
        (2, 3)
    """

    rank, mode = 3, "average"


# Keras's short names are the same classes.
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
