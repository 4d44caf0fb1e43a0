"""`Resizing`, and `resize_images`, the resize that `CenterCrop` and `RandomCrop` also
use (on `jax.image.resize`, half-pixel centres as `tf.image.resize`)."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.convolutional.base_conv import positive_int
from lamina.layers.image_preprocessing._base import ImageLayer, check_choice

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def aspect_crop_box(height: int, width: int, target_height: int,
                    target_width: int) -> tuple[int, int, int, int]:
    """`(top, left, crop_height, crop_width)`: the largest centred box of the target's
    aspect ratio (Keras's `smart_resize` crop).

    Example:
        >>> aspect_crop_box(100, 200, 50, 50)
        (0, 50, 100, 100)
    """
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2),
            crop_height, crop_width)


def _pad_to_aspect(x: Any, target_height: int, target_width: int, fill: float) -> Any:
    height, width = x.shape[1], x.shape[2]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
    if top > 0:
        return jnp.pad(x, ((0, 0), (top, top), (0, 0), (0, 0)), constant_values=fill)
    if left > 0:
        return jnp.pad(x, ((0, 0), (0, 0), (left, left), (0, 0)), constant_values=fill)
    return x


def resize_images(x: Any, height: int, width: int, interpolation: str = "bilinear", *,
                  antialias: bool = False, crop_to_aspect_ratio: bool = False,
                  pad_to_aspect_ratio: bool = False, fill_value: float = 0.0) -> Any:
    """Resize a channels-last batch to `height` x `width`, as Keras's
    `ops.image.resize`: optionally first cropped (centred) or padded to the target's
    aspect ratio, so nothing is stretched.

    Example:
        >>> resize_images(jnp.ones((2, 10, 20, 3)), 5, 5, crop_to_aspect_ratio=True).shape
        (2, 5, 5, 3)
    """
    if crop_to_aspect_ratio:
        top, left, h, w = aspect_crop_box(x.shape[1], x.shape[2], height, width)
        x = x[:, top:top + h, left:left + w, :]
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect(x, height, width, fill_value)
    if x.shape[1:3] == (height, width):
        return x
    return jax.image.resize(x, (x.shape[0], height, width, x.shape[3]), interpolation,
                            antialias=antialias)


@registry.register_serializable("lamina.layers")
class Resizing(ImageLayer):
    """Resizes images to `height` x `width`, as `keras.layers.Resizing` (in training
    and at inference alike); the output is float32.

    Args:
        height, width: the output size.
        interpolation: `"bilinear"` (default), `"nearest"`, `"bicubic"`, `"lanczos3"`
            or `"lanczos5"`.
        crop_to_aspect_ratio: first crop the largest centred box of the output's aspect
            ratio, so the image is not stretched.
        pad_to_aspect_ratio: first pad (with `fill_value`) to the output's aspect ratio.
        fill_mode: how padding is filled; only `"constant"`, as in Keras.
        fill_value: the padding value.
        antialias: filter when downsampling.
        data_format: `"channels_last"` (default) or `"channels_first"`.

    Example:
        >>> import numpy as np
        >>> Resizing(16, 16)(np.zeros((2, 32, 48, 3))).shape
        (2, 16, 16, 3)
        >>> Resizing(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0].tolist()
        [[2.5, 4.5], [10.5, 12.5]]
    """

    config_fields = ("height", "width", "interpolation", "crop_to_aspect_ratio",
                     "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias",
                     "data_format")

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height = positive_int(height, "height", "Resizing")
        self.width = positive_int(width, "width", "Resizing")
        self.interpolation = check_choice(interpolation, "interpolation", INTERPOLATIONS,
                                          "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing can crop_to_aspect_ratio or pad_to_aspect_ratio, "
                             "not both; set one of them to False.")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(fill_mode, "fill_mode", ("constant",), "Resizing")
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def transform(self, x: Any) -> Any:
        return resize_images(x, self.height, self.width, self.interpolation,
                             antialias=self.antialias,
                             crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                             pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                             fill_value=self.fill_value)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._sized_shape(input_shape, self.height, self.width)
