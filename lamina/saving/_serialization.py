"""Layers, models and compile settings as JSON-compatible dicts, and back.

A layer is `{"class_name": ..., "config": layer.get_config()}`, plus
`"registered_name": "package>name"` for a class registered with
`register_keras_serializable`. Deserializing finds the class by that name only in
`custom_objects` and the registry (where Lamina's own layers and models are
registered too); it never imports a module or runs code named in the data.
"""
from __future__ import annotations

import inspect
import json
from typing import Any, Mapping

import numpy as np

from lamina import losses, metrics, optimizers, registry
from lamina.backend._budget import AllocationLimitError
from lamina.backend._operation import Operation
from lamina.layers import Layer

# The registry packages a model file may name layer and model classes from.
# (and the operations `keras.ops` calls record in functional graphs).
_PACKAGES = ("lamina.layers", "lamina.models", "lamina.ops")


class LayerConfigError(ValueError):
    """A layer's config could not be turned back into the layer (the message names it)."""


def serialize_layer(layer: Any) -> dict[str, Any]:
    """`{"class_name": ..., "config": layer.get_config()}`.

    Example:
        >>> from lamina import layers
        >>> serialize_layer(layers.Dropout(0.5, name="drop"))["config"]["rate"]
        0.5
    """
    out: dict[str, Any] = {"class_name": type(layer).__name__, "config": layer.get_config()}
    if registry.is_registered(type(layer)):
        out["registered_name"] = registry.get_registered_name(type(layer))
    return out


def find_class(name: str, registered_name: str | None = None,
               custom_objects: Mapping[str, Any] | None = None) -> type:
    """The layer or model class a file names, found through the registry.

    Args:
        name: the stored `class_name`.
        registered_name: the stored `"package>name"`, if any.
        custom_objects: extra classes by name.

    Returns:
        A `Layer` subclass.

    Raises:
        ValueError: the name is unknown (the message lists the ways to provide it),
            or names something that is not a layer.

    Example:
        >>> find_class("Dense").__name__
        'Dense'
    """
    found = registry.find(name, _PACKAGES, custom_objects=custom_objects,
                          registered_name=registered_name)
    if found is None:
        shown = registered_name or name
        raise ValueError(
            f"Unknown layer class '{shown}'. It is neither one of Lamina's layers or models "
            "nor a registered custom class. Decorate your class with "
            "@lamina.saving.register_keras_serializable() before loading, or pass "
            f"custom_objects={{'{name}': {name}}}.")
    if not (isinstance(found, type) and issubclass(found, (Layer, Operation))):
        raise ValueError(f"'{registered_name or name}' names {found!r}, which is not a layer "
                         "or model class. Map the name to a Layer subclass in "
                         "custom_objects.")
    return found


def deserialize_layer(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A new layer (or model) from `serialize_layer`'s dict.

    Args:
        config: `{"class_name": ..., "config": {...}}`.
        custom_objects: extra classes by name (also read from enclosing
            `custom_object_scope`s).

    Returns:
        The layer, unbuilt (a model with a declared input shape builds itself).

    Raises:
        ValueError: a malformed dict, an unknown class, or a config the class rejects.

    Example:
        >>> layer = deserialize_layer({"class_name": "Dropout", "config": {"rate": 0.25}})
        >>> type(layer).__name__, layer.rate
        ('Dropout', 0.25)
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) \
            or not isinstance(config.get("config", {}), dict):
        raise ValueError("A serialized layer must be a dict {'class_name': str, 'config': "
                         f"dict}}, but received {_short(config)}.")
    name, inner = config["class_name"], dict(config.get("config", {}))
    registered = config.get("registered_name")
    cls = find_class(name, registered if isinstance(registered, str) else None,
                     custom_objects)
    with registry.custom_object_scope(custom_objects):
        try:
            if _takes_custom_objects(cls.from_config):  # e.g. Lambda finds its function
                return cls.from_config(inner, registry.visible_objects(custom_objects))
            return cls.from_config(inner)
        except (AllocationLimitError, LayerConfigError):
            raise  # already names the innermost layer at fault
        except MemoryError:
            raise
        except Exception as err:  # noqa: BLE001 - a config from a file may break a class anyhow
            called = f" (named '{inner['name']}')" if isinstance(inner.get("name"), str) \
                else ""
            hint = ("The config is damaged." if cls.__module__.startswith("lamina.") else
                    "If it is your own class, check that get_config() returns exactly the "
                    "arguments its __init__ accepts.")
            detail = str(err) if isinstance(err, ValueError) else \
                f"{type(err).__name__}: {str(err)[:200]}"
            raise LayerConfigError(f"Could not rebuild layer class '{name}'{called} from its "
                                   f"config ({detail}). {hint}") from err


def _takes_custom_objects(method: Any) -> bool:
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) >= 2 and params[1].kind in (params[1].POSITIONAL_ONLY,
                                                   params[1].POSITIONAL_OR_KEYWORD)


def encode_shape(shape: Any) -> Any:
    """A shape (tuple), or a list or dict of shapes, as JSON lists and dicts.

    Example:
        >>> encode_shape((None, 3)), encode_shape({"a": (None, 2)})
        ([None, 3], {'a': [None, 2]})
    """
    if isinstance(shape, dict):
        return {str(k): encode_shape(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return {"list": [encode_shape(v) for v in shape]}
    return [None if d is None else int(d) for d in shape]


def decode_shape(data: Any) -> Any:
    """The inverse of `encode_shape`.

    Example:
        >>> decode_shape([None, 3]), decode_shape({"list": [[None, 1], [None, 2]]})
        ((None, 3), [(None, 1), (None, 2)])
    """
    if isinstance(data, dict):
        if set(data) == {"list"} and isinstance(data["list"], list):
            return [decode_shape(v) for v in data["list"]]
        return {k: decode_shape(v) for k, v in data.items()}
    if isinstance(data, list) and all(d is None or (isinstance(d, int) and d >= 0)
                                      for d in data):
        return tuple(data)
    raise ValueError(f"Expected a shape (a list of non-negative ints or nulls), but received "
                     f"{_short(data)}.")


# -- compile settings ---------------------------------------------------------------
def serialize_compile(model: Any) -> dict[str, Any] | None:
    """The compile settings of `model` as JSON-ready data (None when not compiled)."""
    cfg = getattr(model, "_compile_config", None)
    if cfg is None:
        return None
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _encode_objects(cfg["loss"], "loss"),
            "metrics": _encode_objects(cfg["metrics"], "metric"),
            "loss_weights": cfg["loss_weights"]}


def deserialize_compile(data: Any, custom_objects: Mapping[str, Any] | None = None
                        ) -> dict[str, Any]:
    """Keyword arguments for `model.compile` from `serialize_compile`'s data."""
    if not isinstance(data, dict) or not isinstance(data.get("optimizer"), dict):
        raise ValueError(f"The compile settings are malformed: expected a dict with an "
                         f"'optimizer' dict, but received {_short(data)}.")
    opt = data["optimizer"]
    custom = registry.get_registered_object(str(opt.get("registered_name", "")),
                                            custom_objects)
    if custom is None:
        custom = registry.get_registered_object(str(opt.get("class_name", "")),
                                                custom_objects)
    optimizer = custom.from_config(opt.get("config", {})) if isinstance(custom, type) \
        else optimizers.deserialize(opt)
    return {"optimizer": optimizer,
            "loss": _decode_objects(data.get("loss"), "loss", custom_objects),
            "metrics": _decode_objects(data.get("metrics"), "metric", custom_objects),
            "loss_weights": data.get("loss_weights")}


def _encode_objects(value: Any, kind: str) -> Any:
    """Losses or metrics as given to compile: names stay names, objects become dicts."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode_objects(v, kind) for v in value]
    if isinstance(value, dict):
        return {"per_output": {str(k): _encode_objects(v, kind) for k, v in value.items()}}
    cls = value if isinstance(value, type) else type(value)
    if registry.is_registered(cls) and hasattr(value, "get_config") \
            and not isinstance(value, type):
        return {"class_name": cls.__name__, "registered_name": registry.get_registered_name(cls),
                "config": value.get_config()}
    if isinstance(value, losses.Loss):
        return losses.serialize(value)
    if isinstance(value, metrics.Metric):
        return metrics.serialize(value)
    if callable(value):
        name = registry.get_registered_name(value)
        return {"class_name": "function", "config": name}
    raise ValueError(f"Cannot save the {kind} {value!r} ({type(value).__name__}): it is "
                     "neither a name, a Loss/Metric object nor a function.")


def _decode_objects(value: Any, kind: str, custom_objects: Mapping[str, Any] | None) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return [_decode_objects(v, kind, custom_objects) for v in value]
    if not isinstance(value, dict):
        raise ValueError(f"Malformed {kind} in the compile settings: {_short(value)}.")
    if set(value) == {"per_output"} and isinstance(value["per_output"], dict):
        return {k: _decode_objects(v, kind, custom_objects)
                for k, v in value["per_output"].items()}
    class_name, config = value.get("class_name"), value.get("config")
    if class_name == "function":
        found = registry.get_registered_object(str(config), custom_objects)
        if found is None:
            try:
                (losses.get if kind == "loss" else metrics.get)(str(config))
                return str(config)
            except ValueError:
                raise ValueError(f"The model was compiled with the custom {kind} function "
                                 f"'{config}'. Pass custom_objects={{'{config}': {config}}} "
                                 "to load_model, register it with "
                                 "@lamina.saving.register_keras_serializable(), or load with "
                                 "compile=False.") from None
        return found
    registered = value.get("registered_name")
    if isinstance(registered, str):
        found = registry.get_registered_object(registered, custom_objects) or \
            registry.get_registered_object(str(class_name), custom_objects)
        if not isinstance(found, type):
            raise ValueError(f"The model was compiled with the custom {kind} class "
                             f"'{registered}'. Register it with @lamina.saving."
                             "register_keras_serializable() or pass it in custom_objects, "
                             "or load with compile=False.")
        return found.from_config(config or {})
    if kind == "loss":
        return losses.deserialize(value)
    return metrics.deserialize(value)


# -- JSON -----------------------------------------------------------------------------
def to_json_text(data: Any, **kwargs: Any) -> str:
    """`json.dumps` that accepts NumPy scalars and tuples and names what it cannot write.

    Example:
        >>> import numpy as np
        >>> to_json_text({"rate": np.float32(0.5), "shape": (None, 2)})
        '{"rate": 0.5, "shape": [null, 2]}'
    """
    def default(obj: Any) -> Any:
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        raise TypeError(f"A config holds {obj!r} ({type(obj).__name__}), which cannot be "
                        "written as JSON. A layer's get_config() must return only numbers, "
                        "strings, booleans, None, lists and dicts (serialize objects first, "
                        "e.g. with lamina.initializers.serialize).")

    return json.dumps(data, default=default, allow_nan=True, **kwargs)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."
