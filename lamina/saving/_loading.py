"""`load_model` and `model_from_json`: models rebuilt from files, never from code.

See `lamina.saving._archive` for the file layout and the version policy.
"""
from __future__ import annotations

import json
import os
from typing import Any, Mapping

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.saving import _archive as archive
from lamina.saving import _serialization as serialization
from lamina.saving import _weights as weights
from lamina._version import __version__


def serialize_model(model: Any) -> dict[str, Any]:
    """The architecture of `model`: its class, config and the input shape it was built on.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> data = serialize_model(model)
        >>> data["class_name"], data["build_config"]
        ('Sequential', {'input_shape': [None, 2]})
    """
    data = serialization.serialize_layer(model)
    shape = getattr(model, "_input_shape", None)
    if model.built and shape is not None:
        data["build_config"] = {"input_shape": serialization.encode_shape(shape)}
    return data


def deserialize_model(data: Any, custom_objects: Mapping[str, Any] | None = None,
                      where: str = "the config") -> Any:
    """A new model from `serialize_model`'s dict, built when the input shape is known."""
    try:
        model = serialization.deserialize_layer(data, custom_objects)
    except ValueError as err:
        raise ValueError(f"Cannot load {where}: {err}") from None
    if not callable(getattr(model, "compile", None)):
        raise ValueError(f"Cannot load {where}: it describes a {type(model).__name__} layer, "
                         "not a model.")
    build = data.get("build_config") if isinstance(data, dict) else None
    if not model.built and isinstance(build, dict) and "input_shape" in build:
        shape = serialization.decode_shape(build["input_shape"])
        structs = jax.tree.map(
            lambda s: jax.ShapeDtypeStruct(tuple(2 if d is None else d for d in s),
                                           jnp.float32),
            shape, is_leaf=lambda s: isinstance(s, tuple))
        with registry.custom_object_scope(custom_objects):
            model.build_from_data(structs)
    return model


def load_model(filepath: Any, custom_objects: Mapping[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True) -> Any:
    """Load a model saved with `model.save`, as `keras.models.load_model`.

    The architecture, weights, compile settings and training state (optimizer
    state, step, random key and shuffle seed) come back, so `fit(...,
    initial_epoch=k)` continues exactly where the saved run stopped.

    Args:
        filepath: a `.lamina` (or `.keras`) file.
        custom_objects: your classes and functions by name, for those not
            registered with `@lamina.saving.register_keras_serializable()`.
        compile: whether to compile with the saved settings and restore the
            optimizer state; with False the model comes back uncompiled.
        safe_mode: accepted for Keras compatibility; Lamina never runs code from
            a file, so loading is always safe.

    Returns:
        The model.

    Raises:
        ValueError: the file is malformed, newer than this library, or names an
            unknown class (each message names the file and the reason).
        FileNotFoundError: there is no such file.

    Example:
        >>> import os, tempfile, numpy as np, lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.lamina")
        >>> model.save(path)
        >>> loaded = load_model(path)
        >>> x = np.ones((1, 2), np.float32)
        >>> bool((loaded.predict(x, verbose=0) == model.predict(x, verbose=0)).all())
        True
    """
    path = archive.check_model_path(filepath, "load")
    members = archive.read_archive(path)
    config = archive.config_from_bytes(members[archive.CONFIG], path)
    where = f"'{path}'"
    model = deserialize_model(config["model"], custom_objects, where)
    tensors, metadata = archive.tensors_from_bytes(members[archive.WEIGHTS],
                                                   f"the weights in {where}")
    weights.assign_weights(model, tensors, metadata, where)
    compile_config = config.get("compile_config")
    if compile and compile_config is not None:
        try:
            kwargs = serialization.deserialize_compile(compile_config, custom_objects)
        except ValueError as err:
            raise ValueError(f"Cannot restore the compile settings of {where}: {err}") \
                from None
        model.compile(**kwargs)
        if archive.OPTIMIZER in members:
            state, _ = archive.tensors_from_bytes(members[archive.OPTIMIZER],
                                                  f"the optimizer state in {where}")
            weights.restore_training(model, state, where)
    return model


def model_from_json(json_string: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A new model (fresh weights) from `model.to_json()`, as `keras.models.model_from_json`.

    Args:
        json_string: the text `to_json()` returned.
        custom_objects: your classes by name, for those not registered.

    Returns:
        The model, built when the saved model was.

    Raises:
        ValueError: the text is not a model's JSON, or names an unknown class.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
        >>> copy = model_from_json(model.to_json())
        >>> copy.output_shape, copy.count_params()
        ((None, 2), 8)
    """
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json expects the string from model.to_json(), but "
                        f"received {type(json_string).__name__}.")
    try:
        data = json.loads(json_string)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"model_from_json received text that is not valid JSON "
                         f"({str(err)[:200]}). Pass the string model.to_json() returned."
                         ) from None
    return deserialize_model(data, custom_objects, "the JSON model")


def config_json(model: Any, include_optimizer: bool = True) -> dict[str, Any]:
    """The content of `config.json` for `model`."""
    return {"format": archive.FORMAT_NAME, "format_version": archive.FORMAT_VERSION,
            "lamina_version": __version__, "model": serialize_model(model),
            "compile_config": serialization.serialize_compile(model)}


def save_model(model: Any, filepath: Any, overwrite: bool = True,
               include_optimizer: bool = True) -> None:
    """Write `model` to one `.lamina` archive, atomically (see `Model.save`)."""
    path = archive.check_model_path(filepath, "save")
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built, so it has no weights to save. "
                         "Call it on data (or fit it) first, or give it an Input shape.")
    text = serialization.to_json_text(config_json(model), indent=1)
    tensors, metadata = weights.weights_to_tensors(model)
    members = {archive.CONFIG: text.encode("utf-8"),
               archive.WEIGHTS: archive.tensors_to_bytes(tensors, metadata)}
    if include_optimizer and model.compiled:
        members[archive.OPTIMIZER] = archive.tensors_to_bytes(
            weights.training_to_tensors(model), {"format": "lamina.optimizer"})
    archive.atomic_write(path, lambda f: archive.write_archive(f, members), overwrite)


def check_weights_path(filepath: Any, action: str) -> str:
    """The path as a string: any name holds a safetensors weights file (a name that
    suggests another format gets one warning), and `load` also reads model archives.
    `save_weights` refuses a model archive's name (`model.save` writes those)."""
    path = os.fspath(filepath)
    lower = path.lower()
    if lower.endswith(".safetensors") or (action == "load" and
                                           lower.endswith(archive.MODEL_EXTENSIONS)):
        return path
    if lower.endswith(archive.MODEL_EXTENSIONS):
        raise ValueError(f"Cannot save weights at '{path}': that name is a whole model's "
                         "(model.save writes .lamina and .keras archives). Name the weights "
                         "file e.g. 'model.weights.safetensors', or call model.save(...).")
    archive.warn_foreign_name(path, "a safetensors weights file", ".weights.safetensors")
    return path
