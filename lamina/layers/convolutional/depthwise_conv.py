"""Depthwise convolutions: `DepthwiseConv1D`, `DepthwiseConv2D`.

Each input channel is convolved with its own `depth_multiplier` filters (a grouped
convolution with one group per channel); output channel `c * depth_multiplier + m` is
filter `m` of channel `c`, as in Keras.
"""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.core import convolution
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.convolutional.base_conv import ConvCommon, positive_int


def depthwise(x: Any, kernel: Any, strides: tuple, padding: str, dilation: tuple) -> Any:
    """A depthwise convolution of channels-last `x` with a `(*k, channels, multiplier)`
    kernel."""
    rank = x.ndim - 2
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    grouped = kernel.reshape(kernel.shape[:rank] + (1, channels * multiplier))
    return convolution.conv(x, grouped, strides, padding.upper(), rhs_dilation=dilation,
                            groups=channels)


class BaseDepthwiseConv(ConvCommon):
    """An N-d depthwise convolution, as Keras's `DepthwiseConv*D`.

    Args:
        kernel_size: the window, an int or `rank` ints.
        strides: the step of the window.
        padding: `"valid"` or `"same"`.
        depth_multiplier: the number of filters per input channel.
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: the kernel's dilation.
        activation, use_bias: as for `Conv2D`.
        depthwise_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        depthwise_regularizer, bias_regularizer, activity_regularizer: penalties.
        depthwise_constraint, bias_constraint: projections applied after each update.

    The kernel, `(*kernel_size, channels, depth_multiplier)`, is `depthwise_kernel`
    (tf.keras's name), also reachable as `kernel` (Keras 3's).
    """

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None,
                 dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier",
                                             type(self).__name__)
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self._set_output(activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint)
        weight_spec.declare(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                            depthwise_constraint)
        self.depthwise_kernel = None

    @property
    def kernel(self) -> Any:
        return self.depthwise_kernel

    def build(self, input_shape: Any) -> None:
        channels = self._checked_build_input(input_shape)
        self.depthwise_kernel = weight_spec.add(
            self, "depthwise", self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel")
        if self.use_bias:
            self.bias = weight_spec.add(self, "bias", (channels * self.depth_multiplier,))
        self.built = True

    def convolve(self, x: Any) -> Any:
        return depthwise(x, self.depthwise_kernel.value, self.strides, self.padding,
                         self.dilation_rate)

    def output_channels(self, in_channels: int) -> int:
        return in_channels * self.depth_multiplier

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["depth_multiplier"] = self.depth_multiplier
        return config


@registry.register_serializable("lamina.layers")
class DepthwiseConv1D(BaseDepthwiseConv):
    """A 1-D depthwise convolution, as `keras.layers.DepthwiseConv1D` (see
    `BaseDepthwiseConv`).

    Example:
        >>> import numpy as np
        >>> layer = DepthwiseConv1D(3, depth_multiplier=2)
        >>> layer(np.ones((2, 8, 4))).shape, layer.depthwise_kernel.shape
        ((2, 6, 8), (3, 4, 2))
    """

    rank = 1


@registry.register_serializable("lamina.layers")
class DepthwiseConv2D(BaseDepthwiseConv):
    """A 2-D depthwise convolution, as `keras.layers.DepthwiseConv2D` (MobileNet's
    building block; see `BaseDepthwiseConv`).

    Example:
        >>> import numpy as np
        >>> layer = DepthwiseConv2D(3, padding="same")
        >>> layer(np.ones((2, 8, 8, 4))).shape, layer.kernel.shape
        ((2, 8, 8, 4), (3, 3, 4, 1))
    """

    rank = 2
