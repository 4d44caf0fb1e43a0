"""`Layer`: the Keras layer contract (build, call, add_weight) on JAX arrays."""
from __future__ import annotations

import inspect
import threading
from typing import Any, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina.layers.arguments import batch_input_shape_from, capture_arguments
from lamina.layers.naming import clear_session, to_snake_case, unique_name  # noqa: F401
from lamina.layers.structure import (as_keras_shape, is_symbolic, none_batch, shape_of,
                                     to_arrays)
from lamina.layers.variable import Variable, add_loss_to_scope, current_scope

_context = threading.local()

_LAYER_KWARGS = ("trainable", "name", "dtype", "input_shape", "input_dim",
                 "batch_input_shape", "batch_size", "autocast", "activity_regularizer")


class Layer:
    """Base class of all layers, as `keras.layers.Layer`.

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, training=None)` with `jax.numpy` operations. The layer builds itself on
    its first call, from the shape of what it receives.

    Args:
        trainable: whether its weights are updated by training.
        name: a unique name; by default the snake-case class name, numbered.
        dtype: the weights' dtype (float32).
        input_shape: the shape of one sample, accepted on the first layer of a
            `Sequential` model (as is `input_dim=n` for `input_shape=(n,)`).

    Example:
        >>> import jax.numpy as jnp
        >>> class Scale(Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        ...     def call(self, inputs):
        ...         return inputs * self.w
        >>> layer = Scale()
        >>> layer(jnp.ones((2, 3))).shape, layer.count_params()
        ((2, 3), 3)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Layer":
        obj = super().__new__(cls)
        # A subclass that does not write get_config is still saved: its constructor
        # arguments are recorded here when they are plain JSON values (as Keras 3 does).
        object.__setattr__(obj, "_auto_config", None if cls.__init__ is Layer.__init__
                           else capture_arguments(cls, args, kwargs))
        return obj

    def __init__(self, *, trainable: bool = True, name: str | None = None,
                 dtype: Any = None, **kwargs: Any):
        unknown = sorted(set(kwargs) - set(_LAYER_KWARGS))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s) "
                            f"{unknown}. Valid layer keyword arguments are "
                            f"{sorted(_LAYER_KWARGS)} besides the layer's own arguments.")
        object.__setattr__(self, "_weights_list", [])
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = "float32" if dtype is None else str(np.dtype(dtype))
        self.built = False
        self._build_shape: Any = None
        self._input_shape: Any = None
        self._output_shape: Any = None
        self._activity_losses: list[Any] = []
        self._batch_input_shape = batch_input_shape_from(kwargs)
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._call_params = inspect.signature(self.call).parameters

    # -- weights --------------------------------------------------------------
    def add_weight(self, shape: Sequence[int] | None = None, initializer: Any = None,
                   dtype: Any = None, trainable: bool = True, regularizer: Any = None,
                   constraint: Any = None, name: str | None = None, **kwargs: Any) -> Variable:
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

        Returns:
            The new `Variable`.
        """
        from lamina import constraints, initializers, regularizers

        shape = () if shape is None else tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f"Layer '{self.name}' asked for a weight of shape {shape}; "
                             "dimensions must be non-negative.")
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        short = name if name is not None else f"variable_{len(self._weights_list)}"
        variable = Variable(init, shape=shape, dtype=dtype or self.dtype,
                            trainable=trainable, name=f"{self.name}/{short}",
                            regularizer=regularizers.get(regularizer),
                            constraint=constraints.get(constraint))
        self._weights_list.append(variable)
        return variable

    def _tracked(self) -> tuple[list[Variable], list["Layer"]]:
        """Own Variables (add_weight order, then attributes) and direct sublayers."""
        variables = list(self._weights_list)
        seen_vars = {id(v) for v in variables}
        layers: list[Layer] = []
        seen_layers = {id(self)}

        def visit(obj: Any, depth: int) -> None:
            if isinstance(obj, Variable):
                if id(obj) not in seen_vars:
                    seen_vars.add(id(obj))
                    variables.append(obj)
            elif isinstance(obj, Layer):
                if id(obj) not in seen_layers:
                    seen_layers.add(id(obj))
                    layers.append(obj)
            elif depth < 4 and isinstance(obj, (list, tuple)):
                for item in obj:
                    visit(item, depth + 1)
            elif depth < 4 and isinstance(obj, dict):
                for item in obj.values():
                    visit(item, depth + 1)

        for key, value in vars(self).items():
            if key not in _UNTRACKED:
                visit(value, 0)
        return variables, layers

    @property
    def _layers(self) -> list["Layer"]:
        return self._tracked()[1]

    def _flat_layers(self) -> Iterator["Layer"]:
        for layer in self._layers:
            yield layer
            yield from layer._flat_layers()

    def _all_weights(self, trainable: bool | None) -> list[Variable]:
        own, layers = self._tracked()
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
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays, in `weights` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set all weights from NumPy arrays, in `weights` order (as `get_weights`)."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"Layer '{self.name}' has {len(own)} weights "
                             f"({[v.name for v in own]}), but set_weights received "
                             f"{len(weights)} arrays. Pass a list like get_weights() returns.")
        for v, w in zip(own, weights):
            w = np.asarray(w)
            if tuple(w.shape) != v.shape:
                raise ValueError(f"Weight '{v.name}' has shape {v.shape}, but set_weights "
                                 f"received an array of shape {tuple(w.shape)}.")
        for v, w in zip(own, weights):
            v.assign(np.asarray(w, dtype=v.dtype))

    def count_params(self) -> int:
        """The number of scalars in all weights."""
        if not self.built:
            raise ValueError(f"Layer '{self.name}' is not built yet, so its weights do not "
                             "exist. Call it on data (or build the model) first.")
        return int(sum(v.size for v in self.weights))

    # -- losses ---------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a scalar to the training loss (activity regularization)."""
        if not add_loss_to_scope(loss):
            self._activity_losses.append(loss)

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

    # -- build and call -------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights; the base version only marks the layer built."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        spec = jax.tree.map(lambda d: 2 if d is None else d, input_shape,
                            is_leaf=lambda s: isinstance(s, tuple))
        structs = jax.tree.map(lambda s: jax.ShapeDtypeStruct(s, jnp.float32), spec,
                               is_leaf=lambda s: isinstance(s, tuple))
        out = jax.eval_shape(lambda x: self(x), structs)
        return jax.tree.map(lambda s: (None,) + tuple(s.shape[1:]), out)

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shape = shape_of(inputs)
        with jax.ensure_compile_time_eval():
            self.build(shape)
        self.built = True
        self._build_shape = shape

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        if is_symbolic(inputs):
            from lamina.models.functional import call_symbolic

            return call_symbolic(self, inputs, args, training, kwargs)
        inputs = to_arrays(inputs)
        self._maybe_build(inputs)
        outer = getattr(_context, "training", None)
        if training is None:
            training = outer if outer is not None else False
        if "training" in self._call_params:
            kwargs["training"] = training
        if current_scope() is None:
            self._activity_losses = []
        _context.training = training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _context.training = outer
        if isinstance(outputs, Variable):  # a layer may return its own state
            outputs = outputs.value
        if self.activity_regularizer is not None:
            for out in jax.tree.leaves(outputs):
                self.add_loss(self.activity_regularizer(out) / out.shape[0])
        if self._input_shape is None:
            self._input_shape = none_batch(shape_of(inputs))
            self._output_shape = none_batch(shape_of(outputs))
        return outputs

    # -- shapes and config ----------------------------------------------------
    @property
    def input_shape(self) -> Any:
        if self._input_shape is None:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no "
                                 "defined input shape. Call it on data or build the model.")
        return as_keras_shape(self._input_shape)

    @property
    def output_shape(self) -> Any:
        if self._output_shape is None:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no "
                                 "defined output shape. Call it on data or build the model.")
        return as_keras_shape(self._output_shape)

    def _only_node(self, what: str) -> Any:
        nodes = self.__dict__.get("_inbound_nodes") or []
        owner = self.__dict__.get("_sequential_owner")
        if not nodes and owner is not None and owner() is not None and owner().built:
            owner()._graph()  # a Sequential makes its graph on first use
            nodes = self.__dict__.get("_inbound_nodes") or []
        if not nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on a symbolic input, so it has no "
                f"{what}. Build a model from keras.Input(shape=...) (functional, or a "
                "Sequential whose first layer is an Input) to use layer.input/layer.output.")
        if len(nodes) > 1:
            raise AttributeError(
                f"Layer '{self.name}' has been called {len(nodes)} times on symbolic inputs "
                f"(a shared layer), so its {what} is ambiguous. Use the tensor returned by "
                "the call you mean.")
        return nodes[0]

    @property
    def input(self) -> Any:
        """The symbolic input of the layer's one call in a model graph."""
        return self._only_node("input").inputs

    @property
    def output(self) -> Any:
        """The symbolic output of the layer's one call in a model graph (for
        feature extraction: `keras.Model(model.input, layer.output)`)."""
        return self._only_node("output").outputs

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-compatible values."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable,
                                  "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            from lamina import regularizers

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        auto = self.__dict__.get("_auto_config")
        if type(self).get_config is Layer.get_config and type(self).__init__ is not \
                Layer.__init__ and auto is not None:
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_UNTRACKED = {"_weights_list", "_auto_config", "_call_params", "_activity_losses", "_build_shape",
              "_input_shape", "_output_shape", "_batch_input_shape", "_inbound_nodes", "_tensor",
              "_graph_cache",
              "_keras_history", "_compiled", "_history", "_state", "_programs",
              "stop_training", "history", "optimizer", "loss", "compiled_loss",
              "_compile_config", "_rng", "_callback_model", "_predict_only",
              "_batch_metrics", "_initial_epoch", "_seed", "_step"}
