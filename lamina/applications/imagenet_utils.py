"""ImageNet helpers shared by the applications, as `keras.applications.imagenet_utils`:
`preprocess_input` (the "caffe", "tf" and "torch" modes), `decode_predictions` (the
1,000 class names from Keras's `imagenet_class_index.json`, read from disk, never
downloaded), and the input-shape rules every application follows.
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

from lamina import activations, ops
from lamina.backend import image_data_format
from lamina.utils.file_utils import keras_home

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                    "imagenet_class_index.json")
_CLASS_INDEX: dict[str, dict[str, list[str]]] = {}  # by path, read once each

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_MODES = ("caffe", "tf", "torch")
_FORMATS = ("channels_last", "channels_first")


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Scale a batch of images with values in [0, 255] as an ImageNet model expects.

    Modes, as Keras's:
    - `"caffe"` (VGG16, ResNet50): RGB to BGR, then each channel minus ImageNet's
      mean (103.939, 116.779, 123.68), without scaling.
    - `"tf"` (MobileNetV2, InceptionV3): `x / 127.5 - 1`, in [-1, 1].
    - `"torch"`: `x / 255`, then each channel normalized with ImageNet's mean and
      standard deviation.

    A float NumPy array is changed in place (and returned), as Keras does; other
    NumPy arrays are converted to float32 first; JAX arrays and symbolic tensors get
    a new array.

    Args:
        x: images, 3D (one image) or 4D (a batch), with 3 channels.
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `keras.backend.image_data_format()`.
        mode: `"caffe"`, `"tf"` or `"torch"`.

    Returns:
        The preprocessed images.

    Raises:
        ValueError: an unknown `mode` or `data_format`.

    Example:
        >>> import numpy as np
        >>> x = np.full((1, 2, 2, 3), 127.5)
        >>> float(preprocess_input(x.copy(), mode="tf").max())
        0.0
        >>> preprocess_input(np.array([[[[10.0, 20.0, 30.0]]]]))[0, 0, 0].round(3).tolist()
        [-73.939, -96.779, -113.68]
    """
    if mode not in _MODES:
        raise ValueError(f"preprocess_input: mode must be one of {list(_MODES)}, but received "
                         f"mode={mode!r}.")
    data_format = _data_format(data_format)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype("float32", copy=False)
        return _numpy(x, data_format, mode)
    return _tensor(x, data_format, mode)


def _data_format(data_format: str | None) -> str:
    if data_format is None:
        return image_data_format()
    if data_format not in _FORMATS:
        raise ValueError(f"data_format must be one of {list(_FORMATS)}, but received "
                         f"data_format={data_format!r}.")
    return data_format


def _channel_axis(ndim: int, data_format: str) -> int:
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(_TORCH_MEAN, shape).astype(x.dtype)
        x /= np.reshape(_TORCH_STD, shape).astype(x.dtype)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR: a view, written in place as Keras does
    x -= np.reshape(_CAFFE_MEAN, shape).astype(x.dtype)
    return x


def _tensor(x: Any, data_format: str, mode: str) -> Any:
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    if mode == "torch":
        mean, std = np.reshape(_TORCH_MEAN, shape), np.reshape(_TORCH_STD, shape)
        return (x / 255.0 - mean.astype("float32")) / std.astype("float32")
    return ops.flip(x, axis=axis) - np.reshape(_CAFFE_MEAN, shape).astype("float32")


def decode_predictions(preds: Any, top: int = 5, *,
                       class_index_path: str | None = None) -> list[list[tuple]]:
    """The `top` classes of each row of ImageNet predictions, as
    `(class_id, class_name, score)` tuples, best first.

    The class names come from Keras's `imagenet_class_index.json`, read from
    `class_index_path` or, by default, from `~/.keras/models/` (or
    `$KERAS_HOME/models/`), where Keras keeps it. Lamina never downloads it.

    Args:
        preds: an array of shape `(samples, 1000)`.
        top: how many classes to return for each sample.
        class_index_path: the JSON file mapping `"0"`..`"999"` to
            `[class_id, class_name]`.

    Returns:
        One list of tuples per sample.

    Raises:
        ValueError: `preds` is not of shape `(samples, 1000)`, or the file is not
            a class index.
        FileNotFoundError: the class index file is not there; the message says
            where to download it and where to put it.

    Example:
        >>> import json, os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "imagenet_class_index.json")
        >>> json.dump({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)},
        ...           open(path, "w"))
        >>> preds = np.zeros((1, 1000)); preds[0, 7] = 0.9; preds[0, 3] = 0.1
        >>> decode_predictions(preds, top=2, class_index_path=path)
        [[('n00000007', 'class_7', 0.9), ('n00000003', 'class_3', 0.1)]]
    """
    shape = tuple(np.shape(preds))
    if len(shape) != 2 or shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, an "
                         f"array of shape (samples, 1000), but received shape {shape}. Pass "
                         "the output of a model built with include_top=True and "
                         "classes=1000.")
    index = _class_index(class_index_path)
    preds = np.asarray(preds)
    results = []
    for pred in preds:
        best = np.argsort(pred, kind="stable")[-top:][::-1]
        rows = [tuple(index[str(i)]) + (float(pred[i]),) for i in best]
        rows.sort(key=lambda row: row[2], reverse=True)
        results.append(rows)
    return results


def _class_index(path: str | None) -> dict[str, list[str]]:
    path = os.fspath(path) if path is not None else os.path.join(keras_home(), "models",
                                                                 CLASS_INDEX_FILE)
    if path in _CLASS_INDEX:
        return _CLASS_INDEX[path]
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"decode_predictions needs ImageNet's class names, Keras's file "
            f"'{CLASS_INDEX_FILE}', but '{path}' does not exist. Lamina never downloads: "
            f"download it from {CLASS_INDEX_PATH} and save it as '{path}', or pass its "
            "location as class_index_path=.")
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f"'{path}' is not a readable JSON class index ({err}). Download it "
                         f"again from {CLASS_INDEX_PATH}.") from None
    if not isinstance(index, dict) or any(
            not isinstance(index.get(str(i)), list) or len(index[str(i)]) != 2
            for i in range(1000)):
        raise ValueError(f"'{path}' is not ImageNet's class index: it should map each of "
                         "'0'..'999' to [class_id, class_name], as the file at "
                         f"{CLASS_INDEX_PATH} does.")
    _CLASS_INDEX[path] = index
    return index


def obtain_input_shape(input_shape: Any, default_size: int, min_size: int,
                       data_format: str, require_flatten: bool,
                       weights: Any = None) -> tuple:
    """The input shape of an application: `input_shape` checked, or the default.

    As Keras's rule: with the top (`require_flatten`) and ImageNet weights the shape
    must be the default one; without a given shape the default is used with the
    top, and `(None, None, 3)` without it; sizes below `min_size` are refused.

    Args:
        input_shape: the shape the user gave (without the batch), or None.
        default_size: the size the model was trained at (224, 299).
        min_size: the smallest height and width the model takes.
        data_format: `"channels_last"` or `"channels_first"`.
        require_flatten: whether the model ends with its classifier (`include_top`).
        weights: None, `"imagenet"` or a path.

    Returns:
        The input shape, a tuple of three entries.

    Raises:
        ValueError: a shape that is not three entries, too small, without 3 channels
            for ImageNet weights, or not the default with the top and those weights.

    Example:
        >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
        (None, None, 3)
        >>> obtain_input_shape((64, 64, 3), 224, 32, "channels_last", require_flatten=False)
        (64, 64, 3)
    """
    channels_first = data_format == "channels_first"
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(f"This model usually expects 1 or 3 input channels, but received "
                          f"input_shape={input_shape} with {channels} channels.",
                          stacklevel=3)
        default_shape = (channels, default_size, default_size) if channels_first \
            else (default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if channels_first \
            else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"With include_top=True and weights='imagenet', input_shape must "
                             f"be {default_shape}, the size the classifier was trained at, "
                             f"but received input_shape={input_shape}. Drop input_shape, or "
                             "pass include_top=False to use other sizes.")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"input_shape must be three integers (height, width, channels) "
                             f"for {data_format}, but received input_shape={input_shape}.")
        channels = input_shape[0] if channels_first else input_shape[-1]
        size = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"ImageNet weights need 3 input channels, but received "
                             f"input_shape={input_shape}. Give images 3 channels (for "
                             "grey images, repeat the channel three times).")
        if any(s is not None and s < min_size for s in size):
            raise ValueError(f"The input size must be at least {min_size}x{min_size}, but "
                             f"received input_shape={input_shape}. Resize the images "
                             f"(keras.layers.Resizing({min_size}, {min_size})).")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("With include_top=True the input size must be known, but received "
                         f"input_shape={input_shape}. Give a full input_shape, or pass "
                         "include_top=False.")
    return input_shape


def correct_pad(inputs: Any, kernel_size: int | tuple[int, int]) -> tuple:
    """The padding `((top, bottom), (left, right))` a strided convolution with
    `padding="valid"` needs to cover the input as TensorFlow's "same" would.

    Example:
        >>> from lamina import layers
        >>> correct_pad(layers.Input((32, 32, 3)), 3)
        ((0, 1), (0, 1))
    """
    axis = 2 if image_data_format() == "channels_first" else 1
    size = tuple(inputs.shape[axis:axis + 2])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Refuse a classifier activation other than softmax or None with pretrained
    weights, as Keras does.

    Raises:
        ValueError: another activation with weights.
    """
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("With pretrained weights, classifier_activation must be 'softmax' or "
                         f"None, but received classifier_activation={classifier_activation!r}."
                         " Pass weights=None to train another head from scratch.")
