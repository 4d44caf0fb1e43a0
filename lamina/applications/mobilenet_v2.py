"""MobileNetV2 (Sandler et al., 2018) as `keras.applications.mobilenet_v2` builds it:
the same layer names (`Conv1`, `expanded_conv_depthwise`, `block_1_expand`, ...,
`out_relu`), shapes and parameter counts, so Keras's weight files load."""
from __future__ import annotations

import warnings
from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications.imagenet_utils import decode_predictions
from lamina.backend import KerasTensor, image_data_format
from lamina.models import Model

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of blocks 0..16
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """`v` rounded to a multiple of `divisor`, never more than 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(x: KerasTensor, name: str) -> KerasTensor:
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)(x)


def _inverted_res_block(inputs: KerasTensor, expansion: int, stride: int, alpha: float,
                        filters: int, block_id: int) -> KerasTensor:
    """Expand (1x1), depthwise 3x3, project (1x1, linear); added to the input when the
    shapes agree."""
    in_channels = inputs.shape[_common.channel_axis()]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = _bn(x, f"{prefix}expand_BN")
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _bn(x, f"{prefix}depthwise_BN")
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _default_size(input_shape: Any, input_tensor: Any) -> int:
    """Keras's rule: a square input of a size ImageNet weights exist for keeps it;
    anything else defaults to 224."""
    first = image_data_format() == "channels_first"
    if input_shape is not None:
        rows, cols = (input_shape[1], input_shape[2]) if first else \
            (input_shape[0], input_shape[1])
    elif input_tensor is not None:
        rows, cols = (input_tensor.shape[2], input_tensor.shape[3]) if first else \
            (input_tensor.shape[1], input_tensor.shape[2])
    else:
        return 224
    return rows if rows == cols and rows in _SIZES else 224


def MobileNetV2(input_shape: Any = None, alpha: float = 1.0, include_top: bool = True,
                weights: Any = "imagenet", input_tensor: Any = None,
                pooling: str | None = None, classes: int = 1000,
                classifier_activation: Any = "softmax", name: str | None = None) -> Model:
    """The MobileNetV2 network, as `keras.applications.MobileNetV2`.

    A strided 3x3 convolution (`Conv1`), 17 inverted residual blocks
    (`expanded_conv_...`, `block_1_...` to `block_16_...`), a 1x1 convolution
    (`Conv_1`, 1280 filters) and `out_relu`, then, with the top, global average
    pooling and `predictions`. `alpha` scales the width of every layer. The model is
    named `mobilenetv2_{alpha:.2f}_{rows}` unless `name` is given.

    Args:
        input_shape: the image shape without the batch (default 224x224x3; the
            smallest 32x32).
        alpha: the width multiplier (ImageNet weights exist for 0.35, 0.5, 0.75, 1.0,
            1.3 and 1.4).
        include_top: whether to end with global average pooling and the classifier.
        weights: None (random), `"imagenet"` (Keras's file, which must be in
            `~/.keras/models/`), or the path of a weights file (Lamina's, or Keras's
            `.h5` / `.weights.h5`).
        input_tensor: a tensor from `keras.Input()` to build the model on.
        pooling: with `include_top=False`: None, `"avg"` or `"max"`.
        classes: the number of classes, with the top and without ImageNet weights.
        classifier_activation: the activation of `predictions` (None: logits).
        name: the model's name.

    Returns:
        A functional `Model`.

    Example:
        >>> import lamina as keras
        >>> model = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35,
        ...                                        weights=None, classes=10)
        >>> model.name, model.output_shape, model.count_params()
        ('mobilenetv2_0.35_32', (None, 10), 423018)
    """
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    _common.check_input_tensor(input_tensor)
    default_size = _default_size(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=image_data_format(), require_flatten=include_top, weights=weights)
    first = image_data_format() == "channels_first"
    rows = input_shape[1] if first else input_shape[0]
    cols = input_shape[2] if first else input_shape[1]
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError(f"ImageNet weights exist for alpha in {list(_ALPHAS)}, but received "
                             f"alpha={alpha}. Pass one of those, or weights=None.")
        if rows != cols or rows not in _SIZES:
            rows = 224
            warnings.warn(f"input_shape={input_shape} is undefined, not square, or not one of "
                          f"the sizes {list(_SIZES)}: the weights for 224x224 inputs are "
                          "loaded.", stacklevel=2)
    top = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
    path = _common.weights_path(weights, _common.ImagenetFile(file_name, _BASE + file_name,
                                                              None))
    img_input = _common.image_input(input_tensor, input_shape)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = _bn(x, "bn_Conv1")
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn(x, "Conv_1_bn")
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = _common.finish(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    model = _common.make_model(img_input, input_tensor, x, name)
    return _common.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Images in [0, 255] as MobileNetV2 expects them: `x / 127.5 - 1`, in [-1, 1]
    ("tf" mode of `imagenet_utils.preprocess_input`).

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([0.0, 127.5, 255.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
