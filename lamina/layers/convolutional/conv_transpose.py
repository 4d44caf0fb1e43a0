"""Transposed convolutions: `Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`.

A transposed convolution is the gradient of a convolution with respect to its input:
the input is dilated by `strides` and convolved with the flipped kernel, so a stride of
2 doubles the size. Keras's rule fixes the output size: with `padding="valid"`,
`(n - 1) * strides + kernel` (at least `n * strides`), with `padding="same"`,
`n * strides`; `output_padding` adds rows at the end.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import registry
from lamina.core import convolution
from lamina.layers import _spatial as spatial
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.convolutional.base_conv import ConvCommon, positive_int


def transpose_padding(kernel: int, stride: int, dilation: int, padding: str,
                      output_padding: int | None) -> tuple[int, int]:
    """The `(lo, hi)` padding of the dilated input that gives Keras's output size.

    Example:
        >>> transpose_padding(3, 2, 1, "same", None), transpose_padding(3, 2, 1, "valid", None)
        ((2, 1), (2, 2))
    """
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = stride + span - 2 if output_padding is None else \
        span + span % 2 - 2 + output_padding
    lo = min(total // 2 + total % 2, span - 1)
    return lo, total - lo


def transpose_output_size(size: int | None, kernel: int, stride: int, dilation: int,
                          padding: str, output_padding: int | None) -> int | None:
    """Keras's output length of a transposed convolution.

    Example:
        >>> transpose_output_size(7, 3, 2, 1, "same", None), transpose_output_size(7, 3, 2, 1, "valid", None)
        (14, 15)
    """
    if size is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return (size - 1) * stride + span + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + span % 2 + output_padding


class BaseConvTranspose(ConvCommon):
    """An N-d transposed convolution, as Keras's `Conv*DTranspose`; the kernel has
    shape `(*kernel_size, filters, input_channels)`.

    Args:
        filters: the number of output channels.
        kernel_size: the window, an int or `rank` ints.
        strides: the upsampling factor, an int or `rank` ints.
        padding: `"valid"` or `"same"` (see the module docstring for the sizes).
        output_padding: extra rows at the end of each spatial axis, each less than its
            stride; None for Keras's default.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: the kernel's dilation (not with strides > 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as
            for `Conv2D`.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", output_padding: Any = None,
                 data_format: str | None = None, dilation_rate: Any = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.filters = positive_int(filters, "filters", who)
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self._forbid_strided_dilation()
        self.output_padding = None if output_padding is None else spatial.standardize_tuple(
            output_padding, self.rank, "output_padding", who, allow_zero=True)
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{who} needs each output_padding strictly less than its "
                             f"stride, but received output_padding={self.output_padding} "
                             f"and strides={self.strides}.")
        self._set_output(activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint)
        weight_spec.declare(self, "kernel", kernel_initializer, kernel_regularizer,
                            kernel_constraint)
        self.kernel = None

    def _check_fits(self, shape: tuple) -> None:
        pass  # a transposed convolution takes inputs of any size

    def build(self, input_shape: Any) -> None:
        channels = self._checked_build_input(input_shape)
        self.kernel = weight_spec.add(self, "kernel",
                                      self.kernel_size + (self.filters, channels))
        if self.use_bias:
            self.bias = weight_spec.add(self, "bias", (self.filters,))
        self.built = True

    def _output_paddings(self) -> list:
        return [None] * self.rank if self.output_padding is None else list(self.output_padding)

    def convolve(self, x: Any) -> Any:
        pads = [transpose_padding(k, s, d, self.padding, p) for k, s, d, p in zip(
            self.kernel_size, self.strides, self.dilation_rate, self._output_paddings())]
        kernel = jnp.flip(self.kernel.value, axis=tuple(range(self.rank)))
        kernel = jnp.swapaxes(kernel, -1, -2)  # (*k, in, filters)
        return convolution.conv(x, kernel, (1,) * self.rank, pads,
                                lhs_dilation=self.strides, rhs_dilation=self.dilation_rate)

    def output_spatial(self, sizes: tuple) -> list:
        return [transpose_output_size(n, k, s, d, self.padding, p) for n, k, s, d, p in zip(
            sizes, self.kernel_size, self.strides, self.dilation_rate,
            self._output_paddings())]

    def output_channels(self, in_channels: int) -> int:
        return self.filters

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(filters=self.filters, output_padding=None if self.output_padding is None
                      else list(self.output_padding))
        return config


@registry.register_serializable("lamina.layers")
class Conv1DTranspose(BaseConvTranspose):
    """A 1-D transposed convolution, as `keras.layers.Conv1DTranspose` (see
    `BaseConvTranspose`).

    Example:
        >>> import numpy as np
        >>> layer = Conv1DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.ones((2, 5, 3))).shape, layer.kernel.shape
        ((2, 10, 4), (3, 4, 3))
    """

    rank = 1


@registry.register_serializable("lamina.layers")
class Conv2DTranspose(BaseConvTranspose):
    """A 2-D transposed convolution (an upsampling convolution of images), as
    `keras.layers.Conv2DTranspose` (see `BaseConvTranspose`).

    Example:
        >>> import numpy as np
        >>> Conv2DTranspose(8, 3, strides=2)(np.ones((2, 7, 7, 16))).shape
        (2, 15, 15, 8)
        >>> Conv2DTranspose(8, 3, strides=2, padding="same")(np.ones((2, 7, 7, 16))).shape
        (2, 14, 14, 8)
    """

    rank = 2


@registry.register_serializable("lamina.layers")
class Conv3DTranspose(BaseConvTranspose):
    """A 3-D transposed convolution, as `keras.layers.Conv3DTranspose` (see
    `BaseConvTranspose`).

    Example:
        >>> import numpy as np
        >>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 3, 3, 3, 4))).shape
        (1, 6, 6, 6, 2)
    """

    rank = 3
