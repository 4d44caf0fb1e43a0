"""Keras's layer configs (Keras 2, tf.keras 2 and Keras 3) as Lamina's.

Keras writes a layer as `{"class_name", "config"}` (Keras 3 adds `module`,
`registered_name` and `build_config`). The translation is data to data and runs no
code from the file:

- `dtype` policies (`{"class_name": "DTypePolicy", "config": {"name": "float32"}}`)
  become the variable dtype they name (`mixed_float16` keeps float32 variables);
- Keras 3's `batch_shape` becomes `batch_input_shape`; a one-axis list such as
  tf.keras 2's BatchNormalization `axis: [1]` becomes the integer;
- nested objects (initializers, regularizers, constraints) lose `module` and
  `registered_name`;
- keys Lamina's class does not take are dropped when they hold the value that means
  "off" (None, False, Keras's defaults listed in `_NEUTRAL`); any other is an error
  naming the key, since silently ignoring it would change the model;
- a `Lambda` whose function is bytecode in the file is refused (see `lambda_config`).
"""
from __future__ import annotations

import inspect
from typing import Any, Mapping

from lamina import registry
from lamina.layers.layer import _LAYER_KWARGS
from lamina.saving import _serialization as serialization

# Keys Keras writes with a value that changes nothing, for features Lamina lacks.
_NEUTRAL: dict[str, Any] = {
    "renorm_momentum": 0.99, "ema_momentum": 0.99, "sparse": False, "ragged": False,
    "optional": False, "renorm": False, "fused": None, "autocast": True,
}
# Keys that describe the file, never the object.
_METADATA = ("module", "registered_name", "shared_object_id", "build_config",
             "compile_config")
# Arguments Keras 3 renamed, by class: Keras 2's name -> the name Lamina's class uses.
_RENAMED = {"LeakyReLU": {"alpha": "negative_slope"}}
_OBJECT_PACKAGES = {"_initializer": "lamina.initializers",
                    "_regularizer": "lamina.regularizers",
                    "_constraint": "lamina.constraints"}
GRAPH_MODELS = ("Sequential", "Functional", "Model")


def dtype_name(value: Any) -> Any:
    """A Keras dtype or dtype-policy config as the variable dtype Lamina uses.

    Example:
        >>> dtype_name({"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}})
        'float32'
        >>> dtype_name("float64")
        'float64'
    """
    if isinstance(value, Mapping):
        value = (value.get("config") or {}).get("name", "float32")
    if isinstance(value, str) and value.startswith("mixed_"):
        return "float32"  # mixed precision keeps its variables in float32
    return value


def accepted_arguments(cls: type) -> set[str] | None:
    """The keyword arguments `cls(...)` takes, following `**kwargs` up the classes to
    `Layer` (whose own keywords are listed); None when that cannot be told."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                          p.KEYWORD_ONLY))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names - {"self"}
        if klass.__name__ == "Layer":
            return (names | set(_LAYER_KWARGS)) - {"self", "kwargs"}
    return (names - {"self", "kwargs"}) or None


def keep_known(config: dict[str, Any], cls: type, what: str, where: str) -> dict[str, Any]:
    """`config` without the keys `cls` does not take; a dropped key must be neutral."""
    accepted = accepted_arguments(cls)
    if accepted is None:
        return config
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
        elif value is None or value is False or value == {} or value == [] \
                or (key in _NEUTRAL and value == _NEUTRAL[key]):
            continue
        else:
            raise ValueError(f"{where}: {what} sets {key}={value!r}, which Lamina's "
                             f"{cls.__name__} does not have. Lamina can read this model "
                             f"only without that setting: rebuild it in Python without "
                             f"{key} and load the weights alone with "
                             "model.load_weights(...).")
    return out


def object_config(value: Any, package: str, where: str, what: str) -> Any:
    """A nested Keras object (initializer, regularizer, constraint) as Lamina's dict."""
    if not isinstance(value, Mapping) or not isinstance(value.get("class_name"), str):
        return value
    name = value["class_name"]
    inner = dict(value.get("config") or {})
    cls = registry.find(name, package, ignore_case=True)
    if isinstance(cls, type):
        inner = keep_known(inner, cls, f"{what} ({name})", where)
    return {"class_name": name, "config": inner}


def activation_name(value: Any) -> Any:
    """Keras 3's `{"class_name": "function", "config": "name"}` as the name."""
    if isinstance(value, Mapping) and value.get("class_name") == "function":
        return value.get("config")
    return value


def lambda_config(config: dict[str, Any], where: str) -> dict[str, Any]:
    """A Lambda layer's config with its function named, never loaded from bytecode.

    Keras 2 writes a lambda as `function: [base64 marshal, defaults, closure]` with
    `function_type: "lambda"`, Keras 3 as `{"class_name": "__lambda__", ...}`: both are
    Python bytecode, which Lamina refuses to run. A function written by name
    (`function_type: "function"`) is looked up in `custom_objects` when the layer is
    built.

    Example:
        >>> lambda_config({"name": "l", "function": "double", "function_type": "function",
        ...                "output_shape": None, "arguments": {}}, "x.h5")["function"]
        'double'
    """
    name = config.get("name", "lambda")
    out = {k: v for k, v in config.items()
           if k in ("name", "trainable", "dtype", "arguments", "mask")}
    for key in ("function", "output_shape"):
        value = config.get(key)
        kind = config.get(f"{key}_type")
        if isinstance(value, Mapping) and value.get("class_name") == "function":
            value = value.get("config")
        code = kind == "lambda" or isinstance(value, (list, tuple)) and kind != "raw" \
            or isinstance(value, Mapping) and value.get("class_name") == "__lambda__"
        if code:
            raise ValueError(
                f"{where} holds a Lambda layer '{name}' whose {key} is Python bytecode "
                "stored in the file. Lamina never runs code from a file. Build the model in "
                "Python (with a function defined by def in the Lambda) and load the weights "
                f"alone with model.load_weights({where}); or save it from Keras 3 with a "
                "function defined by def (Keras 3 stores it by name, tf.keras 2 as "
                "bytecode) and pass it to load_model as custom_objects={'its_name': "
                "its_name}.")
        if value is not None:
            out[key] = list(value) if isinstance(value, tuple) else value
    if not isinstance(out.get("function"), str):
        raise ValueError(f"{where} holds a Lambda layer '{name}' without a function name "
                         f"(it has {config.get('function')!r:.80}). Build the model in "
                         "Python and load the weights alone with model.load_weights(...).")
    return out


def layer_config(item: Any, where: str, custom_objects: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """One Keras layer entry as Lamina's `{"class_name", "config"}` (other keys, such as a
    functional model's `name` and `inbound_nodes`, are left to the caller).

    Example:
        >>> keras_dense = {"class_name": "Dense", "config": {
        ...     "name": "d", "dtype": {"class_name": "DTypePolicy",
        ...                            "config": {"name": "float32"}},
        ...     "units": 2, "activation": "relu", "quantization_config": None,
        ...     "kernel_initializer": {"module": "keras.initializers",
        ...         "class_name": "GlorotUniform", "config": {"seed": None,
        ...         "input_axes": None}, "registered_name": None}}}
        >>> layer_config(keras_dense, "'m.h5'")["config"]
        {'name': 'd', 'dtype': 'float32', 'units': 2, 'activation': 'relu', \
'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None}}}
    """
    if not isinstance(item, Mapping) or not isinstance(item.get("class_name"), str):
        raise ValueError(f"{where} is corrupted: a layer entry of its model config is "
                         f"{str(item)[:120]!r}, not {{'class_name': ..., 'config': ...}}.")
    class_name = item["class_name"]
    config = item.get("config") or {}
    if not isinstance(config, Mapping):
        raise ValueError(f"{where} is corrupted: the config of a {class_name} layer is "
                         f"{str(config)[:120]!r}, not a dict.")
    config = {k: v for k, v in config.items() if k not in _METADATA}
    if "dtype" in config:
        config["dtype"] = dtype_name(config["dtype"])
    if "batch_shape" in config:
        config["batch_input_shape"] = config.pop("batch_shape")
    if class_name == "Lambda":
        return {"class_name": class_name, "config": lambda_config(config, where)}
    registered = item.get("registered_name")
    registered = registered if isinstance(registered, str) and ">" in registered else None
    cls = _layer_class(class_name, registered, custom_objects, where)
    for key, value in list(config.items()):
        package = next((p for suffix, p in _OBJECT_PACKAGES.items()
                        if key.endswith(suffix)), None)
        if package is not None:
            config[key] = object_config(value, package, where,
                                        f"{class_name} '{config.get('name')}'")
        elif key == "activation":
            config[key] = activation_name(value)
    for old, new in _RENAMED.get(class_name, {}).items():
        if old in config and new not in config:
            config[new] = config.pop(old)
    if class_name == "BatchNormalization" and isinstance(config.get("axis"), list) \
            and len(config["axis"]) == 1:
        config["axis"] = config["axis"][0]
    config = keep_known(config, cls, f"{class_name} layer '{config.get('name')}'", where)
    out: dict[str, Any] = {"class_name": class_name, "config": config}
    if registered:
        out["registered_name"] = registered
    return out


def _layer_class(class_name: str, registered: str | None,
                 custom_objects: Mapping[str, Any] | None, where: str) -> type:
    try:
        return serialization.find_class(class_name, registered, custom_objects)
    except ValueError:
        raise ValueError(
            f"{where} uses the layer class '{registered or class_name}', which is neither "
            "one of Lamina's layers nor in custom_objects. Lamina reads Keras models made of "
            "the layers it has; for your own layer class, pass "
            f"custom_objects={{'{class_name}': YourClass}} (a Lamina Layer with the same "
            "constructor arguments), or build the model in Python and load the weights "
            "alone with model.load_weights(...).") from None
