"""`SpatialDropout1D/2D/3D`: Dropout of whole channels (feature maps) while training."""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.layers import _spatial as spatial
from lamina.layers.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Drops entire channels: one keep-or-drop draw per sample and channel, shared by
    every step, pixel or voxel, as Keras's `SpatialDropout*D` (adjacent pixels are
    strongly correlated, so dropping single ones regularizes little).

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: `"channels_last"` (default) or `"channels_first"` (2-D and 3-D).
        seed: an optional integer mixed into the key.
    """

    rank: int = 2
    config_fields = ("rate", "seed", "data_format")

    def __init__(self, rate: float, data_format: str | None = None,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = spatial.standardize_data_format(data_format, type(self).__name__)

    def build(self, input_shape: Any) -> None:
        spatial.check_input_rank(input_shape, self.rank, type(self).__name__, self.name,
                                 self.data_format)
        self.built = True

    def draw_shape(self, x: Any) -> tuple:
        ones = (1,) * self.rank
        channels = spatial.channels_of(x.shape, self.data_format)
        return spatial.with_spatial(x.shape, ones, channels, self.data_format)


@registry.register_serializable("lamina.layers")
class SpatialDropout1D(BaseSpatialDropout):
    """Drops whole channels of `(batch, steps, channels)` sequences while training, as
    `keras.layers.SpatialDropout1D`.

    Example:
        >>> import numpy as np
        >>> y = np.asarray(SpatialDropout1D(0.5, seed=1)(np.ones((4, 5, 3)), training=True))
        >>> y.shape, bool((y == y[:, :1, :]).all())
        ((4, 5, 3), True)
    """

    rank = 1
    config_fields = ("rate", "seed")

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any):
        super().__init__(rate, seed=seed, **kwargs)


@registry.register_serializable("lamina.layers")
class SpatialDropout2D(BaseSpatialDropout):
    """Drops whole feature maps of images while training, as
    `keras.layers.SpatialDropout2D`.

    Example:
        >>> import numpy as np
        >>> y = np.asarray(SpatialDropout2D(0.5)(np.ones((4, 6, 6, 8)), training=True))
        >>> sorted(set(y.ravel().tolist())), bool((y == y[:, :1, :1, :]).all())
        ([0.0, 2.0], True)
    """

    rank = 2


@registry.register_serializable("lamina.layers")
class SpatialDropout3D(BaseSpatialDropout):
    """Drops whole channels of volumes while training, as
    `keras.layers.SpatialDropout3D`.

    Example:
        >>> import numpy as np
        >>> SpatialDropout3D(0.2)(np.ones((2, 3, 3, 3, 4)), training=True).shape
        (2, 3, 3, 3, 4)
    """

    rank = 3
