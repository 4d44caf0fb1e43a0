"""`CenterCrop`: the centre of each image, at a fixed size."""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.layers.convolutional.base_conv import positive_int
from lamina.layers.image_preprocessing._base import ImageLayer
from lamina.layers.image_preprocessing.resizing import resize_images


def center_or_resize(x: Any, height: int, width: int) -> Any:
    """The centred `height` x `width` box of a channels-last batch; an image smaller
    than that is cropped to the aspect ratio and resized instead (Keras's rule)."""
    h_diff, w_diff = x.shape[1] - height, x.shape[2] - width
    if h_diff >= 0 and w_diff >= 0:
        top, left = h_diff // 2, w_diff // 2
        return x[:, top:top + height, left:left + width, :]
    return resize_images(x, height, width, crop_to_aspect_ratio=True)


@registry.register_serializable("lamina.layers")
class CenterCrop(ImageLayer):
    """Crops the centre `height` x `width` of each image, as `keras.layers.CenterCrop`
    (in training and at inference alike); images smaller than that are resized to it
    (after a centred crop to its aspect ratio). The output is float32.

    Args:
        height, width: the output size.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> CenterCrop(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
        [[5.0, 6.0], [9.0, 10.0]]
    """

    config_fields = ("height", "width", "data_format")

    def __init__(self, height: int, width: int, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int(height, "height", "CenterCrop")
        self.width = positive_int(width, "width", "CenterCrop")

    def transform(self, x: Any) -> Any:
        return center_or_resize(x, self.height, self.width)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._sized_shape(input_shape, self.height, self.width)
