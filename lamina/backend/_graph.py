"""The symbolic graph: calling a layer on `KerasTensor`s records a `Node`.

`call_symbolic` builds the layer, infers the output shapes (and output masks) with
`jax.eval_shape` and records a `Node` on the layer. A node keeps the layer's call
arguments with the symbolic tensors in place, so a functional model can run the
same call on arrays later; `map_graph` orders the nodes between a model's inputs
and outputs. Each output tensor's `_keras_history` is `(layer, node_index,
tensor_index)`. Nothing here imports a layer or a model: layers are duck-typed
(`layer.name`, `layer(...)`, `layer._inbound_nodes`).
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from lamina.backend import _masking
from lamina.backend._scope import StatelessScope
from lamina.backend._tree import flatten, map_structure, symbolic_leaves
from lamina.backend.keras_tensor import KerasTensor

# The batch size the shapes are traced with when the batch dimension is unknown.
PLACEHOLDER_BATCH = 2


def describe(tensor: KerasTensor) -> str:
    """`"the output of 'dense' (shape (None, 3))"`, for error messages."""
    layer = tensor._keras_history[0] if tensor._keras_history else None
    source = f"'{layer.name}'" if layer is not None else "an unknown layer"
    return f"the output of {source} (shape {tensor.shape})"


class Node:
    """One call of a layer on symbolic tensors (or the creation of a model input).

    Attributes:
        layer: the layer called.
        index: the position of this node in `layer._inbound_nodes`.
        inputs: the first call argument, with `KerasTensor`s in place.
        args: further positional arguments.
        kwargs: keyword arguments (without `training`).
        training: the `training` flag given at the call, or None to inherit it.
        outputs: the output structure of `KerasTensor`s.
        is_input: whether the node creates a model input (an `InputLayer`).
    """

    def __init__(self, layer: Any, inputs: Any, args: tuple, kwargs: dict,
                 training: Any, outputs: Any, *, is_input: bool = False):
        self.layer = layer
        self.index = len(layer.__dict__.setdefault("_inbound_nodes", []))
        self.inputs, self.args, self.kwargs, self.training = inputs, args, kwargs, training
        self.outputs = outputs
        self.is_input = is_input
        self.flat_outputs = symbolic_leaves(outputs)
        self.inbound = [] if is_input else symbolic_leaves((inputs, args, kwargs))
        layer._inbound_nodes.append(self)

    def run(self, env: dict[int, Any], masks: dict[int, Any], training: Any) -> None:
        """Call the layer on the values in `env` (by tensor id), passing the inputs'
        masks from `masks`, and store its outputs and their masks."""
        value = lambda t: env[id(t)] if isinstance(t, KerasTensor) else t  # noqa: E731
        inputs = map_structure(value, self.inputs)
        args = map_structure(value, self.args)
        kwargs = map_structure(value, self.kwargs)
        mode = training if self.training is None else self.training
        input_masks = map_structure(
            lambda t: masks.get(id(t)) if isinstance(t, KerasTensor) else None, self.inputs)
        if all(m is None for m in flatten(input_masks)):
            input_masks = None
        outputs, out_masks = self.layer._call_with_mask(inputs, args, kwargs, mode,
                                                        input_masks)
        out_masks = flatten(out_masks) if out_masks is not None else []
        for i, (tensor, out) in enumerate(zip(self.flat_outputs, flatten(outputs))):
            env[id(tensor)] = out
            masks[id(tensor)] = out_masks[i] if i < len(out_masks) else None


def _placeholder(tensor: KerasTensor, size: int = PLACEHOLDER_BATCH) -> jax.ShapeDtypeStruct:
    """A stand-in array for tracing: unknown dimensions take `size`."""
    if tensor.dtype == "string":
        raise TypeError(f"{describe(tensor)} holds strings, which only the layers that run "
                        "on the host take (TextVectorization, StringLookup, Hashing); put "
                        "one of them first to turn the strings into numbers.")
    shape = tuple(size if d is None else d for d in tensor.shape)
    return jax.ShapeDtypeStruct(shape, jnp.dtype(tensor.dtype))


# The sizes unknown non-batch dimensions (variable-length sequences) take in the two
# tracing passes: a dimension that follows them is unknown in the outputs too.
PROBES = (PLACEHOLDER_BATCH, PLACEHOLDER_BATCH + 1)


def _infer(layer: Any, tensors: list[KerasTensor], inputs: Any, args: tuple,
           kwargs: dict, size: int = PLACEHOLDER_BATCH) -> tuple[Any, Any]:
    """The layer's outputs and output masks on placeholders of `tensors` (unknown
    dimensions of size `size`), as `jax.ShapeDtypeStruct`s; builds the layer."""
    mask_tensors = [t._keras_mask for t in tensors]

    def run(values: list, mask_values: list) -> Any:
        env = {id(t): v for t, v in zip(tensors, values)}
        value = lambda t: env[id(t)] if isinstance(t, KerasTensor) else t  # noqa: E731
        x, a, kw = map_structure(value, (inputs, args, kwargs))
        by_id = {id(t): m for t, m in zip(tensors, mask_values)}
        in_masks = map_structure(
            lambda t: by_id.get(id(t)) if isinstance(t, KerasTensor) else None, inputs)
        if all(m is None for m in flatten(in_masks)):
            in_masks = None
        return layer._call_with_mask(x, a, kw, False, in_masks)

    # A building scope: weights made in `build` keep their values; nothing else sticks.
    with StatelessScope(building=True), _masking.mask_scope():
        return jax.eval_shape(
            run, [_placeholder(t, size) for t in tensors],
            [None if m is None else _placeholder(m, size) for m in mask_tensors])


def _variable_length(tensors: list[KerasTensor]) -> bool:
    return any(d is None for t in tensors for d in t.shape[1:])


def _probed(layer: Any, tensors: list[KerasTensor], inputs: Any, args: tuple,
            kwargs: dict) -> tuple[Any, Any]:
    """`_infer` twice with different sizes for the unknown dimensions; output
    dimensions that differ are unknown (`None`, marked by -1 until converted)."""
    first, second = (_infer(layer, tensors, inputs, args, kwargs, size) for size in PROBES)

    def merge(a: Any, b: Any) -> Any:
        if a is None:
            return None
        shape = tuple(-1 if da != db else da for da, db in zip(a.shape, b.shape))
        return _Probed(shape, a.dtype)

    return (jax.tree.map(merge, first[0], second[0]),
            jax.tree.map(merge, first[1], second[1], is_leaf=lambda v: v is None))


class _Probed:
    """An output shape (with -1 for unknown) and dtype found by `_probed`."""

    def __init__(self, shape: tuple, dtype: Any):
        self.shape, self.dtype = shape, dtype


def _user_code(layer: Any) -> bool:
    return not type(layer).__module__.startswith("lamina.") or \
        callable(getattr(layer, "function", None))


def _overridden(layer: Any, method: str) -> bool:
    """Whether the layer's class defines `method` itself (not the base Layer's)."""
    found = getattr(type(layer), method, None)
    return found is not None and not getattr(found, "_lamina_default", False)


def output_spec(layer: Any, inputs: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
    """The symbolic outputs of calling `layer` on symbolic `inputs`, as `KerasTensor`s
    without a graph node (Keras 3's `Layer.compute_output_spec`)."""
    kwargs = kwargs or {}
    tensors = symbolic_leaves((inputs, args, kwargs))
    batch = next((t.shape[0] for t in tensors if t.shape and t.shape[0] is not None), None)
    infer = _probed if _variable_length(tensors) else _infer
    out, _ = infer(layer, tensors, inputs, args, kwargs)
    return map_structure(lambda s: _from_struct(s, batch, layer.name), out)


def _from_struct(s: Any, batch: Any, name: str) -> KerasTensor:
    if isinstance(s, _Probed):
        return KerasTensor(tuple(None if d == -1 else d for d in s.shape), s.dtype, name)
    shape = tuple(s.shape)
    if shape and batch is None and shape[0] == PLACEHOLDER_BATCH:
        shape = (None,) + shape[1:]
    return KerasTensor(shape, s.dtype, name)


def call_symbolic(layer: Any, inputs: Any, args: tuple, training: Any,
                  kwargs: dict) -> Any:
    """Call `layer` on symbolic tensors: build it, infer the outputs, record a node.

    The outputs come from tracing the layer's call with `jax.eval_shape`; a layer
    that defines `compute_output_spec` (Keras 3) gives them itself, and one whose call
    cannot be traced falls back on its own `compute_output_shape`.

    Args:
        layer: the layer (or model) called.
        inputs: a `KerasTensor`, or a list/tuple/dict holding some.
        args: further positional call arguments (may hold `KerasTensor`s).
        training: the `training` argument of the call, or None.
        kwargs: further keyword call arguments.

    Returns:
        `KerasTensor`s in the structure of the layer's outputs, each with the
        symbolic mask the layer attaches (`_keras_mask`), if any.

    Raises:
        ValueError: when the layer cannot be called on tensors of these shapes; the
            message names the layers that produced the inputs and their shapes.
    """
    tensors = symbolic_leaves((inputs, args, kwargs))
    batch = next((t.shape[0] for t in tensors if t.shape and t.shape[0] is not None), None)
    out_masks = None
    if _overridden(layer, "compute_output_spec"):
        layer._maybe_build(inputs)
        outputs = layer.compute_output_spec(inputs, *args, **kwargs)
    else:
        try:
            infer = _probed if _variable_length(tensors) else _infer
            out, out_masks = infer(layer, tensors, inputs, args, kwargs)
            outputs = map_structure(lambda s: _from_struct(s, batch, layer.name), out)
        except (ValueError, TypeError, IndexError) as err:
            # Only users' code (their layers, a Lambda's function) falls back on its
            # compute_output_shape; a built-in layer's error (an RNN's initial_state of
            # the wrong shape) is the user's to see.
            if not _overridden(layer, "compute_output_shape") or not _user_code(layer):
                received = "; ".join(describe(t) for t in tensors)
                hint = (" A dimension the Input leaves unknown (None) may be one the layer's "
                        "weights depend on: give it in keras.Input(shape=...).") \
                    if _variable_length(tensors) else ""
                raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot be "
                                 f"called on {received}: {err}{hint}") from err
            shapes = map_structure(lambda t: t.shape, inputs)
            outputs = _tensors_of(layer.compute_output_shape(shapes), layer.dtype, layer.name)

    node_index = len(layer.__dict__.get("_inbound_nodes", []))
    flat_masks = flatten(out_masks) if out_masks is not None else []
    for i, tensor in enumerate(flatten(outputs)):
        tensor._keras_history = (layer, node_index, i)
        tensor.name = layer.name if i == 0 else f"{layer.name}_{i}"
        mask = flat_masks[i] if i < len(flat_masks) else None
        if mask is not None:
            tensor._keras_mask = _from_struct(mask, batch, layer.name)
    if _variable_length(tensors):  # the layer's shapes keep the unknown dimensions
        layer._input_shape = map_structure(lambda t: t.shape, _listed(inputs))
        layer._output_shape = map_structure(lambda t: t.shape, _listed(outputs))
    Node(layer, inputs, tuple(args), dict(kwargs), training, outputs)
    return outputs


def _listed(tree: Any) -> Any:
    """Shapes are recorded with lists for several tensors, as `shape_of` makes them."""
    if isinstance(tree, (list, tuple)):
        return [_listed(t) for t in tree]
    if isinstance(tree, dict):
        return {k: _listed(v) for k, v in tree.items()}
    return tree


def _tensors_of(shapes: Any, dtype: Any, name: str) -> Any:
    """KerasTensors for a shape (a tuple of ints and Nones) or a list/dict of shapes."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return KerasTensor(shapes, dtype, name)
    if isinstance(shapes, dict):
        return {k: _tensors_of(v, dtype, name) for k, v in shapes.items()}
    return [_tensors_of(v, dtype, name) for v in shapes]


def is_input_tensor(tensor: KerasTensor) -> bool:
    """Whether the tensor is a model input (made by an `InputLayer`)."""
    layer, index, _ = tensor._keras_history
    return layer._inbound_nodes[index].is_input


class Graph(NamedTuple):
    """A functional model's graph, ordered for execution.

    Attributes:
        nodes: the nodes in an order where every node comes after its inputs' nodes.
        layers: the layers, `InputLayer`s included, in Keras's order (deepest first,
            ties in the order a depth-first walk from the outputs meets them).
    """

    nodes: list[Node]
    layers: list[Any]


def map_graph(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> Graph:
    """Order the nodes between `inputs` and `outputs`.

    Args:
        inputs: the model's input tensors (outputs of `InputLayer`s).
        outputs: the model's output tensors.

    Returns:
        The `Graph`.

    Raises:
        ValueError: when an output depends on an input that is not in `inputs`.
    """
    input_ids = {id(t) for t in inputs}
    finished: dict[int, Node] = {}
    order: list[Node] = []
    first_seen: dict[int, int] = {}
    input_layers: list[Any] = []

    def visit(tensor: KerasTensor, consumer: Any) -> None:
        layer, index, _ = tensor._keras_history
        first_seen.setdefault(id(layer), len(first_seen))
        node = layer._inbound_nodes[index]
        if id(tensor) in input_ids:
            if layer not in input_layers:
                input_layers.append(layer)
            return
        if node.is_input:
            who = "a model output" if consumer is None else f"layer '{consumer.name}'"
            raise ValueError(
                f"Graph disconnected: {who} needs the input '{layer.name}' (shape "
                f"{tensor.shape}), which is not among "
                f"the model's inputs {[t._keras_history[0].name for t in inputs]}. Pass it in "
                "Model(inputs=[...]).")
        if id(node) in finished:
            return
        finished[id(node)] = node
        for t in node.inbound:
            visit(t, layer)
        order.append(node)

    for t in outputs:
        visit(t, None)

    # Depth: 0 at the outputs, one more than the deepest consumer for a producer.
    depth: dict[int, int] = {}
    for t in outputs:
        depth.setdefault(_producer_key(t), 0)
    for node in reversed(order):
        d = depth.setdefault(id(node), 0)
        for t in node.inbound:
            key = _producer_key(t)
            depth[key] = max(depth.get(key, 0), d + 1)
    position = {id(node): i for i, node in enumerate(order)}
    nodes = sorted(order, key=lambda n: (-depth[id(n)], position[id(n)]))

    layer_depth: dict[int, int] = {}
    layers: list[Any] = []
    for layer in input_layers:
        layer_depth[id(layer)] = depth.get(id(layer._inbound_nodes[0]), 0)
        layers.append(layer)
    for node in nodes:
        if id(node.layer) not in layer_depth:
            layers.append(node.layer)
        layer_depth[id(node.layer)] = max(layer_depth.get(id(node.layer), 0), depth[id(node)])
    layers.sort(key=lambda l: (-layer_depth[id(l)], first_seen.get(id(l), 0)))
    return Graph(nodes, layers)


def _producer_key(tensor: KerasTensor) -> int:
    layer, index, _ = tensor._keras_history
    return id(layer._inbound_nodes[index])
