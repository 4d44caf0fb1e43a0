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

from typing import Any

from lamina.backend._tree import flatten
from lamina.backend._tree import map_structure as map_tensors
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.input_layer import InputLayer
from lamina.saving import deserialize_layer, serialize_layer

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
    for layer in model.operations:
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


def functional_from_config(config: dict[str, Any],
                           custom_objects: dict[str, Any] | None = None, *,
                           cls: type) -> Any:
    """Rebuild a functional model (with fresh weights) from `graph_config(model)`.

    Args:
        config: the dict `model.get_config()` returned (after a JSON round trip).
        custom_objects: user classes and functions by name (custom layers, the
            functions of `Lambda` layers); other classes come from the registry.
        cls: the model class to make (`Functional` or a subclass).

    Returns:
        A model whose layers, names and weight order equal the original's.

    Raises:
        ValueError: for an unknown layer class, or a node whose inputs never appear.

    Example:
        >>> import json, lamina as keras
        >>> inputs = keras.Input(shape=(2,))
        >>> model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
        >>> config = json.loads(json.dumps(model.get_config()))
        >>> clone = functional_from_config(config, cls=type(model))
        >>> clone.output_shape, [w.shape for w in clone.weights]
        ((None, 3), [(2, 3), (3,)])
    """
    created: dict[str, Any] = {}
    pending: list[tuple[Any, str, list]] = []
    for item in config["layers"]:
        layer = deserialize_layer(item, custom_objects)
        # Tensors name their producer as the config does (a custom layer whose
        # get_config leaves out `name` is rebuilt under a new name).
        name = item.get("name", layer.name)
        created[name] = layer
        pending.append((layer, name, list(item.get("inbound_nodes", []))))
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
            found = outputs.get((name, node))
            if found is None or not isinstance(index, int) or not -len(found) <= index < \
                    len(found):
                raise ValueError(f"The model config is inconsistent: it refers to output "
                                 f"{index!r} of call {node!r} of layer {name!r}, which no "
                                 f"layer produces (its layers are {sorted(created)[:20]}).")
            return found[index]
        return _walk(one, value)

    # Shared layers may need a later layer's output first: sweep until nothing waits.
    while any(nodes for _, _, nodes in pending):
        progressed = False
        for layer, name, nodes in pending:
            while nodes and ready((nodes[0]["inputs"], nodes[0]["args"], nodes[0]["kwargs"])):
                node = nodes.pop(0)
                index = calls[name] = calls.get(name, -1) + 1
                result = layer(decode(node["inputs"]), *decode(node["args"]),
                               training=node.get("training"), **decode(node["kwargs"]))
                outputs[(name, index)] = flatten(result)
                progressed = True
        if not progressed:
            waiting = [name for _, name, nodes in pending if nodes]
            raise ValueError(f"The model config is inconsistent: the calls of layers "
                             f"{waiting} need tensors that no layer produces.")
    return cls(decode(config["input_layers"]), decode(config["output_layers"]),
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
