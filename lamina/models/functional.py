"""`Functional`: a model defined by calling layers on `Input` tensors, as `keras.Model(inputs,
outputs)`.

The graph is recorded while the layers are called on symbolic tensors (see
`lamina.backend._graph`); the model runs its nodes in a cached topological order, so
shared layers, residual connections and models used as layers all work, and each
tensor's mask travels with it from node to node.
"""
from __future__ import annotations

from typing import Any

from lamina import registry
from lamina.backend import _graph as graph_mod
from lamina.backend._naming import unique_name
from lamina.backend._operation import Operation
from lamina.backend._tree import flatten
from lamina.backend._tree import map_structure as map_tensors
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer
from lamina.models import _functional_config
from lamina.models._host_inputs import encoded_input_shapes
from lamina.models.model import Model

__all__ = ["Functional", "functional_from_config"]


def _check_structure(tree: Any, what: str) -> None:
    for leaf in flatten(tree):
        if not isinstance(leaf, KerasTensor):
            raise TypeError(f"Model {what} must be tensors from keras.Input(...) or from "
                            f"calling layers on them, but received {leaf!r} "
                            f"({type(leaf).__name__}). For example: inputs = "
                            "keras.Input(shape=(3,)); outputs = "
                            "keras.layers.Dense(1)(inputs).")
    if not flatten(tree):
        raise ValueError(f"Model {what} are empty. Pass at least one tensor.")


# `Model` subclasses built as `Subclass(inputs, outputs)`, by subclass.
_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


@registry.register_serializable("lamina.models")
class Functional(Model):
    """A model built from a graph of layers, as `keras.Model(inputs, outputs)`.

    Args:
        inputs: an `Input` tensor, or a list or dict of them.
        outputs: a tensor made by calling layers on the inputs, or a list or dict.
        name: the model's name.
        trainable: whether its weights are trained.

    Example:
        >>> import numpy as np, lamina as keras
        >>> keras.layers.clear_session()
        >>> inputs = keras.Input(shape=(3,))
        >>> hidden = keras.layers.Dense(4, activation="relu")(inputs)
        >>> outputs = keras.layers.Dense(1)(keras.layers.Concatenate()([inputs, hidden]))
        >>> model = keras.Model(inputs, outputs, name="skip")
        >>> [layer.name for layer in model.layers]
        ['input_layer', 'dense', 'concatenate', 'dense_1']
        >>> model.output_shape, model.predict(np.ones((2, 3)), verbose=0).shape
        ((None, 1), (2, 1))
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None,
                 trainable: bool = True, **kwargs: Any):
        super().__init__(name=name or unique_name("model"), trainable=trainable, **kwargs)
        _check_structure(inputs, "inputs")
        _check_structure(outputs, "outputs")
        for tensor in flatten(inputs):
            if not graph_mod.is_input_tensor(tensor):
                raise ValueError(f"Model inputs must come from keras.Input(...), but one is "
                                 f"{graph_mod.describe(tensor)}. Pass the Input tensors the "
                                 "graph starts from.")
        self._input_struct = inputs
        self._output_struct = outputs
        self.inputs = list(flatten(inputs))
        self.outputs = list(flatten(outputs))
        graph = graph_mod.map_graph(self.inputs, self.outputs)
        self._nodes = graph.nodes
        self._graph_layers = graph.layers
        self._input_shape = map_tensors(lambda t: t.shape, _listed(inputs))
        self._output_shape = map_tensors(lambda t: t.shape, _listed(outputs))
        self.built = True

    @classmethod
    def with_methods_of(cls, subclass: type) -> type:
        """A functional model class with the methods of a `Model` subclass, for
        `CustomModel(inputs, outputs)` (Keras 3's functional constructor of a subclass:
        the graph runs as `call`, the subclass's `train_step` and other methods apply).

        Example:
            >>> import lamina as keras
            >>> class Custom(keras.Model):
            ...     def describe(self):
            ...         return f"{len(self.layers)} layers"
            >>> inputs = keras.Input((2,))
            >>> model = Custom(inputs, keras.layers.Dense(1)(inputs))
            >>> isinstance(model, Custom), isinstance(model, Functional), model.describe()
            (True, True, '2 layers')
        """
        made = _FUNCTIONAL_SUBCLASSES.get(subclass)
        if made is None:
            made = type(subclass.__name__, (subclass, cls),
                        {"__module__": subclass.__module__,
                         "__qualname__": subclass.__qualname__,
                         "__doc__": subclass.__doc__})
            _FUNCTIONAL_SUBCLASSES[subclass] = made
        return made

    # -- structure ------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """All layers in graph order, the `InputLayer`s included (as in tf.keras); the
        `keras.ops` calls of the graph are in `operations`, as in Keras 3."""
        return [layer for layer in self._graph_layers if not isinstance(layer, Operation)]

    @property
    def operations(self) -> list[Any]:
        """The layers and the recorded `keras.ops` calls, in graph order (Keras 3)."""
        return list(self._graph_layers)

    @property
    def input(self) -> Any:
        """The input tensor, or the list or dict of them given to the model."""
        return self._input_struct

    @property
    def output(self) -> Any:
        """The output tensor, or the list or dict of them given to the model."""
        return self._output_struct

    @property
    def input_names(self) -> list[str]:
        """The names of the input layers (the sorted keys of dict inputs), in
        `inputs` order."""
        if isinstance(self._input_struct, dict):
            return sorted(self._input_struct)
        return [t._keras_history[0].name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        """The names the logs use for each output: the keys of dict outputs, otherwise
        the names of the layers that produce them (`price_loss`, `buy_accuracy`)."""
        if isinstance(self._output_struct, dict):
            return list(self._output_struct)
        names: list[str] = []
        for tensor in self.outputs:
            name = base = tensor._keras_history[0].name
            count = 1
            while name in names:
                name, count = f"{base}_{count}", count + 1
            names.append(name)
        return names

    def _output_shapes(self) -> list[tuple]:
        if isinstance(self._output_struct, dict):
            return [self._output_struct[k].shape for k in self._output_struct]
        return [t.shape for t in self.outputs]

    # -- running --------------------------------------------------------------------
    def _flat_inputs(self, inputs: Any) -> list[Any]:
        """The model inputs in `self.inputs` order, from one array, a list, or a dict."""
        n = len(self.inputs)
        if isinstance(inputs, dict):
            if isinstance(self._input_struct, dict):
                by_key = {id(t): k for k, t in self._input_struct.items()}
                keys = [by_key[id(t)] for t in self.inputs]
            else:
                keys = [t.name for t in self.inputs]
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(f"Model '{self.name}' expects inputs named {keys}, but the "
                                 f"dict it received has keys {sorted(inputs)}; missing "
                                 f"{missing}. Name the arrays like the keras.Input(name=...)"
                                 " tensors.")
            return [inputs[k] for k in keys]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) == 1 and n == 1:
                return [inputs[0]]
            if len(inputs) != n:
                raise ValueError(f"Model '{self.name}' expects {n} input(s) "
                                 f"{self.input_names}, but received a list of "
                                 f"{len(inputs)}. Pass one array per input, in that order, "
                                 "or a dict by input name.")
            return list(inputs)
        if n != 1:
            raise ValueError(f"Model '{self.name}' expects {n} inputs {self.input_names}, but "
                             "received a single array. Pass a list of arrays in that order, "
                             "or a dict by input name.")
        return [inputs]

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """Run the graph on arrays and return outputs in the structure given at creation.

        Each tensor's mask goes with it: the input masks (`mask`, or the masks
        attached to the inputs) to the layers that read them, each layer's output mask
        onward, and the outputs' masks attach to the outputs."""
        env: dict[int, Any] = {}
        masks: dict[int, Any] = {}
        flat_masks = [None] * len(self.inputs) if mask is None else \
            self._flat_inputs(mask) if isinstance(mask, (list, tuple, dict)) else [mask]
        for tensor, value, m in zip(self.inputs, self._flat_inputs(inputs), flat_masks):
            env[id(tensor)] = value
            masks[id(tensor)] = m
        for node in self._nodes:
            node.run(env, masks, training)
        outputs = map_tensors(lambda t: env[id(t)], self._output_struct)
        self._last_masks = map_tensors(lambda t: masks.get(id(t)), self._output_struct)
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The outputs' masks of the last call (computed by the graph in `call`)."""
        found = self.__dict__.pop("_last_masks", None)
        return None if found is None or all(m is None for m in flatten(found)) else found

    def build_from_data(self, x: Any) -> None:
        """Check that the data matches the model's inputs (the model is already built)."""
        encoded = encoded_input_shapes(self)  # inputs that feed host layers (text)
        for tensor, array, host in zip(self.inputs, self._flat_inputs(x), encoded):
            shape = tuple(getattr(array, "shape", ()))
            expected = tensor.shape if host is None else host
            if len(shape) != len(expected) or any(
                    d is not None and d != s for d, s in zip(expected[1:], shape[1:])):
                raise ValueError(f"Input '{tensor.name}' of model '{self.name}' expects data "
                                 f"of shape {expected}, but received shape {shape}. Check "
                                 "the columns of that input, or change keras.Input(shape="
                                 f"{tuple(shape[1:])}).")
        super().build_from_data(x)

    # -- summary and config -----------------------------------------------------------
    def _connections(self, layer: Layer) -> list[str]:
        """`'dense[0][0]'` for each tensor the layer is called on in this model."""
        out: list[str] = []
        local = self._local_node_indices()
        for node in self._nodes:
            if node.layer is layer:
                for t in node.inbound:
                    src, index, tensor_index = t._keras_history
                    out.append(f"{src.name}[{local.get((id(src), index), 0)}]"
                               f"[{tensor_index}]")
        return out

    def _local_node_indices(self) -> dict[tuple[int, int], int]:
        """(layer id, node index) -> the node's index among the layer's nodes in this model."""
        seen: dict[int, int] = {}
        local: dict[tuple[int, int], int] = {}
        for node in sorted(self._nodes, key=lambda n: n.index):
            key = id(node.layer)
            local[(key, node.index)] = seen.get(key, 0)
            seen[key] = seen.get(key, 0) + 1
        return local

    def get_config(self) -> dict[str, Any]:
        """The graph as JSON: each layer's config and the tensors each call received."""
        return _functional_config.graph_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> "Functional":
        """Rebuild a model from `get_config()` (fresh weights), its layers found
        through the registry (and `custom_objects`)."""
        return _functional_config.functional_from_config(config, custom_objects, cls=cls)


def _listed(tree: Any) -> Any:
    return list(tree) if isinstance(tree, tuple) else tree


def functional_from_config(config: dict[str, Any],
                           custom_objects: dict[str, Any] | None = None) -> Functional:
    """Rebuild a functional model from its `get_config()`, with fresh weights in the
    same order (see `lamina.models._functional_config`).

    Example:
        >>> import lamina as keras
        >>> inputs = keras.Input(shape=(4,))
        >>> model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        >>> functional_from_config(model.get_config()).output_shape
        (None, 2)
    """
    return Functional.from_config(config, custom_objects)
