"""What the image preprocessing layers share: batched or single images in either
data_format, float outputs, and Keras's `factor` arguments.

Every layer works on a channels-last batch `(batch, height, width, channels)`; a single
image `(height, width, channels)` gets a batch axis for the call, and a
`channels_first` input is transposed around it.
"""
from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from typing import Any

import jax.numpy as jnp

from lamina.layers import _spatial as spatial
from lamina.layers._random_layer import RandomLayer
from lamina.layers.layer import Layer


def symmetric_factor(factor: Any, name: str, who: str, low: float = -1.0,
                     high: float = 1.0) -> tuple[float, float]:
    """Keras's `factor`: a number `f` means `(-f, f)`, a pair `(lower, upper)` is taken
    sorted; every bound within `[low, high]`."""
    if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        pair = (-abs(float(factor)), abs(float(factor)))
    elif isinstance(factor, (tuple, list)) and len(factor) == 2 and all(
            isinstance(f, numbers.Real) and not isinstance(f, bool) for f in factor):
        pair = tuple(sorted(float(f) for f in factor))
    else:
        pair = None
    if pair is None or pair[0] < low or pair[1] > high:
        raise ValueError(f"{who} needs `{name}` as a number or a (lower, upper) pair within "
                         f"[{low:g}, {high:g}], but received {name}={factor!r}. Use e.g. "
                         f"{name}=0.1 for the range (-0.1, 0.1).")
    return pair


def value_range_of(value_range: Any, who: str) -> tuple[float, float]:
    """`value_range` as a sorted `(low, high)` pair of numbers."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value_range):
        raise ValueError(f"{who} needs `value_range` as a pair (low, high) of the pixel "
                         f"values, e.g. (0, 255) or (0, 1), but received "
                         f"value_range={value_range!r}.")
    low, high = sorted(float(v) for v in value_range)
    return low, high


def check_choice(value: Any, name: str, choices: tuple, who: str) -> str:
    if value not in choices:
        raise ValueError(f"{who} needs `{name}` to be one of {list(choices)}, but received "
                         f"{name}={value!r}.")
    return value


class ImageInput:
    """Mixin: the input as a float channels-last batch, and the output back."""

    data_format: str

    def _image_batch(self, inputs: Any) -> tuple[Any, bool]:
        if inputs.ndim not in (3, 4):
            layout = spatial.layout(2, self.data_format)
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects images "  # type: ignore[attr-defined]
                             f"{layout} or a single image without the batch axis, but "
                             f"received inputs of shape {tuple(inputs.shape)}.")
        single = inputs.ndim == 3
        x = inputs[None] if single else inputs
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.float32)
        return spatial.to_channels_last(x, self.data_format), single

    def _image_output(self, y: Any, single: bool, inputs: Any) -> Any:
        y = spatial.from_channels_last(y, self.data_format)
        y = y[0] if single else y
        # A new array, so a mask attached to the inputs does not pass on (images have
        # no masks).
        return jnp.array(y, copy=True) if y is inputs else y

    def _sized_shape(self, input_shape: Any, height: int, width: int) -> tuple:
        """The input shape with its height and width replaced."""
        shape = list(input_shape)
        first = len(shape) - 3 if self.data_format == "channels_last" else len(shape) - 2
        shape[first:first + 2] = [height, width]
        return tuple(shape)


class ImageLayer(ImageInput, Layer, ABC):
    """A deterministic image layer: `transform(x)` on a float channels-last batch."""

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = spatial.standardize_data_format(data_format, type(self).__name__)

    @abstractmethod
    def transform(self, x: Any) -> Any:
        """The layer's output for a batch of images `x` (channels last)."""

    def call(self, inputs: Any) -> Any:
        x, single = self._image_batch(inputs)
        return self._image_output(self.transform(x), single, inputs)


class RandomImageLayer(ImageInput, RandomLayer):
    """An image augmentation: `augment(x, key)` while training, `infer(x)` (the image
    as it is, as floats) at inference. Keys come from the layer's `SeedGenerator`: in
    `fit`, from the step's key inside the compiled program."""

    def __init__(self, seed: int | None = None, data_format: str | None = None,
                 **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        self.data_format = spatial.standardize_data_format(data_format, type(self).__name__)
        self.supports_masking = False

    @abstractmethod
    def augment(self, x: Any, key: Any) -> Any:
        """The augmented batch of images `x` (channels last), drawing from `key`."""

    def noise(self, x: Any, key: Any) -> Any:
        return self.augment(x, key)

    def infer(self, x: Any) -> Any:
        return x

    def call(self, inputs: Any, training: bool = False) -> Any:
        x, single = self._image_batch(inputs)
        if training and not self.inactive():
            y = self.augment(x, self.seed_generator.next())
        else:
            y = self.infer(x)
        return self._image_output(y, single, inputs)
