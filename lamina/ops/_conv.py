"""Convolution, pooling and patch ops of Keras 3's neural-network set, on `jax.lax`.

Kernels are laid out as Keras's: `(*kernel_size, in_channels, out_channels)` for `conv`,
`(*kernel_size, in_channels, multiplier)` for `depthwise_conv`,
`(*kernel_size, out_channels, in_channels)` for `conv_transpose`. Images are
`channels_last` unless `data_format="channels_first"`.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> x = jnp.ones((1, 5, 5, 2))
    >>> ops.conv(x, jnp.ones((3, 3, 2, 4))).shape, ops.max_pool(x, 2).shape
    ((1, 3, 3, 4), (1, 2, 2, 2))
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lamina.ops._op import Tensor, op


def _format(data_format: str | None) -> str:
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', but "
                         f"received {data_format!r}.")
    return data_format


def _tuple(value: Any, n: int, what: str) -> tuple:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"{what} needs {n} values (one per spatial axis), but received "
                         f"{value}.")
    return value


def _padding(padding: str) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', but received {padding!r}.")
    return padding.upper()


def _numbers(ndim: int, data_format: str) -> lax.ConvDimensionNumbers:
    spatial = tuple(range(1, ndim - 1)) if data_format == "channels_last" else \
        tuple(range(2, ndim))
    lhs = (0, ndim - 1) + spatial if data_format == "channels_last" else (0, 1) + spatial
    rhs = (ndim - 1, ndim - 2) + tuple(range(ndim - 2))
    return lax.ConvDimensionNumbers(lhs_spec=lhs, rhs_spec=rhs, out_spec=lhs)


@op
def conv(inputs: Tensor, kernel: Tensor, strides: Any = 1, padding: str = "valid",
         data_format: str | None = None, dilation_rate: Any = 1) -> jax.Array:
    """An N-d convolution (cross-correlation, as Keras and TensorFlow compute it)."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    data_format = _format(data_format)
    n = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels % kernel.shape[-2]:
        raise ValueError(f"conv: the inputs have {channels} channels, which the kernel's "
                         f"{kernel.shape[-2]} input channels do not divide (kernel shape "
                         f"{kernel.shape}).")
    return lax.conv_general_dilated(
        inputs.astype(kernel.dtype), kernel, _tuple(strides, n, "strides"),
        _padding(padding), rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_numbers(inputs.ndim, data_format),
        feature_group_count=channels // kernel.shape[-2])


@op
def depthwise_conv(inputs: Tensor, kernel: Tensor, strides: Any = 1, padding: str = "valid",
                   data_format: str | None = None, dilation_rate: Any = 1) -> jax.Array:
    """A convolution of each input channel with its own `multiplier` filters."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    data_format = _format(data_format)
    n = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * kernel.shape[-1]))
    return lax.conv_general_dilated(
        inputs.astype(kernel.dtype), kernel, _tuple(strides, n, "strides"),
        _padding(padding), rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_numbers(inputs.ndim, data_format), feature_group_count=channels)


@op
def separable_conv(inputs: Tensor, depthwise_kernel: Tensor, pointwise_kernel: Tensor,
                   strides: Any = 1, padding: str = "valid", data_format: str | None = None,
                   dilation_rate: Any = 1) -> jax.Array:
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_padding(kernel: int, stride: int, dilation: int, padding: str,
                       output_padding: int | None) -> tuple[int, int]:
    kernel = (kernel - 1) * dilation + 1
    if padding == "VALID":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return kernel - 1, kernel - 1 + extra
    total = stride + kernel - 2 if output_padding is None else \
        kernel + kernel % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, kernel - 1)
    return left, total - left


@op
def conv_transpose(inputs: Tensor, kernel: Tensor, strides: Any = 1, padding: str = "valid",
                   output_padding: Any = None, data_format: str | None = None,
                   dilation_rate: Any = 1) -> jax.Array:
    """The transposed convolution (the gradient of `conv`), Keras's output sizes:
    `input * stride` for 'same', `(input - 1) * stride + max(kernel, stride)` for
    'valid', `output_padding` added on the right."""
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    data_format = _format(data_format)
    n = inputs.ndim - 2
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    extra = [None] * n if output_padding is None else _tuple(output_padding, n,
                                                             "output_padding")
    pads = [_transpose_padding(k, s, d, _padding(padding), o) for k, s, d, o in
            zip(kernel.shape[:n], strides, dilation, extra)]
    return lax.conv_transpose(inputs.astype(kernel.dtype), kernel, strides, pads,
                              rhs_dilation=dilation,
                              dimension_numbers=_numbers(inputs.ndim, data_format),
                              transpose_kernel=True)


def _window(value: Any, n: int, data_format: str, what: str) -> tuple:
    spatial = _tuple(value, n, what)
    return (1,) + spatial + (1,) if data_format == "channels_last" else (1, 1) + spatial


@op
def max_pool(inputs: Tensor, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: str | None = None) -> jax.Array:
    """The maximum over each `pool_size` window (strides default to `pool_size`)."""
    inputs = jnp.asarray(inputs)
    data_format, n = _format(data_format), inputs.ndim - 2
    window = _window(pool_size, n, data_format, "pool_size")
    step = window if strides is None else _window(strides, n, data_format, "strides")
    return lax.reduce_window(inputs, -jnp.inf, lax.max, window, step, _padding(padding))


@op
def average_pool(inputs: Tensor, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> jax.Array:
    """The mean over each window; with 'same' padding, over the window's valid part."""
    inputs = jnp.asarray(inputs, jnp.result_type(inputs, jnp.float32))
    data_format, n = _format(data_format), inputs.ndim - 2
    window = _window(pool_size, n, data_format, "pool_size")
    step = window if strides is None else _window(strides, n, data_format, "strides")
    total = lax.reduce_window(inputs, 0.0, lax.add, window, step, _padding(padding))
    if _padding(padding) == "VALID":
        return total / math.prod(window)
    counts = lax.reduce_window(jnp.ones(inputs.shape, inputs.dtype), 0.0, lax.add, window,
                               step, "SAME")
    return total / counts


def _adaptive_axis(x: jax.Array, axis: int, size: int, reduce: str) -> jax.Array:
    length = x.shape[axis]
    starts = [(i * length) // size for i in range(size)]
    ends = [-((-(i + 1) * length) // size) for i in range(size)]
    member = np.zeros((size, length), bool)
    for i, (a, b) in enumerate(zip(starts, ends)):
        member[i, a:b] = True
    moved = jnp.moveaxis(x, axis, -1)[..., None, :]
    if reduce == "mean":
        out = jnp.sum(jnp.where(member, moved, 0), axis=-1) / member.sum(axis=1)
    else:
        out = jnp.max(jnp.where(member, moved, -jnp.inf), axis=-1)
    return jnp.moveaxis(out, -1, axis)


def _adaptive(inputs: Tensor, output_size: Any, data_format: str | None,
              reduce: str) -> jax.Array:
    x = jnp.asarray(inputs, jnp.result_type(inputs, jnp.float32))
    data_format, n = _format(data_format), x.ndim - 2
    sizes = _tuple(output_size, n, "output_size")
    first = 1 if data_format == "channels_last" else 2
    for i, size in enumerate(sizes):
        x = _adaptive_axis(x, first + i, size, reduce)
    return x


@op
def adaptive_average_pool(inputs: Tensor, output_size: Any,
                          data_format: str | None = None) -> jax.Array:
    """Mean pooling to a fixed `output_size`, with PyTorch's bins
    `[floor(i * L / out), ceil((i + 1) * L / out))`."""
    return _adaptive(inputs, output_size, data_format, "mean")


@op
def adaptive_max_pool(inputs: Tensor, output_size: Any,
                      data_format: str | None = None) -> jax.Array:
    """Max pooling to a fixed `output_size` (bins as `adaptive_average_pool`)."""
    return _adaptive(inputs, output_size, data_format, "max")


def _pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, np.integer)) else \
        tuple(int(v) for v in value)  # type: ignore[return-value]


@op
def unfold(x: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> jax.Array:
    """Sliding blocks of an NCHW image as columns: `(N, C*kH*kW, L)` (PyTorch's unfold)."""
    x = jnp.asarray(x)
    (ph, pw) = _pair(padding)
    x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = lax.conv_general_dilated_patches(
        x, _pair(kernel_size), _pair(stride), "VALID", rhs_dilation=_pair(dilation),
        dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return patches.reshape(patches.shape[0], patches.shape[1], -1)


@op
def fold(x: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> jax.Array:
    """The inverse of `unfold`: blocks summed back into an NCHW image (PyTorch's fold)."""
    x = jnp.asarray(x)
    (oh, ow), (kh, kw) = _pair(output_size), _pair(kernel_size)
    (dh, dw), (ph, pw), (sh, sw) = _pair(dilation), _pair(padding), _pair(stride)
    n, ckk, _ = x.shape
    c = ckk // (kh * kw)
    nh = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    nw = (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    blocks = x.reshape(n, c, kh, kw, nh, nw)
    out = jnp.zeros((n, c, oh + 2 * ph, ow + 2 * pw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + (nh - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (nw - 1) * sw + 1, sw)
            out = out.at[:, :, rows, cols].add(blocks[:, :, i, j])
    return out[:, :, ph:ph + oh, pw:pw + ow]


@op
def depth_to_space(x: Tensor, block_size: int,
                   data_format: str = "channels_last") -> jax.Array:
    """Channels moved into `block_size` x `block_size` spatial blocks (pixel shuffle)."""
    x, b = jnp.asarray(x), int(block_size)
    if _format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    x = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (b * b), h * b, w * b)


@op
def space_to_depth(x: Tensor, block_size: int,
                   data_format: str = "channels_last") -> jax.Array:
    """Spatial `block_size` x `block_size` blocks moved into channels (pixel unshuffle)."""
    x, b = jnp.asarray(x), int(block_size)
    if _format(data_format) == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


def spatial_shape(shape: Sequence[int], data_format: str | None) -> tuple:
    """The spatial part of an image batch's shape."""
    return tuple(shape[1:-1]) if _format(data_format) == "channels_last" else \
        tuple(shape[2:])
