"""VGG16 (Simonyan and Zisserman, 2014) as `keras.applications.vgg16` builds it: the
same layer names, shapes and parameter counts, so Keras's weight files load."""
from __future__ import annotations

from typing import Any

from lamina import layers
from lamina.applications import _common, imagenet_utils
from lamina.applications.imagenet_utils import decode_predictions
from lamina.models import Model

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
_FILES = {
    True: _common.ImagenetFile("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                               _BASE + "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
                               "64373286793e3c8b2b4e3219cbf3544b"),
    False: _common.ImagenetFile("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                _BASE + "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                                "6d6bbae143d832006294945121d1f1fc"),
}
# (filters, convolutions) of the five blocks
_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: Any = None, pooling: str | None = None, classes: int = 1000,
          classifier_activation: Any = "softmax", name: str = "vgg16") -> Model:
    """The VGG16 network, as `keras.applications.VGG16`.

    Five blocks of 3x3 convolutions (`block1_conv1` ... `block5_conv3`) each ending in
    a 2x2 max pooling (`block1_pool` ...), then, with the top, `flatten`, `fc1`, `fc2`
    (4096 units each) and `predictions`. Default input: 224x224x3; the smallest: 32x32.

    Args:
        include_top: whether to end with the three fully connected layers.
        weights: None (random), `"imagenet"` (Keras's file, which must be in
            `~/.keras/models/`), or the path of a weights file (Lamina's, or Keras's
            `.h5` / `.weights.h5`).
        input_tensor: a tensor from `keras.Input()` to build the model on.
        input_shape: the image shape without the batch, when `include_top=False`
            (with the top it must be `(224, 224, 3)`).
        pooling: with `include_top=False`: None (the 4D feature maps), `"avg"` or
            `"max"` (global pooling to a 2D tensor).
        classes: the number of classes, with the top and without ImageNet weights.
        classifier_activation: the activation of `predictions` (None: logits).
        name: the model's name.

    Returns:
        A functional `Model`.

    Example:
        >>> import lamina as keras
        >>> model = keras.applications.VGG16(weights=None, include_top=False,
        ...                                  input_shape=(32, 32, 3))
        >>> model.output_shape, model.count_params()
        ((None, 1, 1, 512), 14714688)
    """
    img_input, path = _common.start(
        weights=weights, include_top=include_top, classes=classes, pooling=pooling,
        classifier_activation=classifier_activation, input_tensor=input_tensor,
        input_shape=input_shape, default_size=224, min_size=32, files=_FILES)
    x = img_input
    for block, (filters, convs) in enumerate(_BLOCKS, start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = _common.make_model(img_input, input_tensor, x, name)
    return _common.load(model, path)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Images in [0, 255] as VGG16 expects them: RGB to BGR, then each channel minus
    ImageNet's mean ("caffe" mode of `imagenet_utils.preprocess_input`).

    Example:
        >>> import numpy as np
        >>> preprocess_input(np.array([[[[10.0, 20.0, 30.0]]]]))[0, 0, 0].round(3).tolist()
        [-73.939, -96.779, -113.68]
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
