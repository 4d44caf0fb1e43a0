"""Zeros around each sample's steps, pixels or voxels: `ZeroPadding1D/2D/3D`."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.layer import Layer


class BaseZeroPadding(Layer):
    """Pads the spatial axes with zeros, as Keras's `ZeroPadding*D`.

    Args:
        padding: an int (the same on every side), a tuple of `rank` ints (symmetric
            per axis) or of `rank` `(before, after)` pairs; for `ZeroPadding1D`, an int
            or one `(left, right)` pair.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    rank: int = 2

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.padding = spatial.standardize_pairs(padding, self.rank, "padding", who)
        self.data_format = spatial.standardize_data_format(data_format, who)

    def build(self, input_shape: Any) -> None:
        spatial.check_input_rank(input_shape, self.rank, type(self).__name__, self.name,
                                 self.data_format)
        self.built = True

    def call(self, inputs: Any) -> Any:
        pads = ((0, 0),) + self.padding + ((0, 0),)
        if self.data_format == "channels_first":
            pads = ((0, 0), (0, 0)) + self.padding
        return jnp.pad(inputs, pads)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        sizes = [None if s is None else s + lo + hi for s, (lo, hi) in
                 zip(spatial.spatial_dims(shape, self.data_format), self.padding)]
        return spatial.with_spatial(shape, sizes, spatial.channels_of(shape, self.data_format),
                                    self.data_format)

    def get_config(self) -> dict[str, Any]:
        padding = list(self.padding[0]) if self.rank == 1 else [list(p) for p in self.padding]
        return {**super().get_config(), "padding": padding, "data_format": self.data_format}


@registry.register_serializable("lamina.layers")
class ZeroPadding1D(BaseZeroPadding):
    """Zeros before and after the steps, as `keras.layers.ZeroPadding1D`.

    Example:
        >>> import numpy as np
        >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1)))[0, :, 0].tolist()
        [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    rank = 1


@registry.register_serializable("lamina.layers")
class ZeroPadding2D(BaseZeroPadding):
    """Rows and columns of zeros around images, as `keras.layers.ZeroPadding2D`.

    Example:
        >>> import numpy as np
        >>> ZeroPadding2D()(np.ones((2, 28, 28, 3))).shape
        (2, 30, 30, 3)
        >>> ZeroPadding2D(((1, 0), (2, 3)))(np.ones((2, 28, 28, 3))).shape
        (2, 29, 33, 3)
    """

    rank = 2


@registry.register_serializable("lamina.layers")
class ZeroPadding3D(BaseZeroPadding):
    """Zeros around volumes, as `keras.layers.ZeroPadding3D`.

    Example:
        >>> import numpy as np
        >>> ZeroPadding3D()(np.ones((1, 2, 3, 4, 1))).shape
        (1, 4, 5, 6, 1)
    """

    rank = 3
