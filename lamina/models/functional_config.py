"""A functional model's graph as JSON, and back.

The config is `{"name", "trainable", "layers", "input_layers", "output_layers"}`.
Each entry of `layers` is `{"class_name", "config", "name", "inbound_nodes"}`, where
`inbound_nodes` lists the layer's calls in this model, in order, each as
`{"inputs", "args", "kwargs", "training"}`. In these, a tensor is written as
`{"class_name": "__keras_tensor__", "config": {"keras_history": [layer_name,
node_index, tensor_index]}}` (node indices count the producer's calls in this model);
lists and dicts keep their structure. `input_layers` and `output_layers` are the
model's inputs and outputs in the same encoding (one tensor, a list or a dict).
"""
from __future__ import annotations

from typing import Any, Callable

from lamina.layers.input_layer import InputLayer, KerasTensor
from lamina.models.graph import flatten, map_tensors

_TENSOR = "__keras_tensor__"


def graph_config(model: Any) -> dict[str, Any]:
    """The JSON-compatible config of a `Functional` model (see the module docstring).

    Example:
        >>> import lamina as keras
        >>> inputs = keras.Input(shape=(2,), name="x")
        >>> model = keras.Model(inputs, keras.layers.Dense(1, name="out")(inputs))
        >>> config = graph_config(model)
        >>> [layer["name"] for layer in config["layers"]], config["output_layers"]["config"]
        (['x', 'out'], {'keras_history': ['out', 0, 0]})
    """
    from lamina.saving.serialization import serialize_layer

    local = model._local_node_indices()

    def encode(value: Any) -> Any:
        if isinstance(value, KerasTensor):
            layer, index, tensor_index = value._keras_history
            return {"class_name": _TENSOR,
                    "config": {"keras_history": [layer.name, local.get((id(layer), index), 0),
                                                 tensor_index]}}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"Model '{model.name}' cannot be written as a config: a layer call "
                        f"received the argument {value!r} ({type(value).__name__}), which "
                        "is not a tensor, number, string, list or dict. Pass such values to "
                        "the layer's constructor instead.")

    nodes_of: dict[int, list] = {}
    for node in sorted(model._nodes, key=lambda n: n.index):
        nodes_of.setdefault(id(node.layer), []).append(node)
    layers = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"inputs": map_tensors(encode, _plain(node.inputs)),
             "args": map_tensors(encode, _plain(list(node.args))),
             "kwargs": map_tensors(encode, _plain(node.kwargs)),
             "training": node.training}
            for node in nodes_of.get(id(layer), [])]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": map_tensors(encode, _plain(model._input_struct)),
            "output_layers": map_tensors(encode, _plain(model._output_struct))}


def _plain(tree: Any) -> Any:
    return map_tensors(lambda v: v, list(tree) if isinstance(tree, tuple) else tree)


def deserialize_layer(item: dict[str, Any], custom_objects: dict[str, Any] | None = None
                      ) -> Any:
    """A layer from `{"class_name", "config"}`: looked up in `custom_objects`, then in
    `lamina.layers` and `lamina.models`.

    Example:
        >>> deserialize_layer({"class_name": "Dense", "config": {"units": 2}}).units
        2
    """
    from lamina import layers as layers_mod
    from lamina.models.sequential import Sequential

    custom_objects = custom_objects or {}
    name, config = item["class_name"], dict(item["config"])
    cls = custom_objects.get(name) or getattr(layers_mod, name, None)
    if name in ("Functional", "Model") and "input_layers" in config:
        return functional_from_config(config, custom_objects)
    if name == "Sequential":
        stack = [deserialize_layer(l, custom_objects) for l in config.pop("layers", [])]
        return Sequential(stack, **config)
    if cls is None or not isinstance(cls, type):
        raise ValueError(f"Unknown layer class '{name}' in the model config. Lamina never "
                         "runs code from a file: pass the class in custom_objects="
                         f"{{'{name}': {name}}}.")
    if name == "Lambda":
        return cls.from_config(config, custom_objects)
    return cls.from_config(config)


def functional_from_config(config: dict[str, Any],
                           custom_objects: dict[str, Any] | None = None, *,
                           deserialize: Callable[..., Any] | None = None) -> Any:
    """Rebuild a functional model (with fresh weights) from `graph_config(model)`.

    Args:
        config: the dict `model.get_config()` returned (after a JSON round trip).
        custom_objects: user classes and functions by name (custom layers, the
            functions of `Lambda` layers).
        deserialize: `(layer_dict, custom_objects) -> layer` for each entry of
            `config["layers"]` (e.g. one that also searches a registry); by default
            `deserialize_layer`.

    Returns:
        A `Functional` model whose layers, names and weight order equal the original's.

    Raises:
        ValueError: for an unknown layer class, or a node whose inputs never appear.

    Example:
        >>> import json, lamina as keras
        >>> inputs = keras.Input(shape=(2,))
        >>> model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
        >>> clone = functional_from_config(json.loads(json.dumps(model.get_config())))
        >>> clone.output_shape, [w.shape for w in clone.weights]
        ((None, 3), [(2, 3), (3,)])
    """
    from lamina.models.functional import Functional

    deserialize = deserialize or deserialize_layer
    created: dict[str, Any] = {}
    pending: list[tuple[Any, list]] = []
    for item in config["layers"]:
        layer = deserialize(item, custom_objects)
        created[item.get("name", layer.name)] = layer
        pending.append((layer, list(item.get("inbound_nodes", []))))
    outputs: dict[tuple[str, int], list] = {
        (name, 0): [layer.output] for name, layer in created.items()
        if isinstance(layer, InputLayer)}

    calls: dict[str, int] = {}

    def ready(value: Any) -> bool:
        return all(tuple(v["config"]["keras_history"][:2]) in outputs
                   for v in _encoded_tensors(value))

    def decode(value: Any) -> Any:
        def one(v: dict) -> Any:
            name, node, index = v["config"]["keras_history"]
            return outputs[(name, node)][index]
        return _walk(one, value)

    # Shared layers may need a later layer's output first: sweep until nothing waits.
    while any(nodes for _, nodes in pending):
        progressed = False
        for layer, nodes in pending:
            while nodes and ready((nodes[0]["inputs"], nodes[0]["args"], nodes[0]["kwargs"])):
                node = nodes.pop(0)
                index = calls[layer.name] = calls.get(layer.name, -1) + 1
                result = layer(decode(node["inputs"]), *decode(node["args"]),
                               training=node.get("training"), **decode(node["kwargs"]))
                outputs[(layer.name, index)] = flatten(result)
                progressed = True
        if not progressed:
            waiting = [layer.name for layer, nodes in pending if nodes]
            raise ValueError(f"The model config is inconsistent: the calls of layers "
                             f"{waiting} need tensors that no layer produces.")
    return Functional(decode(config["input_layers"]), decode(config["output_layers"]),
                      name=config.get("name"), trainable=config.get("trainable", True))


def _is_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == _TENSOR


def _walk(fn: Any, value: Any) -> Any:
    if _is_tensor(value):
        return fn(value)
    if isinstance(value, dict):
        return {k: _walk(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(fn, v) for v in value]
    return value


def _encoded_tensors(value: Any) -> list[dict]:
    found: list[dict] = []
    _walk(found.append, value)
    return found
