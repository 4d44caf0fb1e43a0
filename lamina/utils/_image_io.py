"""Images to and from files and arrays through Pillow, as `keras.utils.load_img`,
`img_to_array`, `array_to_img` and `save_img` (tf.keras 2's behaviour).

Pillow is an optional extra (`pip install 'lamina[image]'`); it is imported only
when one of these functions runs.
"""
from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any, Optional

import numpy as np

from lamina.backend import image_data_format

COLOR_MODES = ("grayscale", "rgb", "rgba")
DATA_FORMATS = ("channels_last", "channels_first")

# Pillow's resampling filters by the names tf.keras's `load_img` accepts.
PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image() -> Any:
    """`PIL.Image`, or an ImportError that says which extra to install.

    Raises:
        ImportError: when Pillow is not installed.
    """
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing images needs Pillow, which is not installed. Install "
            "Lamina's image extra: pip install 'lamina[image]' (or: pip install pillow)."
        ) from None
    return Image


def check_data_format(data_format: Optional[str]) -> str:
    """`data_format`, or Keras's default when None.

    Raises:
        ValueError: for anything but "channels_last", "channels_first" or None.
    """
    if data_format is None:
        return image_data_format()
    if data_format not in DATA_FORMATS:
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', but "
                         f"received {data_format!r}.")
    return data_format


def check_color_mode(color_mode: str) -> int:
    """The number of channels of a color mode.

    Raises:
        ValueError: for an unknown color mode.
    """
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(color_mode)
    if channels is None:
        raise ValueError(f"color_mode must be one of {list(COLOR_MODES)}, but received "
                         f"{color_mode!r}.")
    return channels


def _resample(interpolation: str) -> Any:
    Image = pil_image()
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {list(PIL_INTERPOLATIONS)} when "
                         f"images are resized while loading, but received {interpolation!r}.")
    return getattr(Image.Resampling, interpolation.upper())


def load_img(path: Any, grayscale: bool = False, color_mode: str = "rgb",
             target_size: Optional[tuple[int, int]] = None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False) -> Any:
    """Loads an image file as a Pillow image, as `keras.utils.load_img`.

    Args:
        path: a path (str, bytes or `pathlib.Path`) or an `io.BytesIO`.
        grayscale: deprecated; use `color_mode="grayscale"`.
        color_mode: "grayscale", "rgb" or "rgba": the image is converted to it.
        target_size: `(height, width)` to resize to, or None to keep the size.
        interpolation: Pillow's filter for resizing: "nearest" (the default),
            "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the largest centred box of the target's aspect
            ratio before resizing, rather than stretching.

    Returns:
        A `PIL.Image.Image`.

    Raises:
        ImportError: without Pillow.
        TypeError: for a path of another type.
        ValueError: for an unknown color mode or interpolation, or a file Pillow
            cannot read (the message names it).

    Example:
        >>> import io, numpy as np
        >>> buffer = io.BytesIO()
        >>> save_img(buffer, np.zeros((4, 6, 3)), file_format="png")
        >>> img = load_img(buffer, target_size=(2, 3))
        >>> img.size, img.mode
        ((3, 2), 'RGB')
    """
    Image = pil_image()
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"',
                      stacklevel=2)
        color_mode = "grayscale"
    check_color_mode(color_mode)
    if isinstance(path, io.BytesIO):
        source, name = path, "<BytesIO>"
    elif isinstance(path, (str, bytes, os.PathLike)):
        name = os.fsdecode(path)
        with open(pathlib.Path(name).resolve(), "rb") as f:
            source = io.BytesIO(f.read())
    else:
        raise TypeError(f"path should be a path (str, bytes, pathlib.Path) or an "
                        f"io.BytesIO, but received {type(path).__name__}.")
    try:
        img = Image.open(source)
        img.load()
    except Exception as error:  # Pillow raises several kinds for a bad file
        raise ValueError(f"Cannot read the image file {name}: {error}. Remove it or "
                         "replace it with a readable PNG, JPEG, BMP or GIF file.") from None
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is None:
        return img
    size = (int(target_size[1]), int(target_size[0]))
    if img.size == size:
        return img
    resample = _resample(interpolation)
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_height = min(height, (width * size[1]) // size[0])
    crop_width = min(width, (height * size[0]) // size[1])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(size, resample, box=(left, top, left + crop_width, top + crop_height))


def img_to_array(img: Any, data_format: Optional[str] = None,
                 dtype: Optional[str] = None) -> np.ndarray:
    """A Pillow image as a 3-D NumPy array, as `keras.utils.img_to_array`.

    Args:
        img: a `PIL.Image.Image` (or anything `np.asarray` turns into a 2-D or
            3-D array).
        data_format: "channels_last" (the default) or "channels_first".
        dtype: the array's dtype, float32 by default.

    Returns:
        `(height, width, channels)` (or channels first); a grayscale image gets a
        channel axis of 1.

    Raises:
        ValueError: for an unknown data format or an array of another rank.

    Example:
        >>> import numpy as np
        >>> img_to_array(array_to_img(np.zeros((2, 3, 1)), scale=False)).shape
        (2, 3, 1)
    """
    data_format = check_data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None] if data_format == "channels_last" else x[None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"img_to_array needs an image of 2 or 3 axes, but received an "
                         f"array of shape {x.shape}.")
    return x


def array_to_img(x: Any, data_format: Optional[str] = None, scale: bool = True,
                 dtype: Optional[str] = None) -> Any:
    """A 3-D array as a Pillow image, as `keras.utils.array_to_img`.

    Args:
        x: `(height, width, channels)` (or channels first) with 1, 3 or 4 channels.
        data_format: "channels_last" (the default) or "channels_first".
        scale: stretch the values so the smallest is 0 and the largest 255;
            without it values are cast to uint8 as they are.
        dtype: the float type the values are taken in, float32 by default.

    Returns:
        A `PIL.Image.Image` in mode "L" (or "I" for unscaled values above 255),
        "RGB" or "RGBA".

    Raises:
        ImportError: without Pillow.
        ValueError: for an array that is not 3-D or has another number of channels.

    Example:
        >>> import numpy as np
        >>> img = array_to_img(np.array([[[0.0], [0.5], [1.0]]]))
        >>> img.mode, np.asarray(img).ravel().tolist()
        ('L', [0, 127, 255])
    """
    Image = pil_image()
    data_format = check_data_format(data_format)
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"array_to_img needs one image of 3 axes (height, width, "
                         f"channels), but received an array of shape {x.shape}. For a "
                         "batch, pass one image: x[0].")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img needs 1, 3 or 4 channels, but received an image of "
                     f"shape {x.shape} ({channels} channels). Check data_format "
                     f"({data_format!r}).")


def save_img(path: Any, x: Any, data_format: Optional[str] = None,
             file_format: Optional[str] = None, scale: bool = True, **kwargs: Any) -> None:
    """Saves a 3-D array as an image file, as `keras.utils.save_img`.

    Args:
        path: a path or a file object.
        x: the image (see `array_to_img`).
        data_format: "channels_last" (the default) or "channels_first".
        file_format: "png", "jpeg", ...; None takes it from the file name (a file
            object needs it).
        scale: stretch the values to 0..255 first (see `array_to_img`).
        **kwargs: passed to `PIL.Image.Image.save` (`quality=90`, ...).

    Example:
        >>> import io, numpy as np
        >>> buffer = io.BytesIO()
        >>> save_img(buffer, np.ones((2, 2, 3)), file_format="png")
        >>> buffer.getvalue()[:4]
        b'\\x89PNG'
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    if file_format == "jpg":
        file_format = "jpeg"
    img.save(path, format=file_format, **kwargs)
