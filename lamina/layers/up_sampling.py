"""Repeating each step, pixel or voxel: `UpSampling1D/2D/3D` (`UpSampling2D` can also
interpolate)."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.layer import Layer

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")
_JAX_METHOD = {"bilinear": "linear", "bicubic": "cubic", "lanczos3": "lanczos3",
               "lanczos5": "lanczos5"}


class BaseUpSampling(Layer):
    """Repeats the entries of each spatial axis `size` times, as Keras's
    `UpSampling*D`.

    Args:
        size: the factor, an int or `rank` ints.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    rank: int = 2
    default: Any = 2

    def __init__(self, size: Any = None, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        who = type(self).__name__
        size = self.default if size is None else size
        self.size = spatial.standardize_tuple(size, self.rank, "size", who)
        self.data_format = spatial.standardize_data_format(data_format, who)

    def build(self, input_shape: Any) -> None:
        spatial.check_input_rank(input_shape, self.rank, type(self).__name__, self.name,
                                 self.data_format)
        self.built = True

    def upsample(self, x: Any) -> Any:
        for axis, factor in enumerate(self.size, start=1):
            x = jnp.repeat(x, factor, axis=axis)
        return x

    def call(self, inputs: Any) -> Any:
        x = spatial.to_channels_last(inputs, self.data_format)
        return spatial.from_channels_last(self.upsample(x), self.data_format)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        sizes = [None if s is None else s * f for s, f in
                 zip(spatial.spatial_dims(shape, self.data_format), self.size)]
        return spatial.with_spatial(shape, sizes, spatial.channels_of(shape, self.data_format),
                                    self.data_format)

    def get_config(self) -> dict[str, Any]:
        size = self.size[0] if self.rank == 1 else list(self.size)
        return {**super().get_config(), "size": size, "data_format": self.data_format}


@registry.register_serializable("lamina.layers")
class UpSampling1D(BaseUpSampling):
    """Repeats each step `size` times (default 2), as `keras.layers.UpSampling1D`.

    Example:
        >>> import numpy as np
        >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]]))[0, :, 0].tolist()
        [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    """

    rank, default = 1, 2


@registry.register_serializable("lamina.layers")
class UpSampling2D(BaseUpSampling):
    """Enlarges images `size` times (default (2, 2)), as `keras.layers.UpSampling2D`.

    Args:
        size: the factors of height and width.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        interpolation: `"nearest"` (repeat each pixel, the default), `"bilinear"`,
            `"bicubic"`, `"lanczos3"` or `"lanczos5"` (half-pixel centres, as
            `tf.image.resize`).

    Example:
        >>> import numpy as np
        >>> UpSampling2D()(np.array([[[[1.0], [2.0]]]]))[0, :, :, 0].tolist()
        [[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]
        >>> up = UpSampling2D((1, 2), interpolation="bilinear")
        >>> up(np.array([[[[1.0], [2.0]]]]))[0, 0, :, 0].tolist()
        [1.0, 1.25, 1.75, 2.0]
    """

    rank, default = 2, (2, 2)

    def __init__(self, size: Any = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any):
        super().__init__(size=size, data_format=data_format, **kwargs)
        method = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if method not in INTERPOLATIONS:
            raise ValueError(f"UpSampling2D needs `interpolation` to be one of "
                             f"{list(INTERPOLATIONS)}, but received "
                             f"interpolation={interpolation!r}.")
        self.interpolation = method

    def upsample(self, x: Any) -> Any:
        if self.interpolation == "nearest":
            return super().upsample(x)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(self.dtype)
        shape = (x.shape[0], x.shape[1] * self.size[0], x.shape[2] * self.size[1],
                 x.shape[3])
        return jax.image.resize(x, shape, _JAX_METHOD[self.interpolation], antialias=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "interpolation": self.interpolation}


@registry.register_serializable("lamina.layers")
class UpSampling3D(BaseUpSampling):
    """Repeats each voxel `size` times (default (2, 2, 2)), as
    `keras.layers.UpSampling3D`.

    Example:
        >>> import numpy as np
        >>> UpSampling3D()(np.ones((1, 2, 3, 4, 1))).shape
        (1, 4, 6, 8, 1)
    """

    rank, default = 3, (2, 2, 2)
