"""N-d convolution, channels last, whose gradients are channels-last convolutions too.

XLA:CPU runs a convolution fast (Eigen or YNNPACK) only when its dimensions are in
canonical order: input `(batch, *spatial, features)`, kernel `(*spatial, in, out)`,
output `(batch, *spatial, features)`. Its `ConvCanonicalization` pass rewrites other
orders into that one, but only in the entry computation of a program, not inside the
body of a loop. The gradients JAX derives for a canonical convolution are not canonical
(the filter gradient treats the batch axis as the features, the input gradient swaps the
kernel's in and out axes), so inside the compiled loop over an epoch they fall to XLA's
naive loop nest: a convolutional training step ran 4-10x slower in a `fori_loop` than
jitted on its own (benchmarks/RESULTS.md, issue 9).

`conv` computes the same values as `lax.conv_general_dilated`, with a custom VJP that
writes both gradients as canonical convolutions of explicitly transposed operands, so a
step runs at the same speed inside the epoch loop as outside it.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Sequence

import jax
import jax.numpy as jnp
from jax import lax

Array = Any
Pads = tuple  # ((lo, hi), ...) per spatial axis


def _dimension_numbers(rank: int) -> tuple[str, str, str]:
    spatial = "DHW"[3 - rank:] if rank <= 3 else "".join(chr(65 + i) for i in range(rank))
    return ("N" + spatial + "C", spatial + "IO", "N" + spatial + "C")


def _dilate(sizes: Sequence[int], dilation: Sequence[int]) -> list[int]:
    return [0 if s == 0 else 1 + d * (s - 1) for s, d in zip(sizes, dilation)]


def explicit_padding(padding: Any, in_sizes: Sequence[int], kernel_sizes: Sequence[int],
                     strides: Sequence[int], rhs_dilation: Sequence[int]) -> Pads:
    """`"VALID"`, `"SAME"` (TensorFlow's rule: the odd pixel at the end) or pairs, as
    `((lo, hi), ...)`.

    Example:
        >>> explicit_padding("SAME", (5, 6), (3, 3), (2, 2), (1, 1))
        ((1, 1), (0, 1))
    """
    if isinstance(padding, str):
        window = _dilate(kernel_sizes, rhs_dilation)
        pads = lax.padtype_to_pads(tuple(in_sizes), tuple(window), tuple(strides), padding)
        return tuple((int(lo), int(hi)) for lo, hi in pads)
    return tuple((int(lo), int(hi)) for lo, hi in padding)


def conv(x: Array, kernel: Array, strides: Sequence[int], padding: Any, *,
         lhs_dilation: Sequence[int] | None = None,
         rhs_dilation: Sequence[int] | None = None, groups: int = 1) -> Array:
    """`lax.conv_general_dilated` on `(batch, *spatial, channels)` inputs and
    `(*kernel_size, channels // groups, filters)` kernels, differentiable into
    canonical convolutions (see the module docstring).

    Args:
        x: the inputs, channels last.
        kernel: the kernel, `(*kernel_size, in_channels // groups, out_channels)`.
        strides: the window strides, one per spatial axis.
        padding: `"VALID"`, `"SAME"` or `((lo, hi), ...)` per spatial axis.
        lhs_dilation: the input dilation (transposed convolutions), default 1s.
        rhs_dilation: the kernel dilation (atrous convolutions), default 1s.
        groups: the number of feature groups.

    Returns:
        `(batch, *out_spatial, out_channels)`.

    Example:
        >>> x = jnp.arange(5.0).reshape(1, 5, 1)
        >>> conv(x, jnp.ones((3, 1, 1)), (1,), "VALID")[0, :, 0].tolist()
        [3.0, 6.0, 9.0]
        >>> jax.grad(lambda k: conv(x, k, (1,), "VALID").sum())(jnp.ones((3, 1, 1))).ravel().tolist()
        [3.0, 6.0, 9.0]
    """
    rank = x.ndim - 2
    ones = (1,) * rank
    strides = tuple(int(s) for s in strides)
    lhs_dilation = tuple(lhs_dilation or ones)
    rhs_dilation = tuple(rhs_dilation or ones)
    in_sizes = _dilate(x.shape[1:-1], lhs_dilation)
    pads = explicit_padding(padding, in_sizes, kernel.shape[:rank], strides, rhs_dilation)
    return _conv(x, kernel, strides, pads, lhs_dilation, rhs_dilation, int(groups))


def _plain(x: Array, kernel: Array, strides: tuple, pads: Pads, lhs_dilation: tuple,
           rhs_dilation: tuple, groups: int, batch_groups: int = 1) -> Array:
    return lax.conv_general_dilated(
        x, kernel, strides, pads, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
        dimension_numbers=_dimension_numbers(x.ndim - 2), feature_group_count=groups,
        batch_group_count=batch_groups)


@partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5, 6))
def _conv(x: Array, kernel: Array, strides: tuple, pads: Pads, lhs_dilation: tuple,
          rhs_dilation: tuple, groups: int) -> Array:
    return _plain(x, kernel, strides, pads, lhs_dilation, rhs_dilation, groups)


def _conv_fwd(x: Array, kernel: Array, strides: tuple, pads: Pads, lhs_dilation: tuple,
              rhs_dilation: tuple, groups: int) -> tuple:
    return _plain(x, kernel, strides, pads, lhs_dilation, rhs_dilation, groups), (x, kernel)


def _conv_bwd(strides: tuple, pads: Pads, lhs_dilation: tuple, rhs_dilation: tuple,
              groups: int, residuals: tuple, g: Array) -> tuple:
    x, kernel = residuals
    return (_input_grad(g, kernel, x.shape, strides, pads, lhs_dilation, rhs_dilation,
                        groups),
            _kernel_grad(g, x, kernel.shape, strides, pads, lhs_dilation, rhs_dilation,
                         groups))


_conv.defvjp(_conv_fwd, _conv_bwd)


def _input_grad(g: Array, kernel: Array, x_shape: tuple, strides: tuple, pads: Pads,
                lhs_dilation: tuple, rhs_dilation: tuple, groups: int) -> Array:
    """The gradient with respect to the input: a convolution of `g` with the flipped
    kernel, its in and out axes swapped in memory (so the kernel stays `(*k, in, out)`)."""
    rank = g.ndim - 2
    ksize = kernel.shape[:rank]
    in_sizes = _dilate(x_shape[1:-1], lhs_dilation)
    window = _dilate(ksize, rhs_dilation)
    out_sizes = _dilate(g.shape[1:-1], strides)
    before = [w - lo - 1 for w, (lo, _) in zip(window, pads)]
    after = [i + w - 1 - o - b for i, w, o, b in zip(in_sizes, window, out_sizes, before)]
    cin_g, cout = kernel.shape[-2], kernel.shape[-1]
    # (*k, in/G, G, out/G) -> (*k, out/G, G, in/G) -> (*k, out/G, in): group by group.
    swapped = kernel.reshape(ksize + (cin_g, groups, cout // groups))
    axes = tuple(range(rank)) + (rank + 2, rank + 1, rank)
    swapped = jnp.transpose(swapped, axes).reshape(ksize + (cout // groups, groups * cin_g))
    flipped = jnp.flip(swapped, axis=tuple(range(rank)))
    return _plain(g, flipped, lhs_dilation, tuple(zip(before, after)), strides,
                  rhs_dilation, groups)


def _kernel_grad(g: Array, x: Array, kernel_shape: tuple, strides: tuple, pads: Pads,
                 lhs_dilation: tuple, rhs_dilation: tuple, groups: int) -> Array:
    """The gradient with respect to the kernel: the input with its channels as the batch
    and its batch as the features, convolved with `g` as a `(*spatial, batch, out)`
    kernel; the result's batch axis is the kernel's input-channel axis."""
    rank = g.ndim - 2
    in_sizes = _dilate(x.shape[1:-1], lhs_dilation)
    window = _dilate(kernel_shape[:rank], rhs_dilation)
    out_sizes = _dilate(g.shape[1:-1], strides)
    lows = [lo for lo, _ in pads]
    highs = [(o - i) + (w - lo - 1) for o, i, w, lo in zip(out_sizes, in_sizes, window, lows)]
    xt = jnp.moveaxis(jnp.moveaxis(x, -1, 0), 1, -1)   # (C, *spatial, N)
    gt = jnp.moveaxis(g, 0, -2)                        # (*spatial, N, O)
    out = _plain(xt, gt, rhs_dilation, tuple(zip(lows, highs)), lhs_dilation, strides,
                 1, groups)                            # (C / G, *k, O)
    return jnp.moveaxis(out, 0, -2).astype(g.dtype)
