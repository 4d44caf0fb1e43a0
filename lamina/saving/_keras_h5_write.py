"""Weights in Keras 2's HDF5 layout (`save_weights(path, save_format="h5")`), which
tf.keras 2's and Keras 3's `load_weights` read (and Lamina's).

The layout is the one `lamina.saving._keras_weights` reads: the root attribute
`layer_names` lists `model.layers` in order; each layer's group has the attribute
`weight_names` (`dense/kernel:0`, ...) naming its datasets, in Keras's order (trainable
weights first).
"""
from __future__ import annotations

import io
from typing import Any

import numpy as np

from lamina._version import __version__
from lamina.backend.variable import unique_paths
from lamina.saving import _archive as archive
from lamina.saving import _h5_read as h5


def write_layers(group: Any, model: Any) -> None:
    """Write every layer's weights into the open HDF5 `group` in Keras 2's layout."""
    layers = list(model.layers)
    group.attrs["layer_names"] = np.array([layer.name.encode("utf8") for layer in layers])
    group.attrs["backend"] = b"jax"
    group.attrs["keras_version"] = f"lamina {__version__}".encode("utf8")
    for layer in layers:
        layer_group = group.create_group(layer.name)
        weights = layer.weights
        names = [f"{path}:0" for path in unique_paths(weights)]
        layer_group.attrs["weight_names"] = np.array([n.encode("utf8") for n in names]) \
            if names else np.array([])
        for name, variable in zip(names, weights):
            layer_group.create_dataset(name, data=np.asarray(variable.numpy()))


def save_weights(model: Any, filepath: str, overwrite: bool = True) -> None:
    """Write `model`'s weights as a Keras 2 HDF5 weights file, atomically."""
    h5py = h5.require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_layers(f, model)
    data = buffer.getvalue()
    archive.atomic_write(filepath, lambda f: f.write(data), overwrite)
