"""Models as bytes of a `.lamina` file, and fresh copies of a compiled model.

The estimators pickle (for `joblib`'s worker processes, `n_jobs=2`) by carrying
their fitted model as the bytes of Lamina's own file format: JSON and safetensors
in a zip, never pickled code.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

from lamina.models import Model, load_model
from lamina.saving import _loading as loading
from lamina.saving import _serialization as serialization


class ModelFile(bytes):
    """A model inside a pickled estimator: the bytes of its `.lamina` file."""


def model_to_bytes(model: Model) -> bytes:
    """The bytes of `model.save(...)`: architecture, weights, compile settings, optimizer.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> data = model_to_bytes(model)
        >>> data[:2], model_from_bytes(data).count_params()
        (b'PK', 3)
    """
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.lamina")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data: bytes) -> Model:
    """The model that `model_to_bytes` wrote, with its weights and optimizer state."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.lamina")
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)


def clone_compiled(model: Model) -> Model:
    """A new model of the same architecture, freshly initialized, compiled the same way.

    The optimizer is a new one built from the original's config, so the copy
    shares no state with `model`.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> copy = clone_compiled(model)
        >>> copy is model, copy.optimizer is model.optimizer, copy.count_params()
        (False, False, 3)
    """
    copy = loading.deserialize_model(loading.serialize_model(model))
    settings = serialization.serialize_compile(model)
    if settings is not None:
        copy.compile(**serialization.deserialize_compile(settings))
    return copy


def is_model(value: Any) -> bool:
    """Whether `value` is a Lamina model (an instance, not a function that builds one)."""
    return isinstance(value, Model)
