"""InceptionV3 (Szegedy et al., 2015) as `keras.applications.inception_v3` builds it:
the same layers in the same order (`conv2d`, `batch_normalization`, `activation`, ...
named automatically as Keras names them, and `mixed0` ... `mixed10`), shapes and
parameter counts, so Keras's weight files load."""
from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications.imagenet_utils import decode_predictions
from lamina.backend import KerasTensor
from lamina.models import Model

__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
_FILES = {
    True: _common.ImagenetFile("inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                               _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                               "9a0d58056eeedaa3f26cb7ebd46da564"),
    False: _common.ImagenetFile(
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63"),
}


def conv2d_bn(x: KerasTensor, filters: int, num_row: int, num_col: int,
              padding: str = "same", strides: tuple[int, int] = (1, 1),
              name: str | None = None) -> KerasTensor:
    """A convolution without bias, BatchNormalization without scale, and ReLU."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_pool(x: KerasTensor) -> KerasTensor:
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)


def _concat(branches: list[KerasTensor], name: str | None = None) -> KerasTensor:
    return layers.concatenate(branches, axis=_common.channel_axis(), name=name)


def _block_35(x: KerasTensor, pool_filters: int, name: str) -> KerasTensor:
    """mixed0-2: 1x1, 5x5, double 3x3 and pooled branches at 35x35."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    branch_pool = conv2d_bn(_avg_pool(x), pool_filters, 1, 1)
    return _concat([branch1x1, branch5x5, branch3x3dbl, branch_pool], name)


def _block_17(x: KerasTensor, filters: int, name: str) -> KerasTensor:
    """mixed4-7: 1x1, 7x7 factored in 1x7 and 7x1, doubled, and pooled branches."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, filters, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, filters, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, filters, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, filters, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = conv2d_bn(_avg_pool(x), 192, 1, 1)
    return _concat([branch1x1, branch7x7, branch7x7dbl, branch_pool], name)


def _block_8(x: KerasTensor, i: int) -> KerasTensor:
    """mixed9-10: 1x1, 3x3 split in 1x3 and 3x1, doubled, and pooled branches."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = _concat([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
                        f"mixed9_{i}")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = _concat([conv2d_bn(branch3x3dbl, 384, 1, 3),
                            conv2d_bn(branch3x3dbl, 384, 3, 1)])
    branch_pool = conv2d_bn(_avg_pool(x), 192, 1, 1)
    return _concat([branch1x1, branch3x3, branch3x3dbl, branch_pool], f"mixed{9 + i}")


def InceptionV3(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax",
                name: str = "inception_v3") -> Model:
    """The InceptionV3 network, as `keras.applications.InceptionV3`.

    A stem of five convolutions and two max poolings, eleven inception blocks
    (`mixed0` ... `mixed10`), then, with the top, `avg_pool` and `predictions`. Every
    convolution is followed by BatchNormalization (without scale) and ReLU. Default
    input: 299x299x3; the smallest: 75x75.

    Args:
        include_top: whether to end with global average pooling and the classifier.
        weights: None (random), `"imagenet"` (Keras's file, which must be in
            `~/.keras/models/`), or the path of a weights file (Lamina's, or Keras's
            `.h5` / `.weights.h5`).
        input_tensor: a tensor from `keras.Input()` to build the model on.
        input_shape: the image shape without the batch, when `include_top=False`.
        pooling: with `include_top=False`: None, `"avg"` or `"max"`.
        classes: the number of classes, with the top and without ImageNet weights.
        classifier_activation: the activation of `predictions` (None: logits).
        name: the model's name.

    Returns:
        A functional `Model`.

    Example:
        >>> import lamina as keras
        >>> model = keras.applications.InceptionV3(weights=None, include_top=False,
        ...                                        input_shape=(75, 75, 3))
        >>> model.output_shape, model.count_params()
        ((None, 1, 1, 2048), 21802784)
    """
    img_input, path = _common.start(
        weights=weights, include_top=include_top, classes=classes, pooling=pooling,
        classifier_activation=classifier_activation, input_tensor=input_tensor,
        input_shape=input_shape, default_size=299, min_size=75, files=_FILES)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _block_35(x, pool_filters, f"mixed{i}")
    # mixed3: 35x35 -> 17x17
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _concat([branch3x3, branch3x3dbl, branch_pool], "mixed3")
    for i, filters in enumerate((128, 160, 160, 192)):
        x = _block_17(x, filters, f"mixed{4 + i}")
    # mixed8: 17x17 -> 8x8
    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _concat([branch3x3, branch7x7x3, branch_pool], "mixed8")
    for i in range(2):
        x = _block_8(x, i)
    x = _common.finish(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation,
                       top_pool_name="avg_pool")
    model = _common.make_model(img_input, input_tensor, x, name)
    return _common.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Images in [0, 255] as InceptionV3 expects them: `x / 127.5 - 1`, in [-1, 1]
    ("tf" mode of `imagenet_utils.preprocess_input`).

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([0.0, 127.5, 255.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
