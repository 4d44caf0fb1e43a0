"""`keras.ops.math`: segment reductions, top-k, log-sum-exp, Fourier transforms and
special functions, on `jax.ops`, `jax.lax`, `jax.numpy.fft` and `jax.scipy`.

Complex values travel as `(real, imag)` pairs of float tensors, as in Keras 3.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> ops.segment_sum(jnp.array([1.0, 2.0, 3.0]), jnp.array([0, 0, 1]), num_segments=2).tolist()
    [3.0, 3.0]
    >>> values, indices = ops.top_k(jnp.array([1.0, 5.0, 3.0]), 2)
    >>> values.tolist(), indices.tolist()
    ([5.0, 3.0], [1, 2])
"""
from __future__ import annotations

import math as _math
import re
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy as jsp
import numpy as np

from lamina.ops._op import Tensor, op


def _segment(name: str, fn: Any) -> Any:
    def function(data: Tensor, segment_ids: Tensor, num_segments: int | None = None,
                 sorted: bool = False) -> jax.Array:  # noqa: A002
        if num_segments is None:
            ids = np.asarray(segment_ids)
            if isinstance(segment_ids, jax.core.Tracer) or ids.dtype == object:
                raise ValueError(f"{name} needs num_segments inside compiled code, e.g. "
                                 f"{name}(data, ids, num_segments=10).")
            num_segments = int(ids.max()) + 1 if ids.size else 0
        return fn(data, jnp.asarray(segment_ids), num_segments, indices_are_sorted=sorted)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"`keras.ops.{name}`: the {name.split('_')[1]} of the rows of `data` "
                        "that share a segment id (`jax.ops`); rows of empty segments get "
                        "the reduction's identity.")
    return op(function)


segment_sum = _segment("segment_sum", jax.ops.segment_sum)
segment_max = _segment("segment_max", jax.ops.segment_max)
segment_min = _segment("segment_min", jax.ops.segment_min)
segment_prod = _segment("segment_prod", jax.ops.segment_prod)


@op
def top_k(x: Tensor, k: int, sorted: bool = True) -> tuple:  # noqa: A002
    """`(values, indices)` of the `k` largest entries along the last axis."""
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype(jnp.int32)


@op
def in_top_k(targets: Tensor, predictions: Tensor, k: int) -> jax.Array:
    """Whether each target's prediction is among the `k` largest of its row."""
    predictions = jnp.asarray(predictions)
    at_label = jnp.take_along_axis(predictions, jnp.asarray(targets)[..., None], axis=-1)
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    return 1 + jnp.sum(predictions > at_label, axis=-1) <= k


@op
def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> jax.Array:
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    return jsp.special.logsumexp(x, axis=tuple(axis) if isinstance(axis, list) else axis,
                                 keepdims=keepdims)


@op
def rsqrt(x: Tensor) -> jax.Array:
    """`1 / sqrt(x)`."""
    return jax.lax.rsqrt(jnp.asarray(x, jnp.result_type(x, jnp.float32)))


@op
def erf(x: Tensor) -> jax.Array:
    """The error function."""
    return jsp.special.erf(x)


@op
def erfc(x: Tensor) -> jax.Array:
    """The complementary error function `1 - erf(x)`."""
    return jsp.special.erfc(x)


@op
def erfinv(x: Tensor) -> jax.Array:
    """The inverse error function."""
    return jsp.special.erfinv(x)


@op
def logdet(x: Tensor) -> jax.Array:
    """The log-determinant of (a batch of) positive-definite matrices."""
    return jnp.linalg.slogdet(x)[1]


@op
def cdist(x: Tensor, y: Tensor) -> jax.Array:
    """The Euclidean distances between the rows of `x` and of `y` (batched)."""
    x, y = jnp.asarray(x), jnp.asarray(y)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist needs inputs of rank >= 2 with the same last axis, but "
                         f"received shapes {x.shape} and {y.shape}.")
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


@op
def extract_sequences(x: Tensor, sequence_length: int, sequence_stride: int) -> jax.Array:
    """Frames of `sequence_length` every `sequence_stride` along the last axis."""
    x = jnp.asarray(x)
    starts = np.arange(0, x.shape[-1] - sequence_length + 1, sequence_stride)
    index = starts[:, None] + np.arange(sequence_length)[None, :]
    return x[..., index]


def _complex(x: Any) -> jax.Array:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Complex inputs are a pair (real, imag) of float tensors, but "
                         f"received {type(x).__name__}.")
    real, imag = jnp.asarray(x[0]), jnp.asarray(x[1])
    if real.shape != imag.shape or not (jnp.issubdtype(real.dtype, jnp.floating) and
                                        jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError("The (real, imag) parts must be float tensors of one shape, but "
                         f"received {real.dtype}{real.shape} and {imag.dtype}{imag.shape}.")
    return jax.lax.complex(real, imag)


def _pair(z: jax.Array) -> tuple[jax.Array, jax.Array]:
    return jnp.real(z), jnp.imag(z)


@op
def fft(x: Any) -> tuple:
    """The FFT along the last axis of `(real, imag)`."""
    return _pair(jnp.fft.fft(_complex(x)))


@op
def fft2(x: Any) -> tuple:
    """The 2-D FFT over the last two axes of `(real, imag)`."""
    return _pair(jnp.fft.fft2(_complex(x)))


@op
def ifft2(x: Any) -> tuple:
    """The inverse 2-D FFT over the last two axes of `(real, imag)`."""
    return _pair(jnp.fft.ifft2(_complex(x)))


@op
def rfft(x: Tensor, fft_length: int | None = None) -> tuple:
    """The FFT of a real signal along its last axis, as `(real, imag)`."""
    return _pair(jnp.fft.rfft(x, n=fft_length, axis=-1))


@op
def irfft(x: Any, fft_length: int | None = None) -> jax.Array:
    """The inverse of `rfft`: a real signal from `(real, imag)`."""
    return jnp.fft.irfft(_complex(x), n=fft_length, axis=-1)


def _window(window: Any, length: int, pad: tuple[int, int], dtype: Any) -> jax.Array:
    if window is None:
        return jnp.ones(length + sum(pad), dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"window must be 'hann', 'hamming', a tensor or None, but "
                             f"received {window!r}.")
        a = 0.5 if window == "hann" else 0.54  # periodic windows, as scipy's get_window
        values = a - (1 - a) * jnp.cos(2 * jnp.pi * jnp.arange(length) / length)
    else:
        values = jnp.asarray(window)
        if values.shape != (length,):
            raise ValueError(f"The window must have shape ({length},) (sequence_length), "
                             f"but received {values.shape}.")
    return jnp.pad(values.astype(dtype), [pad])


@op
def stft(x: Tensor, sequence_length: int, sequence_stride: int, fft_length: int,
         window: Any = "hann", center: bool = True) -> tuple:
    """The short-time Fourier transform along the last axis, as `(real, imag)` of shape
    `(..., frames, fft_length // 2 + 1)`."""
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    if fft_length < sequence_length:
        raise ValueError(f"stft needs fft_length >= sequence_length, but received "
                         f"{fft_length} < {sequence_length}.")
    if center:
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)],
                    mode="reflect")
    left = (fft_length - sequence_length) // 2
    win = _window(window, sequence_length, (left, fft_length - sequence_length - left),
                  x.dtype)
    frames = extract_sequences(x, fft_length, sequence_stride) * win
    return _pair(jnp.fft.rfft(frames, n=fft_length, axis=-1))


@op
def istft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int,
          length: int | None = None, window: Any = "hann", center: bool = True) -> jax.Array:
    """The inverse of `stft` (overlap-add of the windowed frames)."""
    frames = jnp.fft.irfft(_complex(x), n=fft_length, axis=-1)
    left = (fft_length - sequence_length) // 2
    win = _window(window, sequence_length, (left, fft_length - sequence_length - left),
                  frames.dtype)
    count = frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    out = jnp.zeros(frames.shape[:-2] + (total,), frames.dtype)
    norm = jnp.zeros((total,), frames.dtype)
    for i in range(count):
        start = i * sequence_stride
        out = out.at[..., start:start + fft_length].add(frames[..., i, :] * win)
        norm = norm.at[start:start + fft_length].add(win * win)
    out = out / jnp.where(norm > 1e-10, norm, 1.0)
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else \
        (total - fft_length // 2 if center else total)
    return out[..., start:end]


@op
def view_as_complex(x: Tensor) -> jax.Array:
    """A complex tensor from `x` whose last axis (of size 2) holds real and imaginary."""
    x = jnp.asarray(x)
    if x.shape[-1] != 2:
        raise ValueError(f"view_as_complex needs a last axis of size 2, but received shape "
                         f"{x.shape}.")
    return jax.lax.complex(x[..., 0], x[..., 1])


@op
def view_as_real(x: Tensor) -> jax.Array:
    """The real and imaginary parts of a complex `x`, on a new last axis."""
    x = jnp.asarray(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


def _groups(side: str) -> list[list[str]]:
    groups, current = [], None
    for token in re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S", side):
        if token == "(":
            current = []
        elif token == ")":
            groups.append(current)
            current = None
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token):
            (current if current is not None else groups).append(
                token if current is not None else [token])
        else:
            raise ValueError(f"rearrange patterns hold axis names and parentheses only, but "
                             f"received {token!r} in {side!r}.")
    return groups


@op
def rearrange(tensor: Tensor, pattern: str, **axes_lengths: int) -> jax.Array:
    """Reorder, split and merge axes by an einops pattern, e.g. `"b h w c -> b (h w) c"`.

    Example:
        >>> rearrange(jnp.zeros((2, 3, 4)), "b h w -> b (w h)").shape
        (2, 12)
    """
    tensor = jnp.asarray(tensor)
    left, right = (_groups(side) for side in pattern.split("->"))
    if len(left) != tensor.ndim:
        raise ValueError(f"rearrange pattern {pattern!r} names {len(left)} axes, but the "
                         f"tensor has shape {tensor.shape}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(left, tensor.shape):
        known = _math.prod(sizes[n] for n in group if n in sizes)
        unknown = [n for n in group if n not in sizes]
        if len(unknown) > 1:
            raise ValueError(f"rearrange cannot split axis {group} of size {dim}: give the "
                             f"lengths of {unknown[:-1]} as keyword arguments.")
        if unknown:
            sizes[unknown[0]] = dim // known
    names = [n for group in left for n in group]
    flat = tensor.reshape([sizes[n] for n in names])
    order = [names.index(n) for group in right for n in group]
    return flat.transpose(order).reshape([_math.prod(sizes[n] for n in g) for g in right])
