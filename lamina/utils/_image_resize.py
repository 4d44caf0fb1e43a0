"""Resizing as `tf.image.resize` does it (half-pixel centres, no antialiasing), on the
host in NumPy: what `image_dataset_from_directory` and `smart_resize` apply to each
image, so results match tf.keras 2's to float32 rounding.

Each method is a pair of weight matrices, one per axis: `out = Wh @ image @ Ww.T`
channel by channel. "bilinear", "nearest", "bicubic" and "area" follow TensorFlow's
own kernels (bicubic's weights come from its 1024-step table, edge taps outside
the image are dropped and the rest renormalised); "lanczos3", "lanczos5",
"gaussian" and "mitchellcubic" follow its scale-and-translate kernels.
"""
from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                  "gaussian", "mitchellcubic")

_F32 = np.float32


def check_interpolation(interpolation: str) -> str:
    """The method's name in lower case.

    Raises:
        ValueError: for an unknown method (the message lists the valid ones).
    """
    name = str(interpolation).lower()
    if name not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {list(INTERPOLATIONS)}, but received "
                         f"{interpolation!r}.")
    return name


def _bilinear(n_in: int, n_out: int) -> np.ndarray:
    scale = _F32(n_in) / _F32(n_out)
    src = (np.arange(n_out, dtype=_F32) + _F32(0.5)) * scale - _F32(0.5)
    low_f = np.floor(src)
    lower = np.maximum(low_f, 0).astype(int)
    upper = np.minimum(np.ceil(src), n_in - 1).astype(int)
    lerp = src - low_f
    w = np.zeros((n_out, n_in), _F32)
    rows = np.arange(n_out)
    np.add.at(w, (rows, lower), 1 - lerp)
    np.add.at(w, (rows, upper), lerp)
    return w


def _nearest(n_in: int, n_out: int) -> np.ndarray:
    scale = _F32(n_in) / _F32(n_out)
    src = np.floor((np.arange(n_out, dtype=_F32) + _F32(0.5)) * scale)
    index = np.clip(src, 0, n_in - 1).astype(int)
    w = np.zeros((n_out, n_in), _F32)
    w[np.arange(n_out), index] = 1
    return w


@functools.lru_cache(maxsize=1)
def _keys_table() -> np.ndarray:
    """TensorFlow's bicubic coefficient table (Keys, a = -0.5), 1025 steps of two."""
    a, size = -0.5, 1024
    table = np.zeros((size + 1) * 2, _F32)
    for i in range(size + 1):
        x = i * 1.0 / size
        table[i * 2] = ((a + 2) * x - (a + 3)) * x * x + 1
        x += 1.0
        table[i * 2 + 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


def _bicubic(n_in: int, n_out: int) -> np.ndarray:
    table, size = _keys_table(), 1024
    scale = _F32(n_in) / _F32(n_out)
    w = np.zeros((n_out, n_in), _F32)
    for out in range(n_out):
        src = (_F32(out) + _F32(0.5)) * scale - _F32(0.5)
        loc = math.floor(src)
        offset = int(np.rint(_F32(src - _F32(loc)) * _F32(size)))
        taps = [(loc - 1, table[offset * 2 + 1]), (loc, table[offset * 2]),
                (loc + 1, table[(size - offset) * 2]), (loc + 2, table[(size - offset) * 2 + 1])]
        kept = [(i, _F32(c)) for i, c in taps if 0 <= i < n_in]
        total = _F32(sum(c for _, c in kept))
        for i, c in kept:
            w[out, i] += c / total if abs(total) >= 1000 * np.finfo(_F32).tiny else c
    return w


def _area(n_in: int, n_out: int) -> np.ndarray:
    scale = _F32(n_in) / _F32(n_out)
    w = np.zeros((n_out, n_in), _F32)
    for out in range(n_out):
        start, stop = _F32(out) * scale, _F32(out + 1) * scale
        for i in range(math.floor(start), math.ceil(stop)):
            cover = min(_F32(i + 1), stop) - max(_F32(i), start)
            w[out, min(i, n_in - 1)] += cover / scale
    return w


def _lanczos(radius: float) -> Callable[[np.ndarray], np.ndarray]:
    def kernel(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        safe = np.where(x > 1e-3, x, 1.0)
        value = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (
            np.pi ** 2 * safe ** 2)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, value, 1.0))
    return kernel


def _gaussian(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    radius, sigma = 1.5, 1.5 / 3.0
    return np.where(x >= radius, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _mitchell(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    b = c = 1.0 / 3.0
    near = ((12 - 9 * b - 6 * c) * x ** 3 + (-18 + 12 * b + 6 * c) * x ** 2 + (6 - 2 * b)) / 6
    far = ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2 + (-12 * b - 48 * c) * x
           + (8 * b + 24 * c)) / 6
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


_KERNELS = {"lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0), "gaussian": _gaussian,
            "mitchellcubic": _mitchell}


def _scale_and_translate(kernel: Callable, n_in: int, n_out: int) -> np.ndarray:
    inv_scale = n_in / n_out
    sample = (np.arange(n_out) + 0.5) * inv_scale - 0.5
    weights = kernel(sample[:, None] - np.arange(n_in)[None, :])
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(np.abs(total) > 1000 * np.finfo(_F32).eps,
                       weights / np.where(total != 0, total, 1), 0.0)
    inside = (sample >= -0.5) & (sample <= n_in - 0.5)
    return np.where(inside[:, None], weights, 0.0).astype(_F32)


@functools.lru_cache(maxsize=64)
def weights(method: str, n_in: int, n_out: int) -> np.ndarray:
    """The `(n_out, n_in)` float32 matrix that resizes one axis.

    Example:
        >>> weights("bilinear", 2, 4)
        array([[1.  , 0.  ],
               [0.75, 0.25],
               [0.25, 0.75],
               [0.  , 1.  ]], dtype=float32)
    """
    if method in _KERNELS:
        return _scale_and_translate(_KERNELS[method], n_in, n_out)
    return {"bilinear": _bilinear, "nearest": _nearest, "bicubic": _bicubic,
            "area": _area}[method](n_in, n_out)


@functools.lru_cache(maxsize=64)
def _taps(method: str, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """The matrix's non-zero entries, row by row: `(index, weight)`, each `(n_out, k)`
    (rows with fewer than `k` taps are padded with weight 0), so resizing costs
    `k` multiply-adds per output value rather than `n_in`."""
    w = weights(method, n_in, n_out)
    k = max(1, int((w != 0).sum(axis=1).max()))
    order = np.argsort(w == 0, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(w, order, axis=1)


def resize(image: np.ndarray, size: tuple[int, int], interpolation: str = "bilinear") -> np.ndarray:
    """One `(height, width, channels)` image resized as `tf.image.resize` does.

    Args:
        image: the image, any numeric dtype.
        size: `(height, width)` of the result.
        interpolation: one of `INTERPOLATIONS`.

    Returns:
        A float32 array of shape `(*size, channels)`.

    Example:
        >>> import numpy as np
        >>> resize(np.array([[[0.0], [4.0]]]), (1, 4))[0, :, 0]
        array([0., 1., 3., 4.], dtype=float32)
    """
    method = check_interpolation(interpolation)
    x = np.asarray(image, _F32)
    x = _resize_axis(x, _taps(method, x.shape[0], int(size[0])))
    return _resize_axis(x.transpose(1, 0, 2), _taps(method, x.shape[1], int(size[1]))) \
        .transpose(1, 0, 2)


def _resize_axis(x: np.ndarray, taps: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    index, weight = taps
    out = x[index[:, 0]] * weight[:, 0, None, None]
    for k in range(1, index.shape[1]):
        out += x[index[:, k]] * weight[:, k, None, None]
    return out


def crop_box(height: int, width: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centred box of the target's aspect ratio, as `smart_resize` takes it:
    `(top, left, crop_height, crop_width)`.

    Example:
        >>> crop_box(340, 500, (200, 200))
        (0, 80, 340, 340)
    """
    target_h, target_w = size
    crop_h = min(height, int(_F32(width * target_h) / _F32(target_w)))
    crop_w = min(width, int(_F32(height * target_w) / _F32(target_h)))
    top = int(_F32(height - crop_h) / _F32(2))
    left = int(_F32(width - crop_w) / _F32(2))
    return top, left, crop_h, crop_w


def smart_resize(x: np.ndarray, size: tuple[int, int],
                 interpolation: str = "bilinear") -> np.ndarray:
    """Resize without distorting the aspect ratio, as `keras.preprocessing.image.smart_resize`:
    the largest centred crop of the target's aspect ratio, then `resize`.

    Args:
        x: one image `(height, width, channels)` or a batch of them.
        size: `(height, width)` of the result.
        interpolation: one of `INTERPOLATIONS`.

    Returns:
        float32 images of `size`.

    Raises:
        ValueError: for a size that is not two integers or images of another rank.

    Example:
        >>> import numpy as np
        >>> smart_resize(np.zeros((340, 500, 3)), (200, 200)).shape
        (200, 200, 3)
    """
    if len(size) != 2:
        raise ValueError(f"size must be (height, width), two integers, but received {size!r}.")
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError("smart_resize needs an image (height, width, channels) or a batch "
                         f"(batch, height, width, channels), but received shape {x.shape}.")
    top, left, crop_h, crop_w = crop_box(x.shape[-3], x.shape[-2], size)
    crop = x[..., top:top + crop_h, left:left + crop_w, :]
    if x.ndim == 3:
        return resize(crop, size, interpolation)
    return np.stack([resize(image, size, interpolation) for image in crop])
