"""Models and weights from files Keras wrote: HDF5 (`.h5`, `.hdf5`, `.h5f`,
`.weights.h5`, in Keras 2's or Keras 3's layout) and Keras 3's `.keras` archives.

Which reader a file goes to is decided by its content (HDF5's signature bytes, or a
zip holding `model.weights.h5`), never by its name alone: Lamina's own files keep
loading whatever they are called. Nothing in a file is ever run: configs are
translated as data (`_keras_graph`, `_keras_config`), weights are read as numeric
arrays (`_h5_read`), and a `Lambda` holding bytecode is refused.
"""
from __future__ import annotations

import io
from typing import Any, Callable, Mapping

from lamina.saving import _h5_read as h5
from lamina.saving import _keras_compile as keras_compile
from lamina.saving import _keras_graph as graph
from lamina.saving import _keras_weights as kw
from lamina.saving import _keras_zip as kzip


def kind(path: str) -> str | None:
    """`"hdf5"`, `"keras"` (a Keras 3 archive) or None for any other file.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "w.h5")
        >>> _ = open(path, "wb").write(b"\\x89HDF\\r\\n\\x1a\\n" + bytes(64))
        >>> kind(path)
        'hdf5'
    """
    if h5.is_hdf5(path):
        return "hdf5"
    if kzip.is_keras_archive(path):
        return "keras"
    return None


def load_model(path: str, kind_: str, custom_objects: Mapping[str, Any] | None,
               compile: bool, deserialize: Callable[..., Any]) -> Any:
    """A Lamina model from a Keras file (see `lamina.saving.load_model`).

    Args:
        path: the file.
        kind_: what `kind(path)` returned.
        custom_objects: user classes and functions by name.
        compile: whether to compile with the file's settings.
        deserialize: `deserialize_model(data, custom_objects, where)`, which builds a
            model from Lamina's serialized form.
    """
    where = h5.describe(path)
    if kind_ == "keras":
        members = kzip.read_members(path, where)
        config = kzip.parse_config(members[kzip.CONFIG], where)
        if not isinstance(config, Mapping):
            raise ValueError(f"{where} is corrupted: its config.json is not a model config.")
        model = _build(config, where, custom_objects, deserialize)
        with h5.open_h5(io.BytesIO(members[kzip.WEIGHTS]), f"the weights in {where}") as f:
            records = kw.read_keras3(f, f"the weights in {where}")
        kw.assign_keras3(model, records, where, layers=_config_order(model, config))
        training = config.get("compile_config")
    else:
        with h5.open_h5(path, where) as f:
            config = h5.json_attribute(f, "model_config", where)
            if config is None:
                raise ValueError(
                    f"{where} holds weights only, not a whole model (it has no "
                    "'model_config'). Build the model in Python and call "
                    f"model.load_weights({where}).")
            model = _build(config, where, custom_objects, deserialize)
            group = h5.child(f, "model_weights", where) if "model_weights" in \
                h5.members(f, where) else f
            kw.assign_legacy(model, kw.read_legacy(group, where), where)
            training = h5.json_attribute(f, "training_config", where)
    if compile and training is not None:
        keras_compile.restore(model, training, where, custom_objects)
    return model


def _build(config: Any, where: str, custom_objects: Any, deserialize: Callable) -> Any:
    data = graph.model_config(config, where, custom_objects)
    return deserialize(data, custom_objects, where)


def _config_order(model: Any, config: Mapping[str, Any]) -> list[Any] | None:
    """The model's layers in the order the file's config lists them (Keras 3 names
    weight groups in that order)."""
    items = (config.get("config") or {}).get("layers") if isinstance(
        config.get("config"), Mapping) else None
    if not isinstance(items, list):
        return None
    by_name = {layer.name: layer for layer in model.layers}
    names = [item.get("name") or (item.get("config") or {}).get("name")
             for item in items if isinstance(item, Mapping)]
    ordered = [by_name[n] for n in names if n in by_name]
    return ordered if len(ordered) == len(model.layers) else None


def load_weights(model: Any, path: str, kind_: str, *, by_name: bool = False,
                 skip_mismatch: bool = False) -> None:
    """Set `model`'s weights from a Keras weights or model file (see `Model.load_weights`).
    """
    where = h5.describe(path)
    if not model.built:
        raise ValueError(f"Cannot load weights into model '{model.name}': it is not built, "
                         "so its weights do not exist yet. Call it on a batch of data, or "
                         "build it with model.build((None, features)), before load_weights.")
    if kind_ == "keras":
        data = kzip.read_members(path, where, (kzip.WEIGHTS,))[kzip.WEIGHTS]
        with h5.open_h5(io.BytesIO(data), f"the weights in {where}") as f:
            records = kw.read_keras3(f, f"the weights in {where}")
        kw.assign_keras3(model, records, where, by_name=by_name, skip_mismatch=skip_mismatch)
        return
    with h5.open_h5(path, where) as f:
        group = h5.child(f, "model_weights", where) if "model_weights" in \
            h5.members(f, where) else f
        if kw.is_legacy(group, where):
            kw.assign_legacy(model, kw.read_legacy(group, where), where, by_name=by_name,
                             skip_mismatch=skip_mismatch)
        else:
            kw.assign_keras3(model, kw.read_keras3(group, where), where, by_name=by_name,
                             skip_mismatch=skip_mismatch)
