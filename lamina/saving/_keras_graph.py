"""Keras's model configs (Sequential and functional; Keras 2, tf.keras 2, Keras 3) as
Lamina's, ready for `lamina.saving.deserialize_layer`.

A functional model lists its layers with their calls (`inbound_nodes`). Keras 2 writes
each call as a list of `[layer_name, node_index, tensor_index, kwargs]`, one per input
tensor; Keras 3 as `{"args": [...], "kwargs": {...}}` with tensors written as
`{"class_name": "__keras_tensor__", "config": {"keras_history": [...]}}`. Both become
Lamina's `{"inputs", "args", "kwargs", "training"}` (see
`lamina.models._functional_config`). The model's `input_layers` and `output_layers`
are triples, or lists (or, in Keras 3, dicts) of them; a list of one is one tensor,
as Keras returns it.
"""
from __future__ import annotations

from typing import Any, Mapping

from lamina.saving import _keras_config as kc

_TENSOR = "__keras_tensor__"


def model_config(data: Any, where: str, custom_objects: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """A Keras model (or layer) config as Lamina's serialized form.

    Example:
        >>> keras2 = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        ...     {"class_name": "Dense", "config": {"name": "d", "units": 1,
        ...                                        "batch_input_shape": [None, 3]}}]}}
        >>> model_config(keras2, "'m.h5'")["config"]["layers"][0]["config"]
        {'name': 'd', 'units': 1, 'batch_input_shape': [None, 3]}
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("class_name"), str):
        raise ValueError(f"{where} is corrupted: its model config is {str(data)[:120]!r}, "
                         "not {'class_name': ..., 'config': ...}.")
    name = data["class_name"]
    if name == "Sequential":
        out = _sequential(data.get("config"), where, custom_objects)
    elif name in ("Functional", "Model"):
        out = _functional(data.get("config"), where, custom_objects)
    else:
        return kc.layer_config(data, where, custom_objects)
    build = data.get("build_config")
    if isinstance(build, Mapping) and build.get("input_shape") is not None \
            and name == "Sequential":
        out["build_config"] = {"input_shape": build["input_shape"]}
    return out


def _sequential(config: Any, where: str, custom_objects: Any) -> dict[str, Any]:
    if isinstance(config, list):  # Keras 2.0-2.1 wrote the list of layers alone
        config = {"layers": config}
    if not isinstance(config, Mapping) or not isinstance(config.get("layers"), list):
        raise ValueError(f"{where} is corrupted: its Sequential config has no list of "
                         "layers.")
    layers = [_nested(item, where, custom_objects) for item in config["layers"]]
    out: dict[str, Any] = {"class_name": "Sequential",
                           "config": {"layers": layers}}
    for key in ("name", "trainable"):
        if key in config:
            out["config"][key] = config[key]
    shape = config.get("build_input_shape")
    if isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape):
        out["build_config"] = {"input_shape": shape}
    return out


def _nested(item: Any, where: str, custom_objects: Any) -> dict[str, Any]:
    if isinstance(item, Mapping) and item.get("class_name") in kc.GRAPH_MODELS:
        return model_config(item, where, custom_objects)
    return kc.layer_config(item, where, custom_objects)


def _functional(config: Any, where: str, custom_objects: Any) -> dict[str, Any]:
    if not isinstance(config, Mapping) or not isinstance(config.get("layers"), list):
        raise ValueError(f"{where} is corrupted: its functional model config has no list "
                         "of layers.")
    names = {item.get("name") or (item.get("config") or {}).get("name")
             for item in config["layers"] if isinstance(item, Mapping)}
    layers = []
    for item in config["layers"]:
        entry = _nested(item, where, custom_objects)
        entry["name"] = item.get("name") or entry["config"].get("name")
        nodes = item.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f"{where} is corrupted: the inbound_nodes of layer "
                             f"'{entry['name']}' are not a list.")
        entry["inbound_nodes"] = [_node(node, names, where) for node in nodes]
        layers.append(entry)
    out = {"name": config.get("name"), "trainable": config.get("trainable", True),
           "layers": layers,
           "input_layers": _endpoints(config.get("input_layers"), "input_layers", where),
           "output_layers": _endpoints(config.get("output_layers"), "output_layers", where)}
    _renumber_nested_models(out)
    return {"class_name": "Functional", "config": out}


def _renumber_nested_models(config: dict[str, Any]) -> None:
    """Keras numbers the calls of a nested model from 1 when the model was built on its
    own inputs (that first node is not in the file); Lamina numbers them from 0. Such a
    model is recognised by the data: no reference to its call 0."""
    refs: dict[str, list[list]] = {}

    def collect(value: Any) -> None:
        if isinstance(value, dict) and value.get("class_name") == _TENSOR:
            history = value["config"]["keras_history"]
            refs.setdefault(history[0], []).append(history)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect([config["layers"], config["input_layers"], config["output_layers"]])
    for entry in config["layers"]:
        found = refs.get(entry["name"], [])
        if entry["class_name"] in kc.GRAPH_MODELS and found and min(h[1] for h in found) >= 1:
            for history in found:
                history[1] -= 1


def _tensor(history: Any, where: str) -> dict[str, Any]:
    if not (isinstance(history, (list, tuple)) and len(history) >= 3
            and isinstance(history[0], str) and isinstance(history[1], int)
            and isinstance(history[2], int)):
        raise ValueError(f"{where} is corrupted: {str(history)[:80]!r} should name a tensor "
                         "as [layer_name, node_index, tensor_index].")
    return {"class_name": _TENSOR, "config": {"keras_history": list(history[:3])}}


def _is_triple(value: Any) -> bool:
    return isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) \
        and all(isinstance(v, int) for v in value[1:3])


def _endpoints(value: Any, what: str, where: str) -> Any:
    """A model's inputs or outputs: one tensor, a list, or a dict of them."""
    if _is_triple(value):
        return _tensor(value, where)
    if isinstance(value, list) and value:
        tensors = [_endpoints(v, what, where) for v in value]
        return tensors[0] if len(tensors) == 1 else tensors
    if isinstance(value, Mapping) and value:
        return {str(k): _endpoints(v, what, where) for k, v in value.items()}
    raise ValueError(f"{where} is corrupted: the model's {what} are "
                     f"{str(value)[:120]!r}, not tensors.")


def _node(node: Any, names: set, where: str) -> dict[str, Any]:
    """One call of a layer, in Lamina's form."""
    if isinstance(node, Mapping):  # Keras 3
        args = [_keras3_value(a, where) for a in node.get("args") or []]
        kwargs = {str(k): _keras3_value(v, where)
                  for k, v in (node.get("kwargs") or {}).items()}
        if not args:
            raise ValueError(f"{where} is corrupted: a layer call has no arguments.")
        inputs, args = args[0], args[1:]
    elif isinstance(node, list) and node and all(_is_triple(e) for e in node):  # Keras 2
        tensors = [_tensor(e, where) for e in node]
        inputs = tensors[0] if len(tensors) == 1 else tensors
        args = []
        first = node[0]
        raw = first[3] if len(first) > 3 and isinstance(first[3], Mapping) else {}
        kwargs = {str(k): _keras2_value(v, names, where) for k, v in raw.items()}
    else:
        raise ValueError(f"{where} is corrupted: a layer call is written as "
                         f"{str(node)[:120]!r}.")
    training = kwargs.pop("training", None)
    if kwargs.get("mask", 0) is None:
        kwargs.pop("mask")
    return {"inputs": inputs, "args": args, "kwargs": kwargs,
            "training": training if isinstance(training, bool) else None}


def _keras3_value(value: Any, where: str) -> Any:
    if isinstance(value, Mapping) and value.get("class_name") == _TENSOR:
        return _tensor((value.get("config") or {}).get("keras_history"), where)
    if isinstance(value, list):
        return [_keras3_value(v, where) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _keras3_value(v, where) for k, v in value.items()}
    return value


def _keras2_value(value: Any, names: set, where: str) -> Any:
    """Keras 2 writes a tensor passed as a keyword argument as its triple."""
    if _is_triple(value) and value[0] in names:
        return _tensor(value, where)
    return value
