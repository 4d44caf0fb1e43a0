"""What every application shares: the `weights` argument, the input (`input_shape` or
`input_tensor`), the end of the network (`include_top`, `pooling`, `classes`,
`classifier_activation`), and loading weights from a path or from Keras's ImageNet
files on disk (never downloaded).
"""
from __future__ import annotations

import os
from typing import Any, NamedTuple

from lamina import layers
from lamina.applications import imagenet_utils
from lamina.backend import KerasTensor, image_data_format
from lamina.models import Model
from lamina.utils.file_utils import keras_home, validate_file

_POOLINGS = (None, "avg", "max")


class ImagenetFile(NamedTuple):
    """One of Keras's ImageNet weight files: its name, where Keras downloads it from, and
    its md5 digest (None where Keras gives none)."""
    name: str
    url: str
    md5: str | None


def check_arguments(weights: Any, include_top: bool, classes: int, pooling: Any,
                    classifier_activation: Any) -> None:
    """Keras's checks of `weights`, `classes`, `classifier_activation` and `pooling`,
    before anything is built, with errors that say what to pass.

    Raises:
        ValueError: an unknown `weights` or `pooling`, or ImageNet weights with a top
            of other than 1000 classes, or an activation other than softmax or None
            on a pretrained classifier.
    """
    if not (weights is None or weights == "imagenet" or isinstance(weights, (str, os.PathLike))):
        raise ValueError("weights must be None (random initialization), 'imagenet' or the path "
                         f"of a weights file, but received weights={weights!r}.")
    if weights not in (None, "imagenet") and not os.path.isfile(weights):
        raise ValueError(f"weights={os.fspath(weights)!r} is neither None, 'imagenet' nor an "
                         "existing file. Check the path, or pass weights=None for random "
                         "weights.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("With weights='imagenet' and include_top=True, classes must be 1000 "
                         f"(ImageNet's classifier), but received classes={classes}. Pass "
                         "include_top=False and add your own classifier, or weights=None.")
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    if pooling not in _POOLINGS:
        raise ValueError(f"pooling must be one of {list(_POOLINGS)}, but received "
                         f"pooling={pooling!r}.")


def check_input_tensor(input_tensor: Any) -> None:
    """Refuse an `input_tensor` that is not symbolic (an array, say).

    Raises:
        ValueError: `input_tensor` is neither None nor a `KerasTensor`.
    """
    if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
        raise ValueError("input_tensor must be a symbolic tensor made by keras.Input() (or by "
                         "layers called on one), but received an object of type "
                         f"{type(input_tensor).__name__}. Pass input_shape= for arrays.")


def image_input(input_tensor: Any, input_shape: tuple) -> KerasTensor:
    """The tensor the network starts from: `input_tensor`, or a new `Input`."""
    check_input_tensor(input_tensor)
    return layers.Input(shape=input_shape) if input_tensor is None else input_tensor


def start(*, weights: Any, include_top: bool, classes: int, pooling: Any,
          classifier_activation: Any, input_tensor: Any, input_shape: Any,
          default_size: int, min_size: int,
          files: dict[bool, ImagenetFile]) -> tuple[KerasTensor, str | None]:
    """The beginning of an application: its arguments checked, the weights file found
    (`files[include_top]` for `weights="imagenet"`) and the input made; returns
    `(input tensor, weights path or None)`."""
    check_arguments(weights, include_top, classes, pooling, classifier_activation)
    path = weights_path(weights, files[bool(include_top)])
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=image_data_format(), require_flatten=include_top, weights=weights)
    return image_input(input_tensor, input_shape), path


def channel_axis() -> int:
    """The channel axis of 4D image tensors in the current data format."""
    return 1 if image_data_format() == "channels_first" else 3


def finish(x: KerasTensor, *, include_top: bool, pooling: Any, classes: int,
           classifier_activation: Any, top_pool_name: str | None = None,
           pool_names: tuple[str | None, str | None] = (None, None)) -> KerasTensor:
    """The end of most applications: global average pooling and the classifier
    (`predictions`) with the top; otherwise the optional `pooling`."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=pool_names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=pool_names[1])(x)
    return x


def source_inputs(tensor: KerasTensor) -> list[KerasTensor]:
    """The model inputs (`Input` tensors) that `tensor` is computed from."""
    found: list[KerasTensor] = []
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        layer, index, _ = t._keras_history
        node = layer._inbound_nodes[index]
        if node.is_input:
            found.append(t)
        else:
            stack.extend(reversed(node.inbound))
    return found


def make_model(img_input: KerasTensor, input_tensor: Any, outputs: KerasTensor,
               name: str) -> Model:
    """The functional model from the inputs of `input_tensor` (or `img_input`)."""
    inputs: Any = img_input
    if input_tensor is not None:
        sources = source_inputs(input_tensor)
        inputs = sources[0] if len(sources) == 1 else sources
    return Model(inputs, outputs, name=name)


def weights_path(weights: Any, imagenet: ImagenetFile) -> str | None:
    """The file `weights` names, checked before the model is built: None for random
    weights, the path itself, or Keras's ImageNet file in `~/.keras/models/` (or
    `$KERAS_HOME/models/`) for `"imagenet"`.

    Raises:
        FileNotFoundError: the ImageNet file is not on disk; the message gives its
            URL and where to save it.
        ValueError: the file on disk is not the one Keras publishes (its md5 differs).
    """
    if weights is None:
        return None
    if weights != "imagenet":
        return os.fspath(weights)
    folder = os.path.join(keras_home(), "models")
    path = os.path.join(folder, imagenet.name)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"weights='imagenet' needs Keras's file '{imagenet.name}', which is not in "
            f"'{folder}'. Lamina never downloads: download it from {imagenet.url} and save it "
            f"as '{path}' (the folder is $KERAS_HOME/models when KERAS_HOME is set), or pass "
            "its path as weights=, or weights=None for random weights.")
    if imagenet.md5 is not None and not validate_file(path, imagenet.md5, algorithm="md5"):
        raise ValueError(f"'{path}' is not the file Keras publishes at {imagenet.url}: its md5 "
                         f"digest is not {imagenet.md5}. The download may be incomplete; "
                         "download it again.")
    return path


def load(model: Model, path: str | None) -> Model:
    """`model` with the weights of the file at `path` (from `weights_path`), if any."""
    if path is not None:
        model.load_weights(path)
    return model
