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
from lamina.backend import _budget
from lamina.saving import _archive as archive
from lamina.saving import _keras_files as keras_files
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
    """A new model from `serialize_model`'s dict, built when the input shape is known.

    Raises:
        ValueError: the dict does not describe a model this library can rebuild. Any
            other error raised while rebuilding (a damaged or hostile config makes
            layers fail in all manner of ways) becomes a `ValueError` too, chained to
            the original.
    """
    try:
        model = serialization.deserialize_layer(data, custom_objects)
    except _budget.AllocationLimitError:
        raise
    except ValueError as err:
        raise ValueError(f"Cannot load {where}: {err}") from None
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - the boundary of rebuilding from data
        raise ValueError(f"Cannot load {where}: it is damaged or not a Lamina model: its "
                         f"architecture could not be rebuilt ({type(err).__name__}: "
                         f"{str(err)[:200]}).") from err
    if not callable(getattr(model, "compile", None)):
        raise ValueError(f"Cannot load {where}: it describes a {type(model).__name__} layer, "
                         "not a model.")
    build = data.get("build_config") if isinstance(data, dict) else None
    if isinstance(build, dict) and "input_shape" in build:
        try:
            shape = serialization.decode_shape(build["input_shape"])
            if not model.built:
                structs = jax.tree.map(
                    lambda s: jax.ShapeDtypeStruct(tuple(2 if d is None else d for d in s),
                                                   jnp.float32),
                    shape, is_leaf=lambda s: isinstance(s, tuple))
                with registry.custom_object_scope(custom_objects):
                    model.build_from_data(structs)
        except (MemoryError, _budget.AllocationLimitError):
            raise
        except Exception as err:  # noqa: BLE001 - the boundary of rebuilding from data
            raise ValueError(f"Cannot load {where}: it is damaged or not a Lamina model: the "
                             f"model cannot be built on its saved input shape "
                             f"build_config.input_shape={_short(build['input_shape'])} "
                             f"({type(err).__name__}: {str(err)[:200]}).") from err
        _check_input_shape(model, build["input_shape"], where)
    return model


def _check_input_shape(model: Any, saved: Any, where: str) -> None:
    """The rebuilt model must take the inputs it was saved built on: a config whose
    layers declare another input shape would load, then fail at `predict`."""
    rebuilt = serialize_model(model).get("build_config", {}).get("input_shape")
    if rebuilt is not None and rebuilt != saved:
        raise ValueError(f"Cannot load {where}: it is damaged: its layers declare the input "
                         f"shape {_short(rebuilt)}, but the model was saved built on inputs "
                         f"of shape {_short(saved)} (build_config.input_shape).")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:120] + "..."


# Memory a rebuilt model may take beyond its stored weights: state files do not hold
# (metric accumulators such as AUC's counts).
UNSTORED_BYTES = 64 * 2**20


def load_model(filepath: Any, custom_objects: Mapping[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True, *,
               max_bytes: int | None = None) -> Any:
    """Load a model saved with `model.save`, as `keras.models.load_model`.

    The architecture, weights, compile settings and training state (optimizer
    state, step, random key and shuffle seed) come back, so `fit(...,
    initial_epoch=k)` continues exactly where the saved run stopped.

    The file is read defensively: its weights are compared with the rebuilt
    architecture (names, shapes, dtypes) before their data is read, each member is
    read in chunks against the sizes the file declares, and rebuilding the
    architecture may allocate no more than the file's weights hold plus 64 MiB,
    so a damaged or hostile file is refused before it can use much memory.

    Args:
        filepath: a `.lamina` (or `.keras`) file.
        custom_objects: your classes and functions by name, for those not
            registered with `@lamina.saving.register_keras_serializable()`.
        compile: whether to compile with the saved settings and restore the
            optimizer state; with False the model comes back uncompiled.
        safe_mode: accepted for Keras compatibility; Lamina never runs code from
            a file, so loading is always safe.
        max_bytes: the most bytes rebuilding the model may allocate (weights and
            metric state); None allows the size of the file's weights plus 64 MiB.
            Raise it for a file you trust whose metrics keep large state.

    Returns:
        The model.

    Raises:
        ValueError: the file is damaged, not a Lamina model file, newer than this
            library, describes a model larger than its weights, or names an
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
    foreign = keras_files.kind(os.fspath(filepath)) if os.path.isfile(filepath) else None
    if foreign is not None:  # a file Keras wrote: HDF5, or a Keras 3 archive
        return keras_files.load_model(os.fspath(filepath), foreign, custom_objects, compile,
                                      deserialize_model)
    path = archive.check_model_path(filepath, "load")
    where = f"'{path}'"
    with archive.ModelArchive(path) as files:
        config = archive.config_from_bytes(files.read_json(archive.CONFIG), path)
        header = files.header(archive.WEIGHTS)
        limit = header.data_bytes + UNSTORED_BYTES if max_bytes is None else int(max_bytes)
        reason = (f"loading {where} may allocate no more than its {header.data_bytes} bytes "
                  f"of weights and {UNSTORED_BYTES} bytes of state files do not store "
                  "(metric counts), so its config.json describes a model far larger than "
                  "its weights. The file is damaged or not what it claims; if you trust it, "
                  "pass load_model(..., max_bytes=...) with the size it needs."
                  if max_bytes is None else
                  f"the limit load_model(..., max_bytes={limit}) sets for {where}.")
        with _budget.allocation_limit(limit, reason):
            model = deserialize_model(config["model"], custom_objects, where)
            if not model.built:
                raise ValueError(f"Cannot load {where}: it is damaged: its config.json "
                                 "gives no input shape (build_config.input_shape), so the "
                                 "model cannot be built to receive its weights.")
            declared = {k: (t.shape, t.dtype) for k, t in header.tensors.items()}
            pairs = weights.match_weights(model, declared, header.metadata,
                                          f"the weights in {where}")
            weights.set_weights(pairs, files.tensors(archive.WEIGHTS, header))
            compile_config = config.get("compile_config")
            if compile and compile_config is not None:
                _compile(model, compile_config, custom_objects, where)
                if files.has(archive.OPTIMIZER):
                    _restore_optimizer(model, files, where)
    return model


def _compile(model: Any, compile_config: Any, custom_objects: Any, where: str) -> None:
    try:
        kwargs = serialization.deserialize_compile(compile_config, custom_objects)
        model.compile(**kwargs)
    except _budget.AllocationLimitError:
        raise
    except ValueError as err:
        raise ValueError(f"Cannot restore the compile settings of {where}: {err}") from None
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - the boundary of rebuilding from data
        raise ValueError(f"Cannot restore the compile settings of {where} (config.json's "
                         f"'compile_config'): {type(err).__name__}: {str(err)[:300]} The file "
                         "is damaged, or names a custom loss, metric or optimizer: pass it "
                         "in custom_objects, or load with compile=False.") from err


def _restore_optimizer(model: Any, files: Any, where: str) -> None:
    what = f"the optimizer state in {where}"
    header = files.header(archive.OPTIMIZER)
    try:
        weights.check_training(model, {k: (t.shape, t.dtype)
                                       for k, t in header.tensors.items()}, what)
        weights.restore_training(model, files.tensors(archive.OPTIMIZER, header), what)
    except ValueError:
        raise
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - the boundary of rebuilding from data
        raise ValueError(f"{what} is damaged: it cannot be restored ({type(err).__name__}: "
                         f"{str(err)[:200]}). Load with compile=False and compile "
                         "again.") from err


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
