"""Affine image transforms for `RandomRotation`, `RandomZoom` and `RandomTranslation`.

A transform is Keras's (and TensorFlow's) 8-vector `[a0, a1, a2, b0, b1, b2, c0, c1]`
mapping each output pixel `(x, y)` to the input point `((a0 x + a1 y + a2) / k,
(b0 x + b1 y + b2) / k)` with `k = c0 x + c1 y + 1`; the input is sampled there by
`jax.scipy.ndimage.map_coordinates` (nearest or bilinear), points outside filled by
`fill_mode`: `"reflect"` (d c b a | a b c d | d c b a), `"wrap"`, `"nearest"` or
`"constant"` (`fill_value`).
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.ndimage import map_coordinates

from lamina.layers.image_preprocessing._base import RandomImageLayer, check_choice

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


def affine_transform(images: Any, transforms: Any, *, interpolation: str = "bilinear",
                     fill_mode: str = "reflect", fill_value: float = 0.0) -> Any:
    """Apply one transform per image of a channels-last batch.

    Args:
        images: `(batch, height, width, channels)` floats.
        transforms: `(batch, 8)` transforms (see the module docstring).
        interpolation: `"nearest"` or `"bilinear"`.
        fill_mode: `"reflect"`, `"wrap"`, `"constant"` or `"nearest"`.
        fill_value: the value outside the image with `fill_mode="constant"`.

    Returns:
        The transformed images, the same shape.

    Example:
        >>> shift_right = jnp.array([[1.0, 0, -1, 0, 1, 0, 0, 0]])
        >>> image = jnp.arange(3.0).reshape(1, 1, 3, 1)
        >>> affine_transform(image, shift_right, fill_mode="constant")[0, 0, :, 0].tolist()
        [0.0, 0.0, 1.0]
    """
    height, width = images.shape[1], images.shape[2]
    ys, xs = jnp.meshgrid(jnp.arange(height, dtype=images.dtype),
                          jnp.arange(width, dtype=images.dtype), indexing="ij")
    t = [transforms[:, i, None, None].astype(images.dtype) for i in range(8)]
    k = t[6] * xs + t[7] * ys + 1.0
    x_in = (t[0] * xs + t[1] * ys + t[2]) / k
    y_in = (t[3] * xs + t[4] * ys + t[5]) / k
    order = INTERPOLATIONS[interpolation]

    def channel(plane: Any, yc: Any, xc: Any) -> Any:
        return map_coordinates(plane, [yc, xc], order=order, mode=fill_mode,
                               cval=fill_value)

    per_image = jax.vmap(channel, in_axes=(2, None, None), out_axes=2)
    return jax.vmap(per_image)(images, y_in, x_in)


def rotation_transforms(angles: Any, height: int, width: int) -> Any:
    """Rotations by `angles` (radians, counter-clockwise) about the image centre."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    cos, sin = jnp.cos(angles), jnp.sin(angles)
    zeros = jnp.zeros_like(angles)
    return jnp.stack([cos, -sin, cx - cx * cos + cy * sin,
                      sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)


def zoom_transforms(zoom_y: Any, zoom_x: Any, height: int, width: int) -> Any:
    """Zooms about the centre; a factor above 1 shows more of the image (zooms out)."""
    zeros = jnp.zeros_like(zoom_x)
    return jnp.stack([zoom_x, zeros, (width - 1) / 2.0 * (1.0 - zoom_x),
                      zeros, zoom_y, (height - 1) / 2.0 * (1.0 - zoom_y), zeros, zeros],
                     axis=1)


def translation_transforms(dy: Any, dx: Any) -> Any:
    """Shifts by `dx` pixels to the right and `dy` down."""
    ones, zeros = jnp.ones_like(dx), jnp.zeros_like(dx)
    return jnp.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)


class RandomAffine(RandomImageLayer):
    """The arguments and the sampling shared by the random affine layers; subclasses
    return a batch of transforms from `transforms(key, batch, height, width)`."""

    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        who = type(self).__name__
        self.fill_mode = check_choice(fill_mode, "fill_mode", FILL_MODES, who)
        self.interpolation = check_choice(interpolation, "interpolation",
                                          tuple(INTERPOLATIONS), who)
        self.fill_value = float(fill_value)

    @abstractmethod
    def transforms(self, key: Any, batch: int, height: int, width: int) -> Any:
        """One random affine transform per image of the batch, drawn from `key`."""

    def augment(self, x: Any, key: Any) -> Any:
        transforms = self.transforms(key, x.shape[0], x.shape[1], x.shape[2])
        return affine_transform(x, transforms, interpolation=self.interpolation,
                                fill_mode=self.fill_mode, fill_value=self.fill_value)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)
