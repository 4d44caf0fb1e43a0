"""What a layer owns: its Variables (made by `add_weight`), its sublayers and its
seed generators, found in its attributes as Keras tracks them, and the weight
lists, penalties and counts computed from them."""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import jax
import numpy as np

from lamina import constraints, initializers, regularizers
from lamina.backend.variable import Variable
from lamina.random import SeedGenerator

# Attributes never searched for weights, sublayers or seed generators.
UNTRACKED = frozenset({
    "_weights_list", "_auto_config", "_call_params", "_activity_losses", "_build_shape",
    "_input_shape", "_output_shape", "_batch_input_shape", "_inbound_nodes", "_tensor",
    "_graph_cache", "_keras_history", "_compiled", "_history", "stop_training", "history",
    "optimizer", "loss", "compiled_loss", "compiled_metrics", "_compile_config", "_callback_model",
    "_predict_only", "_initial_epoch", "_mask_warned", "_programs", "_train",
    "_on_batch", "_fast_inputs", "_stateful_step", "_stateful_check"})

# How many times a `trainable` flag was set: compiled models compare it with the
# count they last checked, so that a call finds a changed flag without a walk.
TRAINABLE_CHANGES = [0]


class LayerWeights:
    """The weight-tracking half of `Layer` (a mixin; see `Layer`)."""

    _weights_list: list[Variable]
    name: str
    built: bool
    _trainable: bool
    _activity_losses: list[Any]

    def add_weight(self, shape: Sequence[int] | None = None, initializer: Any = None,
                   dtype: Any = None, trainable: bool = True, regularizer: Any = None,
                   constraint: Any = None, name: str | None = None, autocast: bool = True,
                   **kwargs: Any) -> Variable:
        """Create a weight owned by this layer (call it in `build`).

        Args:
            shape: the weight's shape (`()` for a scalar).
            initializer: a name (`"glorot_uniform"`, `"zeros"`), an initializer, or a
                callable `(shape, dtype) -> array`; glorot_uniform by default.
            dtype: float32 by default.
            trainable: whether the optimizer updates it.
            regularizer: a name (`"l2"`) or callable; its penalty joins the loss.
            constraint: a name (`"non_neg"`) or callable applied after each update.
            name: the short name; the Variable is named `"<layer>/<name>"`.
            autocast: whether a mixed-precision layer reads it in its compute dtype.

        Returns:
            The new `Variable`.
        """
        shape = () if shape is None else tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"Layer '{self.name}' asked for a weight of shape {shape}; "
                             "dimensions must be non-negative.")
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        short = name if name is not None else f"variable_{len(self._weights_list)}"
        variable = Variable(init, shape=shape, dtype=dtype or self.dtype,
                            trainable=trainable, name=f"{self.name}/{short}",
                            regularizer=regularizers.get(regularizer),
                            constraint=constraints.get(constraint), autocast=autocast)
        self._weights_list.append(variable)
        return variable

    def _tracked(self) -> tuple[list[Variable], list[Any], list[SeedGenerator]]:
        """Own Variables (add_weight order, then attributes), direct sublayers and
        seed generators, from the attributes (and lists, tuples, dicts in them)."""
        variables = list(self._weights_list)
        seen = {id(v) for v in variables} | {id(self)}
        layers: list[Any] = []
        seeds: list[SeedGenerator] = []

        def visit(obj: Any, depth: int) -> None:
            if isinstance(obj, (Variable, SeedGenerator, LayerWeights)):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    (variables if isinstance(obj, Variable) else
                     seeds if isinstance(obj, SeedGenerator) else layers).append(obj)
            elif depth < 4 and isinstance(obj, (list, tuple)):
                for item in obj:
                    visit(item, depth + 1)
            elif depth < 4 and isinstance(obj, dict):
                for item in obj.values():
                    visit(item, depth + 1)

        for key, value in vars(self).items():
            if key not in UNTRACKED:
                visit(value, 0)
        return variables, layers, seeds

    @property
    def _layers(self) -> list[Any]:
        return self._tracked()[1]

    def _flat_layers(self) -> Iterator[Any]:
        for layer in self._layers:
            yield layer
            yield from layer._flat_layers()

    @property
    def seed_generators(self) -> list[SeedGenerator]:
        """The seed generators of this layer and its sublayers."""
        out = list(self._tracked()[2])
        for layer in self._flat_layers():
            out.extend(s for s in layer._tracked()[2] if s not in out)
        return out

    def _all_weights(self, trainable: bool | None) -> list[Variable]:
        own, layers, _ = self._tracked()
        out: list[Variable] = []
        for v in own:
            effective = v.trainable and self._trainable
            if trainable is None or effective == trainable:
                out.append(v)
        for layer in layers:
            if trainable is True and not self._trainable:
                continue
            sub = layer._all_weights(None if (trainable is False and not self._trainable)
                                     else trainable)
            out.extend(sub)
        seen: set[int] = set()
        return [v for v in out if not (id(v) in seen or seen.add(id(v)))]

    @property
    def trainable_weights(self) -> list[Variable]:
        return self._all_weights(True)

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return self._all_weights(False)

    @property
    def weights(self) -> list[Variable]:
        return self.trainable_weights + self.non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        TRAINABLE_CHANGES[0] += 1
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays, in `weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set all weights from NumPy arrays, in `weights` order (as `get_weights`).

        Raises:
            ValueError: for a wrong number of arrays (listing the shapes expected) or
                an array of the wrong shape (naming the layer that owns the weight).
        """
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"Layer '{self.name}' has {len(own)} weights "
                             f"({[v.name for v in own]}, of shapes {[v.shape for v in own]}), "
                             f"but set_weights received {len(weights)} arrays. Pass a list "
                             "like get_weights() returns.")
        for i, (v, w) in enumerate(zip(own, weights)):
            w = np.asarray(w)
            if tuple(w.shape) != v.shape:
                raise ValueError(
                    f"Layer '{self._owner_of(v)}': weight '{v.name}' has shape {v.shape}, "
                    f"but set_weights received an array of shape {tuple(w.shape)} (array "
                    f"{i} of the list given to '{self.name}'). Pass the arrays in "
                    "get_weights() order, with the same shapes.")
        for v, w in zip(own, weights):
            v.assign(np.asarray(w, dtype=v.dtype))

    def _owner_of(self, variable: Variable) -> str:
        """The name of the layer (this one or a sublayer) that owns `variable`."""
        for layer in (self, *self._flat_layers()):
            if any(v is variable for v in layer._tracked()[0]):
                return layer.name
        return self.name

    def count_params(self) -> int:
        """The number of scalars in all weights."""
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so its weights do not "
                             "exist. Call it on data (or build the model) first.")
        return int(sum(v.size for v in self.weights))

    @property
    def losses(self) -> list[jax.Array]:
        """Losses added by the last call and weight-regularization penalties, layer by
        layer (each layer's activity losses, then its weights' penalties), as tf.keras."""
        out: list[jax.Array] = []
        seen: set[int] = set()
        for layer in [self, *self._flat_layers()]:
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.extend(layer._activity_losses)
            out.extend(v.regularizer(v.value) for v in layer._tracked()[0]
                       if v.regularizer is not None)
        return out
