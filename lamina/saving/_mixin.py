"""The model-file methods of `Model` (`save`, `save_weights`, `load_weights`, `to_json`)."""
from __future__ import annotations

import os
from typing import Any

from lamina.saving import _archive as archive
from lamina.saving import _keras_files as keras_files
from lamina.saving import _keras_h5_write as keras_h5_write
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
            hint = " For Keras's HDF5, save the weights alone: model.save_weights(" \
                "'model.weights.h5', save_format='h5')." if save_format == "h5" else ""
            raise ValueError(f"save_format={save_format!r} is not supported: Lamina saves one "
                             "format for whole models, a .lamina zip archive. Drop "
                             f"save_format and use a path ending in .lamina.{hint}")
        loading.save_model(self, filepath, overwrite=overwrite,
                           include_optimizer=include_optimizer)

    def save_weights(self, filepath: Any, overwrite: bool = True,
                     save_format: str | None = None) -> None:
        """Save the weights to a safetensors file, by Variable name (`dense/kernel`), or
        with `save_format="h5"` to an HDF5 file in Keras 2's layout.

        Any safetensors reader opens the first (`safetensors.numpy.load_file`);
        tf.keras 2's and Keras 3's `load_weights` open the second (it needs
        `pip install 'lamina[h5]'`).

        Args:
            filepath: a path ending in `.weights.safetensors` (`.h5` for HDF5).
            overwrite: whether to replace an existing file.
            save_format: None for safetensors, or "h5" for Keras's HDF5 layout.

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
        if save_format not in (None, "h5", "safetensors"):
            raise ValueError(f"save_format={save_format!r} is not supported: Lamina writes "
                             "weights as safetensors (save_format=None) or in Keras's HDF5 "
                             "layout (save_format='h5'), never TensorFlow checkpoints.")
        if not self.built:
            raise ValueError(f"Model '{self.name}' is not built, so it has no weights to "
                             "save. Call it on data (or fit it) first.")
        if save_format == "h5":
            keras_h5_write.save_weights(self, os.fspath(filepath), overwrite)
            return
        path = loading.check_weights_path(filepath, "save")
        tensors, metadata = weights.weights_to_tensors(self)
        data = archive.tensors_to_bytes(tensors, metadata)
        archive.atomic_write(path, lambda f: f.write(data), overwrite)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False,
                     by_name: bool = False) -> None:
        """Load weights saved by `save_weights`, from a `.lamina` model file, or from
        a file Keras wrote.

        Lamina's files are matched by weight name. Keras's HDF5 files (`.h5`,
        `.hdf5`, `.h5f`, `.weights.h5`; needs `pip install 'lamina[h5]'`) and `.keras`
        archives are read as Keras reads them: Keras 2's layout by the order of the
        layers that have weights (or by layer name with `by_name=True`), Keras 3's by
        each layer's place in the model. Which reader is used depends on the file's
        content, not its name. Shape mismatches are reported layer by layer.

        Args:
            filepath: a `.weights.safetensors` file, a `.lamina` archive, or a Keras
                file.
            skip_mismatch: skip weights whose shape (or presence) differs, with a
                warning, instead of raising.
            by_name: for Keras files, match layers by name instead of by position
                (layers absent from the file keep their weights).

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
        foreign = keras_files.kind(os.fspath(filepath)) if os.path.isfile(filepath) else None
        if foreign is not None:  # a file Keras wrote: HDF5, or a Keras 3 archive
            keras_files.load_weights(self, os.fspath(filepath), foreign, by_name=by_name,
                                     skip_mismatch=skip_mismatch)
            return
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
