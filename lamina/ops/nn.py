"""`keras.ops.nn`: Keras 3's neural-network ops on `jax.nn`, `jax.lax` and optax.

The activations live in `_activations.py`, convolution and pooling in `_conv.py`;
this module adds encodings, losses, normalizations, attention and CTC, and
exports the whole set.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> ops.one_hot(jnp.array([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    >>> round(float(ops.binary_crossentropy(jnp.array([1.0]), jnp.array([0.5]))[0]), 4)
    0.6931
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax import nn as jnn

from lamina.ops._activations import *  # noqa: F401,F403
from lamina.ops._conv import (adaptive_average_pool, adaptive_max_pool,  # noqa: F401
                              average_pool, conv, conv_transpose, depth_to_space,
                              depthwise_conv, fold, max_pool, separable_conv, space_to_depth,
                              unfold)
from lamina.ops._op import Tensor, floatx_dtype, op

EPSILON = 1e-7  # keras.backend.epsilon()


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


@op
def one_hot(x: Tensor, num_classes: int, axis: int = -1, dtype: Any = None,
            sparse: bool = False) -> jax.Array:
    """Integer labels as one-hot vectors along `axis` (out-of-range labels give zeros)."""
    if sparse:
        raise ValueError("one_hot(sparse=True) is not supported: Lamina's tensors are "
                         "dense. Call it with sparse=False.")
    return jnn.one_hot(jnp.asarray(x), num_classes, axis=axis, dtype=floatx_dtype(dtype))


@op
def multi_hot(inputs: Tensor, num_classes: int | None = None, axis: int = -1,
              dtype: Any = None, sparse: bool = False, **kwargs: Any) -> jax.Array:
    """Each row of integer labels as one vector with ones at its labels."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot needs num_classes, e.g. multi_hot(x, num_classes=5).")
    x = jnp.asarray(inputs).astype(jnp.int32)
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return jnp.max(encoded, axis=1 if x.ndim > 1 else 0)


def _same_shape(target: jax.Array, output: jax.Array, name: str) -> None:
    if target.shape != output.shape:
        raise ValueError(f"{name} needs target and output of the same shape, but received "
                         f"target.shape={target.shape} and output.shape={output.shape}.")


@op
def binary_crossentropy(target: Tensor, output: Tensor, from_logits: bool = False) -> jax.Array:
    """The elementwise binary crossentropy (probabilities clipped to [eps, 1 - eps])."""
    target, output = jnp.asarray(target, jnp.float32), jnp.asarray(output)
    _same_shape(target, output, "binary_crossentropy")
    if from_logits:
        return -target * jnn.log_sigmoid(output) - (1 - target) * jnn.log_sigmoid(-output)
    output = jnp.clip(output, EPSILON, 1 - EPSILON)
    return -(target * jnp.log(output) + (1 - target) * jnp.log(1 - output))


@op
def categorical_crossentropy(target: Tensor, output: Tensor, from_logits: bool = False,
                             axis: int = -1) -> jax.Array:
    """The crossentropy of one-hot `target` and `output` along `axis`."""
    target, output = jnp.asarray(target, jnp.float32), jnp.asarray(output)
    _same_shape(target, output, "categorical_crossentropy")
    if from_logits:
        log_prob = jnn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis, keepdims=True)
        log_prob = jnp.log(jnp.clip(output, EPSILON, 1 - EPSILON))
    return -jnp.sum(target * log_prob, axis=axis)


@op
def sparse_categorical_crossentropy(target: Tensor, output: Tensor, from_logits: bool = False,
                                    axis: int = -1) -> jax.Array:
    """The crossentropy of integer `target` labels and `output` along `axis`."""
    target, output = jnp.asarray(target).astype(jnp.int32), jnp.asarray(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    if target.shape != output.shape[:-1]:
        raise ValueError("sparse_categorical_crossentropy needs target of the output's "
                         f"shape without its last axis, but received target.shape="
                         f"{target.shape} and output.shape={output.shape}.")
    return categorical_crossentropy(jnn.one_hot(target, output.shape[axis], axis=axis),
                                    output, from_logits=from_logits, axis=axis)


@op
def moments(x: Tensor, axes: Any, keepdims: bool = False,
            synchronized: bool = False) -> tuple[jax.Array, jax.Array]:
    """`(mean, variance)` of `x` over `axes`."""
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    return (jnp.mean(x, axis=_axis(axes), keepdims=keepdims),
            jnp.var(x, axis=_axis(axes), keepdims=keepdims))


@op
def batch_normalization(x: Tensor, mean: Tensor, variance: Tensor, axis: int,
                        offset: Tensor | None = None, scale: Tensor | None = None,
                        epsilon: float = 0.001) -> jax.Array:
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the statistics laid
    along `axis`."""
    x = jnp.asarray(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    inv = jax.lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    return out if offset is None else out + jnp.reshape(offset, shape)


@op
def layer_normalization(x: Tensor, gamma: Tensor | None = None, beta: Tensor | None = None,
                        axis: Any = -1, epsilon: float | None = None,
                        **kwargs: Any) -> jax.Array:
    """`x` normalized to zero mean and unit variance over `axis`, then `* gamma + beta`."""
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    axes = tuple(sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)))
    epsilon = EPSILON if epsilon is None else epsilon
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    if kwargs.get("rms_scaling"):
        out = x * jax.lax.rsqrt(jnp.var(x, axis=axes, keepdims=True) + epsilon)
        return out if gamma is None else out * jnp.reshape(gamma, shape)
    mean, var = moments(x, axes, keepdims=True)
    out = (x - mean) * jax.lax.rsqrt(var + epsilon)
    if gamma is not None:
        out = out * jnp.reshape(gamma, shape)
    return out if beta is None else out + jnp.reshape(beta, shape)


@op
def rms_normalization(x: Tensor, scale: Tensor | None = None, axis: Any = -1,
                      epsilon: float | None = None) -> jax.Array:
    """`x / sqrt(mean(x**2) + epsilon) * scale` over `axis`."""
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    epsilon = EPSILON if epsilon is None else epsilon
    out = x * jax.lax.rsqrt(jnp.mean(jnp.square(x), axis=_axis(axis), keepdims=True) + epsilon)
    return out if scale is None else out * scale


@op
def normalize(x: Tensor, axis: int = -1, order: int = 2,
              epsilon: float | None = None) -> jax.Array:
    """`x` divided by its `order`-norm along `axis` (at least `epsilon`)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize needs an int order >= 1, but received order={order!r}.")
    x = jnp.asarray(x, jnp.result_type(x, jnp.float32))
    epsilon = EPSILON if epsilon is None else epsilon
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)


@op
def psnr(x1: Tensor, x2: Tensor, max_val: float) -> jax.Array:
    """The peak signal-to-noise ratio in dB of `x2` against `x1`."""
    x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
    _same_shape(x1, x2, "psnr")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20 * jnp.log10(jnp.asarray(max_val, x2.dtype)) - 10 * jnp.log10(mse)


@op
def polar(abs_: Tensor, angle: Tensor) -> jax.Array:
    """The complex numbers of magnitude `abs_` and angle `angle`."""
    return jax.lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


@op
def dot_product_attention(query: Tensor, key: Tensor, value: Tensor, bias: Tensor | None = None,
                          mask: Tensor | None = None, scale: float | None = None,
                          is_causal: bool = False, flash_attention: bool | None = None,
                          attn_logits_soft_cap: float | None = None) -> jax.Array:
    """Scaled dot-product attention on `[batch, time, heads, depth]` tensors
    (`jax.nn.dot_product_attention`; flash attention is left to XLA)."""
    query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
    if not query.ndim == key.ndim == value.ndim == 4:
        raise ValueError("dot_product_attention needs 4-D [batch, time, heads, depth] inputs, "
                         f"but received query {query.shape}, key {key.shape}, value "
                         f"{value.shape}.")
    if attn_logits_soft_cap is None:
        return jnn.dot_product_attention(query, key, value, bias=bias, mask=mask,
                                         scale=scale, is_causal=is_causal)
    scale = 1.0 / jnp.sqrt(query.shape[-1]) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", query, key) * scale
    logits = logits / (1.0 + jnp.abs(logits) / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + bias
    keep = jnp.ones(logits.shape, bool) if mask is None else jnp.broadcast_to(mask, logits.shape)
    if is_causal:
        keep = keep & jnp.tril(jnp.ones(logits.shape[-2:], bool))
    logits = jnp.where(keep, logits, jnp.finfo(logits.dtype).min)
    return jnp.einsum("bnts,bsnh->btnh", jnn.softmax(logits, axis=-1), value)


@op
def ctc_loss(target: Tensor, output: Tensor, target_length: Tensor, output_length: Tensor,
             mask_index: int = 0) -> jax.Array:
    """The CTC loss per sequence of integer `target` labels and `output` logits
    `(batch, time, classes)` (`optax.ctc_loss`; `mask_index` is the blank class)."""
    target = jnp.asarray(target).astype(jnp.int32)
    output = jnp.asarray(output, jnp.result_type(output, jnp.float32))
    steps, labels = jnp.arange(output.shape[1]), jnp.arange(target.shape[1])
    logit_pad = (steps[None, :] >= jnp.asarray(output_length)[:, None]).astype(output.dtype)
    label_pad = (labels[None, :] >= jnp.asarray(target_length)[:, None]).astype(output.dtype)
    return optax.ctc_loss(output, logit_pad, target, label_pad, blank_id=mask_index)


@op
def ctc_decode(inputs: Tensor, sequence_lengths: Tensor, strategy: str = "greedy",
               beam_width: int = 100, top_paths: int = 1, merge_repeated: bool = True,
               mask_index: int = 0) -> tuple[jax.Array, jax.Array]:
    """Greedy CTC decoding: `(decoded, scores)`, `decoded` of shape `(1, batch, time)`
    padded with -1, `scores` the negative sum of the chosen log-probabilities."""
    if strategy != "greedy":
        raise ValueError(f"ctc_decode supports strategy='greedy' only, but received "
                         f"{strategy!r}. Lamina has no beam-search CTC decoder.")
    x = jnp.asarray(inputs, jnp.result_type(inputs, jnp.float32))
    batch, steps, _ = x.shape
    indices, scores = jnp.argmax(x, axis=-1), jnp.max(x, axis=-1)
    beyond = jnp.arange(steps)[None, :] >= jnp.asarray(sequence_lengths)[:, None]
    indices = jnp.where(beyond, mask_index, indices)
    scores = jnp.where(beyond, 0.0, scores)
    if merge_repeated:
        repeated = jnp.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = jnp.where(repeated, mask_index, indices)
    blank = indices == mask_index
    order = jnp.argsort(jnp.where(blank, steps, jnp.arange(steps)[None, :]), axis=-1)
    decoded = jnp.take_along_axis(jnp.where(blank, -1, indices), order, axis=-1)
    return decoded[None].astype(jnp.int32), -jnp.sum(scores, axis=1)[:, None]

