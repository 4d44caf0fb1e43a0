"""Rows cut from each sample's steps, pixels or voxels: `Cropping1D/2D/3D`."""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.layer import Layer


class BaseCropping(Layer):
    """Cuts `(before, after)` entries off each spatial axis, as Keras's `Cropping*D`.

    Args:
        cropping: an int (the same on every side), a tuple of `rank` ints (symmetric
            per axis) or of `rank` `(before, after)` pairs; for `Cropping1D`, an int or
            one `(start, end)` pair.
        data_format: `"channels_last"` (default) or `"channels_first"`.
    """

    rank: int = 2
    default: Any = 0

    def __init__(self, cropping: Any = None, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        who = type(self).__name__
        cropping = self.default if cropping is None else cropping
        self.cropping = spatial.standardize_pairs(cropping, self.rank, "cropping", who)
        self.data_format = spatial.standardize_data_format(data_format, who)

    def _check(self, shape: tuple) -> tuple:
        who = type(self).__name__
        shape = spatial.check_input_rank(shape, self.rank, who, self.name, self.data_format)
        sizes = spatial.spatial_dims(shape, self.data_format)
        if any(s is not None and lo + hi >= s for s, (lo, hi) in zip(sizes, self.cropping)):
            raise ValueError(f"{who} layer '{self.name}' crops {self.cropping} but its inputs "
                             f"have shape {spatial.shown(shape)}: nothing would be left. "
                             "Crop less than each spatial size.")
        return shape

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        shape = self._check(tuple(inputs.shape))
        sizes = spatial.spatial_dims(shape, self.data_format)
        cuts = tuple(slice(lo, s - hi) for s, (lo, hi) in zip(sizes, self.cropping))
        if self.data_format == "channels_first":
            return inputs[(slice(None), slice(None)) + cuts]
        return inputs[(slice(None),) + cuts + (slice(None),)]

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        sizes = [None if s is None else s - lo - hi for s, (lo, hi) in
                 zip(spatial.spatial_dims(shape, self.data_format), self.cropping)]
        return spatial.with_spatial(shape, sizes, spatial.channels_of(shape, self.data_format),
                                    self.data_format)

    def get_config(self) -> dict[str, Any]:
        cropping = list(self.cropping[0]) if self.rank == 1 else \
            [list(p) for p in self.cropping]
        return {**super().get_config(), "cropping": cropping, "data_format": self.data_format}


@registry.register_serializable("lamina.layers")
class Cropping1D(BaseCropping):
    """Cuts steps off the start and end of sequences, as `keras.layers.Cropping1D`
    (`cropping` defaults to (1, 1)).

    Example:
        >>> import numpy as np
        >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1))[0, :, 0].tolist()
        [1.0, 2.0]
    """

    rank, default = 1, (1, 1)


@registry.register_serializable("lamina.layers")
class Cropping2D(BaseCropping):
    """Cuts rows and columns off images, as `keras.layers.Cropping2D` (`cropping`
    defaults to ((0, 0), (0, 0))).

    Example:
        >>> import numpy as np
        >>> Cropping2D(((2, 2), (4, 4)))(np.ones((2, 28, 28, 3))).shape
        (2, 24, 20, 3)
    """

    rank, default = 2, 0


@registry.register_serializable("lamina.layers")
class Cropping3D(BaseCropping):
    """Cuts planes off volumes, as `keras.layers.Cropping3D` (`cropping` defaults to
    ((1, 1), (1, 1), (1, 1))).

    Example:
        >>> import numpy as np
        >>> Cropping3D()(np.ones((1, 4, 5, 6, 2))).shape
        (1, 2, 3, 4, 2)
    """

    rank, default = 3, 1
