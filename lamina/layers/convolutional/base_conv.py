"""The one N-d convolution behind `Conv1D`, `Conv2D` and `Conv3D`, and `ConvCommon`: what
every convolution layer shares (the window arguments, the input checks, the bias, the
activation and the channels_first round trip).

Every convolution runs channels last, through `lamina.core.convolution.conv`, whose
gradients stay fast inside the compiled loop over an epoch; a `channels_first` layer
transposes its input and output around it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import jax.numpy as jnp
import numpy as np

from lamina import activations, registry
from lamina.core import convolution
from lamina.layers import _spatial as spatial
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.layer import Layer


class ConvCommon(Layer, ABC):
    """The arguments, checks and finishing steps shared by the convolution layers.

    Subclasses set `rank`, call `_set_window` and `_set_output` in `__init__`, make
    their weights in `build` after `_checked_build_input`, and compute in
    `convolve(x)` on channels-last inputs; `output_spatial` and `output_channels`
    give the output shape.
    """

    rank: int = 2

    def _set_window(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any,
                    dilation_rate: Any, *, allow_causal: bool = False) -> None:
        who = type(self).__name__
        self.kernel_size = spatial.standardize_tuple(kernel_size, self.rank, "kernel_size",
                                                     who)
        self.strides = spatial.standardize_tuple(strides, self.rank, "strides", who)
        self.padding = spatial.standardize_padding(padding, who, allow_causal=allow_causal)
        self.data_format = spatial.standardize_data_format(data_format, who)
        self.dilation_rate = spatial.standardize_tuple(dilation_rate, self.rank,
                                                       "dilation_rate", who)

    def _forbid_strided_dilation(self) -> None:
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{type(self).__name__} cannot combine strides > 1 with "
                             f"dilation_rate > 1, but received strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}. Keep one of them at 1.")

    def _set_output(self, activation: Any, use_bias: bool, bias_initializer: Any,
                    bias_regularizer: Any, bias_constraint: Any) -> None:
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        weight_spec.declare(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.bias = None

    # -- inputs ---------------------------------------------------------------------
    def _window_text(self) -> str:
        text = f"kernel_size={self.kernel_size}"
        if max(self.dilation_rate) > 1:
            text += f", dilation_rate={self.dilation_rate}"
        return text

    def _check_fits(self, shape: tuple) -> None:
        windows = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        spatial.check_window_fits(shape, windows, self.padding, self.rank, self.data_format,
                                  type(self).__name__, self.name, self._window_text())

    def _checked_build_input(self, input_shape: Any) -> int:
        """Check the input shape of `build`; return its number of channels."""
        who = type(self).__name__
        shape = spatial.check_input_rank(input_shape, self.rank, who, self.name,
                                         self.data_format)
        self._check_fits(shape)
        spatial.check_channel_axis(shape, self.rank, self.data_format, who, self.name)
        self._in_channels = int(spatial.channels_of(shape, self.data_format))
        return self._in_channels

    def _checked_call_input(self, inputs: Any) -> Any:
        """The inputs, checked against the built layer, channels last, as floats."""
        spatial.check_channels(inputs.shape, self._in_channels, self.rank, self.data_format,
                               type(self).__name__, self.name)
        self._check_fits(tuple(inputs.shape))
        if not jnp.issubdtype(inputs.dtype, jnp.floating):
            inputs = inputs.astype(self.dtype)
        return spatial.to_channels_last(inputs, self.data_format)

    # -- compute --------------------------------------------------------------------
    @abstractmethod
    def convolve(self, x: Any) -> Any:
        """The family's convolution of channels-last `x` (before bias and activation)."""

    def call(self, inputs: Any) -> Any:
        y = self.convolve(self._checked_call_input(inputs))
        if self.use_bias:
            y = y + self.bias.value
        return self.activation(spatial.from_channels_last(y, self.data_format))

    # -- shapes and config ----------------------------------------------------------
    def output_spatial(self, sizes: tuple) -> list:
        return [spatial.window_output_size(s, k, st, self.padding, d) for s, k, st, d in
                zip(sizes, self.kernel_size, self.strides, self.dilation_rate)]

    @abstractmethod
    def output_channels(self, in_channels: int) -> int:
        """The number of output channels for `in_channels` input channels."""

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = tuple(input_shape)
        sizes = spatial.spatial_dims(shape, self.data_format)
        channels = self.output_channels(spatial.channels_of(shape, self.data_format))
        return spatial.with_spatial(shape, self.output_spatial(sizes), channels,
                                    self.data_format)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(kernel_size=list(self.kernel_size), strides=list(self.strides),
                      padding=self.padding, data_format=self.data_format,
                      dilation_rate=list(self.dilation_rate),
                      activation=activations.serialize(self.activation),
                      use_bias=self.use_bias, **weight_spec.config(self))
        return config


def positive_int(value: Any, name: str, who: str) -> int:
    """`value` as a positive int, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{who} needs a positive integer for `{name}`, but received "
                         f"{name}={value!r}. Use e.g. {who}({name}=32, ...).")
    return int(value)


class BaseConv(ConvCommon):
    """An N-d convolution layer (cross-correlation, as in Keras):
    `activation(conv(inputs, kernel) + bias)`; `Conv1D`, `Conv2D` and `Conv3D` only fix
    `rank`.

    Args:
        filters: the number of output channels.
        kernel_size: the window, an int or `rank` ints.
        strides: the step of the window, an int or `rank` ints (not with dilation).
        padding: `"valid"` (no padding), `"same"` (the output is `ceil(input /
            strides)` long) or, for `Conv1D`, `"causal"` (padded on the left only).
        data_format: `"channels_last"` (default) or `"channels_first"`.
        dilation_rate: the kernel's dilation, an int or `rank` ints.
        groups: split the input channels into this many groups, each convolved with
            `filters // groups` filters.
        activation: the activation, linear when None.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (glorot_uniform, zeros).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = type(self).__name__
        self.filters = positive_int(filters, "filters", who)
        self.groups = positive_int(groups, "groups", who)
        if self.filters % self.groups:
            raise ValueError(f"{who} needs filters divisible by groups, but received "
                             f"filters={self.filters} and groups={self.groups}.")
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate,
                         allow_causal=self.rank == 1)
        self._forbid_strided_dilation()
        self._set_output(activation, use_bias, bias_initializer, bias_regularizer,
                         bias_constraint)
        weight_spec.declare(self, "kernel", kernel_initializer, kernel_regularizer,
                            kernel_constraint)
        self.kernel = None

    def build(self, input_shape: Any) -> None:
        channels = self._checked_build_input(input_shape)
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' has groups="
                             f"{self.groups}, which must divide the input channels, but "
                             f"its inputs have {channels} channels.")
        self.kernel = weight_spec.add(
            self, "kernel", self.kernel_size + (channels // self.groups, self.filters))
        if self.use_bias:
            self.bias = weight_spec.add(self, "bias", (self.filters,))
        self.built = True

    def convolve(self, x: Any) -> Any:
        padding: Any = self.padding.upper()
        if self.padding == "causal":
            padding = [((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)]
        return convolution.conv(x, self.kernel.value, self.strides, padding,
                                rhs_dilation=self.dilation_rate, groups=self.groups)

    def output_channels(self, in_channels: int) -> int:
        return self.filters

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(filters=self.filters, groups=self.groups)
        return config


@registry.register_serializable("lamina.layers")
class Conv1D(BaseConv):
    """A 1-D convolution over `(batch, steps, channels)`, as `keras.layers.Conv1D`
    (see `BaseConv` for the arguments; `padding="causal"` looks only backwards).

    Example:
        >>> import numpy as np
        >>> layer = Conv1D(4, 3, padding="causal")
        >>> layer(np.ones((2, 10, 3))).shape, layer.kernel.shape
        ((2, 10, 4), (3, 3, 4))
    """

    rank = 1


@registry.register_serializable("lamina.layers")
class Conv2D(BaseConv):
    """A 2-D convolution over images `(batch, height, width, channels)`, as
    `keras.layers.Conv2D` (see `BaseConv` for the arguments).

    Example:
        >>> import numpy as np
        >>> layer = Conv2D(8, (3, 3), activation="relu")
        >>> layer(np.ones((2, 28, 28, 1))).shape, layer.kernel.shape
        ((2, 26, 26, 8), (3, 3, 1, 8))
        >>> Conv2D(8, 3, strides=2, padding="same")(np.ones((2, 28, 28, 1))).shape
        (2, 14, 14, 8)
    """

    rank = 2


@registry.register_serializable("lamina.layers")
class Conv3D(BaseConv):
    """A 3-D convolution over volumes `(batch, depth, height, width, channels)`, as
    `keras.layers.Conv3D` (see `BaseConv` for the arguments).

    Example:
        >>> import numpy as np
        >>> Conv3D(2, 3)(np.ones((1, 5, 6, 7, 1))).shape
        (1, 3, 4, 5, 2)
    """

    rank = 3
