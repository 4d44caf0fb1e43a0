"""`keras.ops.image`: Keras 3's image ops on `jax.image`, `jax.scipy.ndimage` and `jax.lax`.

Images are `(height, width, channels)` or batches of them (`channels_last`), or
channels first with `data_format="channels_first"`.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> images = jnp.ones((2, 4, 4, 3))
    >>> ops.image.resize(images, (8, 6)).shape, ops.image.rgb_to_grayscale(images).shape
    ((2, 8, 6, 3), (2, 4, 4, 1))
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina.ops._conv import conv
from lamina.ops._op import Tensor, op
from lamina.random import draw_key

_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_RESIZE = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _nhwc(images: Any, data_format: str | None) -> tuple[jax.Array, Callable]:
    """A channels-last batch, and the function that restores the original layout."""
    images = jnp.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"Images must be of rank 3 (one image) or 4 (a batch), but "
                         f"received shape {images.shape}.")
    single, first = images.ndim == 3, (data_format or "channels_last") == "channels_first"
    x = images[None] if single else images
    x = jnp.moveaxis(x, 1, -1) if first else x

    def restore(y: jax.Array) -> jax.Array:
        y = jnp.moveaxis(y, -1, 1) if first else y
        return y[0] if single else y

    return x, restore


def _check(value: str, valid: Any, what: str) -> None:
    if value not in valid:
        raise ValueError(f"{what} must be one of {sorted(valid)}, but received {value!r}.")


@op
def rgb_to_grayscale(images: Tensor, data_format: str | None = None) -> jax.Array:
    """Luma `0.2989 R + 0.5870 G + 0.1140 B`, keeping a channel axis of 1."""
    x, restore = _nhwc(images, data_format)
    if x.shape[-1] == 1:
        return restore(x)
    weights = jnp.array([0.2989, 0.5870, 0.1140], jnp.result_type(x, jnp.float32))
    return restore((x.astype(weights.dtype) @ weights)[..., None].astype(x.dtype))


@op
def rgb_to_hsv(images: Tensor, data_format: str | None = None) -> jax.Array:
    """Float RGB in [0, 1] to hue, saturation, value in [0, 1]."""
    x, restore = _nhwc(images, data_format)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    value, low = jnp.maximum(jnp.maximum(r, g), b), jnp.minimum(jnp.minimum(r, g), b)
    spread = value - low
    safe = jnp.where(spread > 0, spread, 1.0)
    saturation = jnp.where(value > 0, spread / jnp.where(value > 0, value, 1.0), 0.0)
    hue = jnp.where(value == g, (b - r) / (6 * safe) + 2 / 6, (r - g) / (6 * safe) + 4 / 6)
    hue = jnp.where(value == r, (g - b) / (6 * safe), hue)
    hue = jnp.where(spread > 0, hue, 0.0)
    hue = hue + (hue < 0)
    return restore(jnp.stack([hue, saturation, value], axis=-1))


@op
def hsv_to_rgb(images: Tensor, data_format: str | None = None) -> jax.Array:
    """Hue, saturation, value in [0, 1] to RGB in [0, 1]."""
    x, restore = _nhwc(images, data_format)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    dh = jnp.mod(h, 1.0) * 6.0
    channels = [jnp.clip(jnp.abs(dh - 3.0) - 1.0, 0.0, 1.0),
                jnp.clip(2.0 - jnp.abs(dh - 2.0), 0.0, 1.0),
                jnp.clip(2.0 - jnp.abs(dh - 4.0), 0.0, 1.0)]
    return restore(jnp.stack([v * (1 - s + s * c) for c in channels], axis=-1))


@op
def resize(images: Tensor, size: Any, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_mode: str = "constant", fill_value: float = 0.0,
           data_format: str | None = None) -> jax.Array:
    """Images resized to `size = (height, width)` (`jax.image.resize`), optionally
    center-cropped or padded first to the target's aspect ratio."""
    _check(interpolation, _RESIZE, "interpolation")
    if fill_mode != "constant":
        raise ValueError(f"resize supports fill_mode='constant' only, but received "
                         f"{fill_mode!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Pass only one of crop_to_aspect_ratio and pad_to_aspect_ratio.")
    height, width = (int(d) for d in size)
    x, restore = _nhwc(images, data_format)
    h, w = x.shape[1], x.shape[2]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(w * height / width)), 1)
        cw = max(min(w, int(h * width / height)), 1)
        top, left = (h - ch) // 2, (w - cw) // 2
        x = x[:, top:top + ch, left:left + cw]
    elif pad_to_aspect_ratio:
        ph, pw = max(h, int(w * height / width)), max(w, int(h * width / height))
        top, left = (ph - h) // 2, (pw - w) // 2
        x = jnp.pad(x, ((0, 0), (top, top), (left, left), (0, 0)),
                    constant_values=fill_value)
    out = jax.image.resize(x, (x.shape[0], height, width, x.shape[-1]), method=interpolation,
                           antialias=antialias)
    return restore(out)


@op
def map_coordinates(inputs: Tensor, coordinates: Tensor, order: int,
                    fill_mode: str = "constant", fill_value: float = 0) -> jax.Array:
    """`inputs` sampled at `coordinates` (one row per axis), by nearest (`order=0`) or
    linear (`order=1`) interpolation (`jax.scipy.ndimage.map_coordinates`)."""
    inputs, coordinates = jnp.asarray(inputs), jnp.asarray(coordinates)
    if coordinates.ndim < 2 or coordinates.shape[0] != inputs.ndim:
        raise ValueError(f"map_coordinates needs coordinates of shape ({inputs.ndim}, ...) "
                         f"for inputs of rank {inputs.ndim}, but received "
                         f"{coordinates.shape}.")
    _check(fill_mode, _FILL_MODES, "fill_mode")
    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, but received {order!r}.")
    return jax.scipy.ndimage.map_coordinates(inputs, list(coordinates), order, fill_mode,
                                             fill_value)


def _sample(x: jax.Array, rows: jax.Array, cols: jax.Array, order: int, mode: str,
            cval: float) -> jax.Array:
    """Each image of the NHWC batch `x` sampled at its (rows, cols) grids."""
    def one(image: jax.Array, r: jax.Array, c: jax.Array) -> jax.Array:
        def channel(plane: jax.Array) -> jax.Array:
            return jax.scipy.ndimage.map_coordinates(plane, [r, c], order, mode, cval)
        return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)
    return jax.vmap(one)(x, rows, cols)


@op
def affine_transform(images: Tensor, transform: Tensor, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0,
                     data_format: str | None = None) -> jax.Array:
    """Images warped by `transform = [a0, a1, a2, b0, b1, b2, c0, c1]` (one per image or
    one for all): the output pixel `(x, y)` takes the input at
    `((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`."""
    _check(interpolation, _ORDERS, "interpolation")
    _check(fill_mode, _FILL_MODES, "fill_mode")
    x, restore = _nhwc(images, data_format)
    t = jnp.asarray(transform, jnp.float32)
    if t.ndim not in (1, 2) or t.shape[-1] != 8:
        raise ValueError(f"transform must have shape (8,) or (batch, 8), but received "
                         f"{t.shape}.")
    t = jnp.broadcast_to(t, (x.shape[0], 8))
    yy, xx = jnp.meshgrid(jnp.arange(x.shape[1], dtype=jnp.float32),
                          jnp.arange(x.shape[2], dtype=jnp.float32), indexing="ij")
    k = t[:, 6, None, None] * xx + t[:, 7, None, None] * yy + 1.0
    cols = (t[:, 0, None, None] * xx + t[:, 1, None, None] * yy + t[:, 2, None, None]) / k
    rows = (t[:, 3, None, None] * xx + t[:, 4, None, None] * yy + t[:, 5, None, None]) / k
    out = _sample(x.astype(jnp.result_type(x, jnp.float32)), rows, cols,
                  _ORDERS[interpolation], fill_mode, fill_value)
    return restore(out.astype(x.dtype) if jnp.issubdtype(x.dtype, jnp.floating) else out)


def _homography(start: jax.Array, end: jax.Array) -> jax.Array:
    """The 8 projective coefficients mapping `end` corners onto `start` corners."""
    sx, sy, ex, ey = start[..., 0], start[..., 1], end[..., 0], end[..., 1]
    zero, one = jnp.zeros_like(ex), jnp.ones_like(ex)
    rows_x = jnp.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    rows_y = jnp.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    a = jnp.concatenate([rows_x, rows_y], axis=-2)
    return jnp.linalg.solve(a, jnp.concatenate([sx, sy], axis=-1)[..., None])[..., 0]


@op
def perspective_transform(images: Tensor, start_points: Tensor, end_points: Tensor,
                          interpolation: str = "bilinear", fill_value: float = 0,
                          data_format: str | None = None) -> jax.Array:
    """Images warped so that the 4 `start_points` (x, y) corners move to `end_points`."""
    start = jnp.asarray(start_points, jnp.float32)
    end = jnp.asarray(end_points, jnp.float32)
    if start.shape[-2:] != (4, 2) or start.shape != end.shape:
        raise ValueError(f"start_points and end_points must both have shape (4, 2) or "
                         f"(batch, 4, 2), but received {start.shape} and {end.shape}.")
    coefficients = _homography(start.reshape(-1, 4, 2), end.reshape(-1, 4, 2))
    return affine_transform(images, coefficients, interpolation, "constant", fill_value,
                            data_format)


@op
def scale_and_translate(images: Tensor, output_shape: Any, scale: Tensor, translation: Tensor,
                        spatial_dims: Any, method: str, antialias: bool = True) -> jax.Array:
    """`jax.image.scale_and_translate`: resampling with a scale and offset per axis."""
    return jax.image.scale_and_translate(jnp.asarray(images), tuple(output_shape),
                                         tuple(spatial_dims), jnp.asarray(scale),
                                         jnp.asarray(translation), method, antialias)


def _side(before: Any, after: Any, target: Any, size: int, what: str,
          crop: bool = False) -> tuple[int, int]:
    """The two amounts of one axis from two of (before, after, target size)."""
    if [before, after, target].count(None) != 1:
        raise ValueError(f"Give exactly two of the {what} arguments (the two sides and the "
                         f"target size), but received {before!r}, {after!r}, {target!r}.")
    room = size - target if crop and target is not None else \
        (target - size if target is not None else None)
    before = room - after if before is None else before
    after = room - before if after is None else after
    if before < 0 or after < 0:
        raise ValueError(f"The {what} amounts must be >= 0, but they came to "
                         f"({before}, {after}) for a size of {size}.")
    return int(before), int(after)


@op
def pad_images(images: Tensor, top_padding: int | None = None, left_padding: int | None = None,
               bottom_padding: int | None = None, right_padding: int | None = None,
               target_height: int | None = None, target_width: int | None = None,
               data_format: str | None = None) -> jax.Array:
    """Images padded with zeros on each side (give two of each side's three values)."""
    x, restore = _nhwc(images, data_format)
    top, bottom = _side(top_padding, bottom_padding, target_height, x.shape[1],
                        "top/bottom padding")
    left, right = _side(left_padding, right_padding, target_width, x.shape[2],
                        "left/right padding")
    return restore(jnp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0))))


@op
def crop_images(images: Tensor, top_cropping: int | None = None,
                left_cropping: int | None = None, bottom_cropping: int | None = None,
                right_cropping: int | None = None, target_height: int | None = None,
                target_width: int | None = None, data_format: str | None = None) -> jax.Array:
    """Images cropped on each side (give two of each side's three values)."""
    x, restore = _nhwc(images, data_format)
    h, w = x.shape[1], x.shape[2]
    top, bottom = _side(top_cropping, bottom_cropping, target_height, h,
                        "top/bottom cropping", crop=True)
    left, right = _side(left_cropping, right_cropping, target_width, w,
                        "left/right cropping", crop=True)
    return restore(x[:, top:h - bottom, left:w - right])


def _patches(x: jax.Array, size: tuple, strides: Any, dilation_rate: Any, padding: str,
             data_format: str | None) -> jax.Array:
    channels = x.shape[-1] if (data_format or "channels_last") == "channels_last" else x.shape[1]
    out = int(np.prod(size)) * channels
    kernel = jnp.eye(out, dtype=x.dtype).reshape(size + (channels, out))
    return conv(x, kernel, strides=strides or size, padding=padding, data_format=data_format,
                dilation_rate=dilation_rate)


@op
def extract_patches(images: Tensor, size: Any, strides: Any = None, dilation_rate: Any = 1,
                    padding: str = "valid", data_format: str | None = None) -> jax.Array:
    """The `size` patches of each image, flattened into channels (`(..., h*w*c)`)."""
    x = jnp.asarray(images)
    size = (size, size) if isinstance(size, int) else tuple(size)
    if len(size) == 3:
        return extract_patches_3d(x, size, strides, dilation_rate, padding, data_format)
    single = x.ndim == 3
    out = _patches(x[None] if single else x, size, strides, dilation_rate, padding,
                   data_format)
    return out[0] if single else out


@op
def extract_patches_3d(volumes: Tensor, size: Any, strides: Any = None, dilation_rate: Any = 1,
                       padding: str = "valid", data_format: str | None = None) -> jax.Array:
    """The `size` patches of each volume, flattened into channels."""
    x = jnp.asarray(volumes)
    size = (size,) * 3 if isinstance(size, int) else tuple(size)
    single = x.ndim == 4
    out = _patches(x[None] if single else x, size, strides, dilation_rate, padding,
                   data_format)
    return out[0] if single else out


def _gaussian(size: int, sigma: Any, dtype: Any) -> jax.Array:
    x = jnp.arange(size, dtype=dtype) - (size - 1) / 2
    kernel = jnp.exp(-0.5 * (x / sigma) ** 2)
    return kernel / jnp.sum(kernel)


def _depthwise(x: jax.Array, kernel: jax.Array, padding: str) -> jax.Array:
    channels = x.shape[-1]
    kernel = jnp.tile(kernel[:, :, None, None], (1, 1, 1, channels))
    return lax.conv_general_dilated(x, kernel, (1, 1), padding,
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                    feature_group_count=channels)


@op
def gaussian_blur(images: Tensor, kernel_size: Any = (3, 3), sigma: Any = (1.0, 1.0),
                  data_format: str | None = None) -> jax.Array:
    """Images convolved with a Gaussian kernel (same size out)."""
    x, restore = _nhwc(images, data_format)
    dtype = jnp.result_type(x, jnp.float32)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sh, sw = (sigma, sigma) if np.ndim(sigma) == 0 else sigma
    kernel = jnp.outer(_gaussian(int(kh), sh, dtype), _gaussian(int(kw), sw, dtype))
    return restore(_depthwise(x.astype(dtype), kernel, "SAME").astype(x.dtype))


@op
def elastic_transform(images: Tensor, alpha: float = 20.0, sigma: float = 5.0,
                      interpolation: str = "bilinear", fill_mode: str = "reflect",
                      fill_value: float = 0.0, seed: Any = None,
                      data_format: str | None = None) -> jax.Array:
    """Images displaced by a smooth random field: Gaussian noise blurred by `sigma` and
    scaled by `alpha` (`seed`: an int, a `SeedGenerator`, or None)."""
    _check(interpolation, _ORDERS, "interpolation")
    _check(fill_mode, _FILL_MODES, "fill_mode")
    x, restore = _nhwc(images, data_format)
    dtype = jnp.result_type(x, jnp.float32)
    n, h, w, _ = x.shape
    size = int(6 * sigma) | 1
    noise = jax.random.normal(draw_key(seed), (2, n, h, w, 1), dtype) * sigma
    kernel = jnp.outer(_gaussian(size, sigma, dtype), _gaussian(size, sigma, dtype))
    dy, dx = (_depthwise(field, kernel, "SAME")[..., 0] for field in noise)
    yy, xx = jnp.meshgrid(jnp.arange(h, dtype=dtype), jnp.arange(w, dtype=dtype),
                          indexing="ij")
    out = _sample(x.astype(dtype), yy + alpha * dy, xx + alpha * dx,
                  _ORDERS[interpolation], fill_mode, fill_value)
    return restore(out.astype(x.dtype))


@op
def sobel_edges(images: Tensor, data_format: str | None = None) -> jax.Array:
    """The Sobel derivatives of each channel, `(..., channels, 2)` as `[dy, dx]`."""
    x, restore = _nhwc(images, data_format)
    dx = jnp.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], jnp.result_type(x, jnp.float32))
    edges = [_depthwise(x.astype(dx.dtype), kernel, "SAME") for kernel in (dx.T, dx)]
    return jnp.stack([restore(e) for e in edges], axis=-1)


@op
def ssim(image1: Tensor, image2: Tensor, max_val: float = 1.0, filter_size: int = 11,
         filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03,
         data_format: str | None = None) -> jax.Array:
    """The structural similarity of two images (or batches), averaged over channels."""
    a, _ = _nhwc(image1, data_format)
    b, _ = _nhwc(image2, data_format)
    dtype = jnp.result_type(a, jnp.float32)
    a, b = a.astype(dtype), b.astype(dtype)
    g = _gaussian(filter_size, filter_sigma, dtype)
    kernel = jnp.outer(g, g)
    mean = lambda t: _depthwise(t, kernel, "VALID")  # noqa: E731
    mu1, mu2 = mean(a), mean(b)
    var1, var2 = mean(a * a) - mu1 ** 2, mean(b * b) - mu2 ** 2
    cov = mean(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * cov + c2)) / \
        ((mu1 ** 2 + mu2 ** 2 + c1) * (var1 + var2 + c2))
    value = jnp.mean(ssim_map, axis=(1, 2, 3))
    return value[0] if jnp.asarray(image1).ndim == 3 else value
