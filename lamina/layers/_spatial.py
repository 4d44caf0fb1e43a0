"""What the layers on images, sequences and volumes share: their arguments
(`kernel_size`, `strides`, `padding`, `data_format`), the axes of their inputs, the
output sizes of a sliding window, and the errors that say how to fix a wrong input.

Example:
    >>> standardize_tuple(3, 2, "kernel_size", "Conv2D")
    (3, 3)
    >>> window_output_size(32, 3, 1, "valid"), window_output_size(32, 3, 2, "same")
    (30, 16)
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import jax.numpy as jnp
import numpy as np

DATA_FORMATS = ("channels_last", "channels_first")
_AXES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def standardize_tuple(value: Any, n: int, name: str, who: str, *,
                      allow_zero: bool = False) -> tuple[int, ...]:
    """An int or `n` ints as a tuple of `n` positive ints (or non-negative ones)."""
    values = (value,) * n if isinstance(value, (int, np.integer)) and \
        not isinstance(value, bool) else value
    try:
        out = tuple(int(v) for v in values)
        ok = len(out) == n and all(v == w for v, w in zip(out, values)) and \
            not any(isinstance(v, bool) for v in values)
    except (TypeError, ValueError):
        ok = False
    low = 0 if allow_zero else 1
    if not ok or any(v < low for v in out):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{who} needs `{name}` as a {kind} integer or a tuple of {n} "
                         f"{kind} integers, but received {name}={value!r}. Use e.g. "
                         f"{name}={(low + 2,) * n if n > 1 else low + 2}.")
    return out


def standardize_padding(value: Any, who: str, *, allow_causal: bool = False) -> str:
    """`"valid"` or `"same"` (or `"causal"` where allowed), case-insensitive."""
    choices = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in choices:
        raise ValueError(f"{who} needs `padding` to be one of {list(choices)}, but "
                         f"received padding={value!r}.")
    return padding


def standardize_data_format(value: Any, who: str) -> str:
    """`"channels_last"` (the default, for None) or `"channels_first"`."""
    data_format = "channels_last" if value is None else \
        (value.lower() if isinstance(value, str) else value)
    if data_format not in DATA_FORMATS:
        raise ValueError(f"{who} needs `data_format` to be 'channels_last' (images as "
                         f"(batch, height, width, channels)) or 'channels_first' ((batch, "
                         f"channels, height, width)), but received data_format={value!r}.")
    return data_format


def layout(rank: int, data_format: str) -> str:
    """The axes of an input, e.g. `(batch, height, width, channels)`."""
    names = _AXES.get(rank, tuple(f"dim{i + 1}" for i in range(rank)))
    axes = (("batch",) + names + ("channels",) if data_format == "channels_last"
            else ("batch", "channels") + names)
    return "(" + ", ".join(axes) + ")"


def to_channels_last(x: Any, data_format: str) -> Any:
    """The input with its channel axis last (a transpose for channels_first)."""
    return jnp.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def from_channels_last(y: Any, data_format: str) -> Any:
    """The output back in the layer's data_format."""
    return jnp.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def spatial_dims(shape: Sequence[Any], data_format: str) -> tuple:
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def channels_of(shape: Sequence[Any], data_format: str) -> Any:
    return shape[-1] if data_format == "channels_last" else shape[1]


def with_spatial(shape: Sequence[Any], spatial: Sequence[Any], channels: Any,
                 data_format: str) -> tuple:
    """An output shape from its batch, spatial sizes and channels."""
    if data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (channels,)
    return (shape[0], channels) + tuple(spatial)


def window_output_size(size: int | None, window: int, stride: int, padding: str,
                       dilation: int = 1) -> int | None:
    """The output length of a sliding window (`"same"`/`"causal"`: ceil(size / stride))."""
    if size is None:
        return None
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return (size - span) // stride + 1
    return -(-size // stride)


def shown(shape: Sequence[Any]) -> tuple:
    """A shape as Keras prints it: `None` for the batch."""
    return (None,) + tuple(shape[1:])


def _dims_text(sizes: Sequence[Any]) -> str:
    return "x".join(str(s) for s in sizes)


def looks_channels_first(shape: Sequence[Any], rank: int, data_format: str) -> bool:
    """Whether an image-like input seems to have its channels on the other side: 1, 3
    or 4 on the first spatial axis and more than 4 on the channel axis (or the
    reverse for channels_first)."""
    if rank < 2 or len(shape) != rank + 2:
        return False
    first, last = shape[1], shape[-1]
    if data_format == "channels_first":
        first, last = last, first
    return first in (1, 3, 4) and last is not None and last > 4


def channel_fix(shape: Sequence[Any], rank: int, data_format: str) -> str:
    """How to move the channels of an input that `looks_channels_first`."""
    n = rank + 2
    if data_format == "channels_last":
        perm = (0,) + tuple(range(2, n)) + (1,)
        other = "channels_first"
        where = "first (axis 1)"
    else:
        perm = (0, n - 1) + tuple(range(1, n - 1))
        other = "channels_last"
        where = "last"
    return (f"The inputs seem to have their channels {where}: move them with "
            f"x = np.transpose(x, {perm}), or pass data_format='{other}' to the layers.")


def check_input_rank(input_shape: Any, rank: int, who: str, name: str,
                     data_format: str) -> tuple:
    """The input shape as a tuple, or a ValueError naming the axes the layer expects
    (and, for a missing channel axis, how to add it)."""
    if not isinstance(input_shape, tuple) or len(input_shape) != rank + 2:
        got = shown(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
        message = (f"{who} layer '{name}' expects {rank + 2}-D inputs "
                   f"{layout(rank, data_format)}, but received inputs of shape {got}.")
        if isinstance(got, tuple) and len(got) == rank + 1 and rank >= 1:
            sample = tuple(got[1:])
            fixed = sample + (1,) if data_format == "channels_last" else (1,) + sample
            index = "[..., None]" if data_format == "channels_last" else "[:, None]"
            message += (f" The channel axis is missing: for single-channel (grayscale) "
                        f"data pass input_shape={fixed} and x = x{index} (or "
                        f"x.reshape((-1,) + {fixed})), or put "
                        f"keras.layers.Reshape({fixed}) first.")
        raise ValueError(message)
    return input_shape


def check_window_fits(input_shape: tuple, windows: Sequence[int], padding: str,
                      rank: int, data_format: str, who: str, name: str, what: str,
                      strides: Sequence[int] | None = None) -> None:
    """A ValueError when a window (kernel, pool) is larger than a `"valid"`-padded
    input, saying the smallest input size the layer takes."""
    if padding != "valid":
        return
    sizes = spatial_dims(input_shape, data_format)
    if all(s is None or s >= w for s, w in zip(sizes, windows)):
        return
    need = tuple(max(w, s) if s is not None else w for s, w in zip(sizes, windows))
    message = (f"{who} layer '{name}' with {what} and padding='valid' needs inputs of at "
               f"least {_dims_text(windows)}, but received inputs of shape {shown(input_shape)} "
               f"({_dims_text(sizes)}): the output would be empty. Use padding='same', a "
               f"smaller window, larger inputs (at least {_dims_text(need)}), or fewer "
               "pooling or strided layers before this one.")
    if looks_channels_first(input_shape, rank, data_format):
        message += " " + channel_fix(input_shape, rank, data_format)
    raise ValueError(message)


def warn_channel_axis(input_shape: tuple, rank: int, data_format: str, who: str,
                      name: str) -> None:
    """A warning when an image input looks channels-first for a channels_last layer
    (or the reverse); the layer still builds."""
    if looks_channels_first(input_shape, rank, data_format):
        warnings.warn(f"{who} layer '{name}' received inputs of shape {shown(input_shape)} with "
                      f"data_format='{data_format}', so it takes {channels_of(input_shape, data_format)} "
                      f"channels. " + channel_fix(input_shape, rank, data_format),
                      stacklevel=5)


def check_channels(shape: Sequence[int], expected: int, rank: int, data_format: str,
                   who: str, name: str) -> None:
    """A ValueError when a built layer receives inputs with another number of
    channels (naming a channel axis in the wrong place)."""
    got = channels_of(shape, data_format)
    if got == expected and len(shape) == rank + 2:
        return
    check_input_rank(tuple(shape), rank, who, name, data_format)
    axis = "-1" if data_format == "channels_last" else "1"
    message = (f"{who} layer '{name}' was built for inputs with {expected} channels (axis "
               f"{axis}, data_format='{data_format}'), but received inputs of shape "
               f"{shown(shape)}.")
    other = shape[1] if data_format == "channels_last" else shape[-1]
    if other == expected:
        message += " " + channel_fix(shape, rank, data_format)
    else:
        message += (f" Give it images with {expected} channels, or build a new model for "
                    f"{got}.")
    raise ValueError(message)


def standardize_pairs(value: Any, rank: int, name: str, who: str) -> tuple:
    """Padding or cropping as `((lo, hi), ...)` per spatial axis, from an int (the
    same everywhere), `rank` ints (symmetric per axis) or `rank` pairs; for one axis,
    a pair is `(lo, hi)` itself."""
    if rank == 1:
        return (standardize_tuple(value, 2, name, who, allow_zero=True),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return ((standardize_tuple(value, 2, name, who, allow_zero=True),) * rank)
    if not isinstance(value, (tuple, list)) or len(value) != rank:
        raise ValueError(f"{who} needs `{name}` as an int, a tuple of {rank} ints (the same "
                         f"on both sides of each axis) or a tuple of {rank} (before, after) "
                         f"pairs, but received {name}={value!r}.")
    return tuple(standardize_tuple(v, 2, f"{name} of axis {i + 1}", who, allow_zero=True)
                 for i, v in enumerate(value))
