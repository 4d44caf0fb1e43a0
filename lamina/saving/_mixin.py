"""The model-file methods of `Model` (`save`, `save_weights`, `load_weights`, `to_json`)."""
from __future__ import annotations

from typing import Any

from lamina.saving import _archive as archive
from lamina.saving import _loading as loading
from lamina.saving import _safetensors as safetensors
from lamina.saving import _serialization as serialization
from lamina.saving import _weights as weights
from lamina._version import __version__


class Saveable:
    """Mixin of `Model` holding the methods that read and write model files."""

    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True,
             save_format: str | None = None) -> None:
        """Save the whole model to one `.lamina` file, as `keras.Model.save`.

        The file is a zip archive holding `config.json` (architecture, compile
        settings, versions), `model.weights.safetensors` and
        `optimizer.safetensors` (optimizer state, step, random key, shuffle seed).
        It is written to a temporary file that replaces `filepath` only when
        complete, so an interrupted save leaves the previous file intact.

        Args:
            filepath: a path ending in `.lamina` (`.keras` is accepted too).
            overwrite: whether to replace an existing file; with False an
                existing file raises `FileExistsError`.
            include_optimizer: whether to store the optimizer state.
            save_format: None, "lamina" or "keras" (HDF5 and SavedModel are not
                supported).

        Raises:
            ValueError: an unsupported extension or format, or an unbuilt model.

        Example:
            >>> import os, tempfile, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> path = os.path.join(tempfile.mkdtemp(), "model.lamina")
            >>> model.save(path)
            >>> keras.models.load_model(path).count_params()
            3
        """
        if save_format not in (None, "lamina", "keras"):
            raise ValueError(f"save_format={save_format!r} is not supported: Lamina saves one "
                             "format, a .lamina zip archive. Drop save_format and use a path "
                             "ending in .lamina.")
        loading.save_model(self, filepath, overwrite=overwrite,
                           include_optimizer=include_optimizer)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights to a safetensors file, by Variable name (`dense/kernel`).

        Any safetensors reader opens the file (`safetensors.numpy.load_file`).

        Args:
            filepath: a path ending in `.weights.safetensors`.
            overwrite: whether to replace an existing file.

        Example:
            >>> import os, tempfile, lamina as keras
            >>> from safetensors.numpy import load_file
            >>> keras.layers.clear_session()
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.safetensors")
            >>> model.save_weights(path)
            >>> sorted(load_file(path))
            ['dense/bias', 'dense/kernel']
        """
        path = loading.check_weights_path(filepath, "save")
        if not self.built:
            raise ValueError(f"Model '{self.name}' is not built, so it has no weights to "
                             "save. Call it on data (or fit it) first.")
        tensors, metadata = weights.weights_to_tensors(self)
        data = archive.tensors_to_bytes(tensors, metadata)
        archive.atomic_write(path, lambda f: f.write(data), overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False) -> None:
        """Load weights saved by `save_weights` (or from a `.lamina` model file).

        Weights are matched by name; shape mismatches are reported layer by layer.

        Args:
            filepath: a `.weights.safetensors` file, or a `.lamina` archive.
            skip_mismatch: skip weights whose shape (or presence) differs, with a
                warning, instead of raising.

        Raises:
            ValueError: weights that do not fit the model, or a malformed file.

        Example:
            >>> import os, tempfile, numpy as np, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> path = os.path.join(tempfile.mkdtemp(), "m.weights.safetensors")
            >>> model.save_weights(path)
            >>> other = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> other.load_weights(path)
            >>> all((a == b).all() for a, b in zip(model.get_weights(), other.get_weights()))
            True
        """
        path = loading.check_weights_path(filepath, "load")
        where = f"'{path}'"
        if path.lower().endswith(archive.MODEL_EXTENSIONS):
            with archive.ModelArchive(path) as files:
                header = files.header(archive.WEIGHTS)
                pairs = self._match_file(header, where, skip_mismatch)
                tensors = files.tensors(archive.WEIGHTS, header)
        else:
            size = safetensors.file_size(path)
            with open(path, "rb") as f:
                header = safetensors.read_header(f, where, size=size)
                pairs = self._match_file(header, where, skip_mismatch)
                tensors = safetensors.read_data(f, header, where)
        weights.set_weights(pairs, tensors)

    def _match_file(self, header: Any, where: str, skip_mismatch: bool) -> list:
        """The weights paired with a file's declared tensors, before its data is read."""
        declared = {k: (t.shape, t.dtype) for k, t in header.tensors.items()}
        return weights.match_weights(self, declared, header.metadata, where, skip_mismatch)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as a JSON string (no weights), as `keras.Model.to_json`.

        Args:
            **kwargs: passed to `json.dumps` (e.g. `indent=2`).

        Example:
            >>> import json, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> json.loads(model.to_json())["class_name"]
            'Sequential'
        """
        data = loading.serialize_model(self)
        data["lamina_version"] = __version__
        return serialization.to_json_text(data, **kwargs)
