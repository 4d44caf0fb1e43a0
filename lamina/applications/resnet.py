"""ResNet50 (He et al., 2015) as `keras.applications.resnet` builds it: the same layer
names (`conv1_conv`, `conv2_block1_0_conv`, ..., `predictions`), shapes and parameter
counts, so Keras's weight files load."""
from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications.imagenet_utils import decode_predictions
from lamina.backend import KerasTensor
from lamina.models import Model

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
_FILES = {
    True: _common.ImagenetFile("resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                               _BASE + "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                               "2cb95161c43110f7111970584f804107"),
    False: _common.ImagenetFile("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                _BASE + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                "4d473c1dd8becc155b73f8504c6f6626"),
}
_EPSILON = 1.001e-5


def _bn(x: KerasTensor, name: str) -> KerasTensor:
    return layers.BatchNormalization(axis=_common.channel_axis(), epsilon=_EPSILON,
                                     name=name)(x)


def residual_block(x: KerasTensor, filters: int, kernel_size: int = 3, stride: int = 1,
                   conv_shortcut: bool = True, name: str = "block") -> KerasTensor:
    """A bottleneck block of ResNet v1: 1x1 (`filters`), `kernel_size` (`filters`),
    1x1 (`4 * filters`) convolutions, each with BatchNormalization, added to the
    shortcut (a strided 1x1 convolution, or the input itself)."""
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(shortcut, f"{name}_0_bn")
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = _bn(x, f"{name}_1_bn")
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = _bn(x, f"{name}_2_bn")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(x, f"{name}_3_bn")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack(x: KerasTensor, filters: int, blocks: int, stride1: int = 2,
          name: str = "conv") -> KerasTensor:
    """`blocks` residual blocks, the first with a convolution shortcut and stride
    `stride1` (`{name}_block1` ... `{name}_block{blocks}`)."""
    x = residual_block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "resnet50") -> Model:
    """The ResNet50 network, as `keras.applications.ResNet50`.

    A 7x7 convolution (`conv1_conv`) and max pooling (`pool1_pool`), then four stacks
    of 3, 4, 6 and 3 bottleneck blocks (`conv2_block1_...` to `conv5_block3_out`),
    then, with the top, `avg_pool` and `predictions`. Default input: 224x224x3; the
    smallest: 32x32.

    Args:
        include_top: whether to end with global average pooling and the classifier.
        weights: None (random), `"imagenet"` (Keras's file, which must be in
            `~/.keras/models/`), or the path of a weights file (Lamina's, or Keras's
            `.h5` / `.weights.h5`).
        input_tensor: a tensor from `keras.Input()` to build the model on.
        input_shape: the image shape without the batch, when `include_top=False`.
        pooling: with `include_top=False`: None, `"avg"` (`avg_pool`) or `"max"`
            (`max_pool`).
        classes: the number of classes, with the top and without ImageNet weights.
        classifier_activation: the activation of `predictions` (None: logits).
        name: the model's name.

    Returns:
        A functional `Model`.

    Example:
        >>> import lamina as keras
        >>> model = keras.applications.ResNet50(weights=None, include_top=False,
        ...                                     input_shape=(32, 32, 3), pooling="avg")
        >>> model.output_shape, model.count_params()
        ((None, 2048), 23587712)
    """
    img_input, path = _common.start(
        weights=weights, include_top=include_top, classes=classes, pooling=pooling,
        classifier_activation=classifier_activation, input_tensor=input_tensor,
        input_shape=input_shape, default_size=224, min_size=32, files=_FILES)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = _bn(x, "conv1_bn")
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack(x, 64, 3, stride1=1, name="conv2")
    x = stack(x, 128, 4, name="conv3")
    x = stack(x, 256, 6, name="conv4")
    x = stack(x, 512, 3, name="conv5")
    x = _common.finish(x, include_top=include_top, pooling=pooling, classes=classes,
                       classifier_activation=classifier_activation,
                       top_pool_name="avg_pool", pool_names=("avg_pool", "max_pool"))
    model = _common.make_model(img_input, input_tensor, x, name)
    return _common.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Images in [0, 255] as ResNet50 expects them: RGB to BGR, then each channel minus
    ImageNet's mean ("caffe" mode of `imagenet_utils.preprocess_input`).

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([[[[10.0, 20.0, 30.0]]]]))[0, 0, 0].round(3).tolist()
        [-73.939, -96.779, -113.68]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
