"""Depthwise-separable convolutions: `SeparableConv1D`, `SeparableConv2D`.

A depthwise convolution (each channel with its own `depth_multiplier` filters) followed
by a pointwise (1x1) convolution that mixes the channels into `filters` outputs.
"""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.core import convolution
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.convolutional.base_conv import ConvCommon, positive_int
from lamina.layers.convolutional.depthwise_conv import depthwise


class BaseSeparableConv(ConvCommon):
    """An N-d depthwise-separable convolution, as Keras's `SeparableConv*D`.

    Args:
        filters: the number of output channels.
        kernel_size, strides, padding, data_format, dilation_rate: the depthwise
            window, as for `Conv2D`.
        depth_multiplier: the depthwise filters per input channel.
        activation, use_bias: as for `Conv2D`.
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers
            (glorot_uniform, glorot_uniform, zeros).
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer: penalties.
        depthwise_constraint, pointwise_constraint, bias_constraint: projections.

    Weights: `depthwise_kernel` `(*kernel_size, channels, depth_multiplier)`,
    `pointwise_kernel` `(1, ..., channels * depth_multiplier, filters)`, `bias`.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, depth_multiplier: int = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None,
                 pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None,
                 pointwise_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.filters = positive_int(filters, "filters", who)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", who)
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self._set_output(activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint)
        weight_spec.declare(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                            depthwise_constraint)
        weight_spec.declare(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                            pointwise_constraint)
        self.depthwise_kernel = None
        self.pointwise_kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._checked_build_input(input_shape)
        self.depthwise_kernel = weight_spec.add(
            self, "depthwise", self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel")
        self.pointwise_kernel = weight_spec.add(
            self, "pointwise", (1,) * self.rank + (channels * self.depth_multiplier,
                                                   self.filters), name="pointwise_kernel")
        if self.use_bias:
            self.bias = weight_spec.add(self, "bias", (self.filters,))
        self.built = True

    def convolve(self, x: Any) -> Any:
        y = depthwise(x, self.depthwise_kernel.value, self.strides, self.padding,
                      self.dilation_rate)
        return convolution.conv(y, self.pointwise_kernel.value, (1,) * self.rank, "VALID")

    def output_channels(self, in_channels: int) -> int:
        return self.filters

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(filters=self.filters, depth_multiplier=self.depth_multiplier)
        return config


@registry.register_serializable("lamina.layers")
class SeparableConv1D(BaseSeparableConv):
    """A 1-D depthwise-separable convolution, as `keras.layers.SeparableConv1D` (see
    `BaseSeparableConv`).

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv1D(6, 3)
        >>> layer(np.ones((2, 8, 4))).shape, layer.pointwise_kernel.shape
        ((2, 6, 6), (1, 4, 6))
    """

    rank = 1


@registry.register_serializable("lamina.layers")
class SeparableConv2D(BaseSeparableConv):
    """A 2-D depthwise-separable convolution, as `keras.layers.SeparableConv2D` (see
    `BaseSeparableConv`).

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv2D(8, 3, depth_multiplier=2, padding="same")
        >>> layer(np.ones((2, 8, 8, 3))).shape, layer.depthwise_kernel.shape
        ((2, 8, 8, 8), (3, 3, 3, 2))
    """

    rank = 2
