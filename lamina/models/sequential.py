"""`Sequential`: a plain stack of layers, each feeding the next."""
from __future__ import annotations

import weakref
from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models._host_inputs import encoded_spec
from lamina.models.model import Model
from lamina.saving import deserialize_layer, serialize_layer


@registry.register_serializable("lamina.models")
class Sequential(Model):
    """A linear stack of layers, as `keras.Sequential`.

    The input shape comes from an `Input(shape)` first, from `input_shape=` on the
    first layer, or from the first data the model sees.

    Example:
        >>> import lamina as keras
        >>> keras.layers.clear_session()
        >>> model = keras.Sequential([
        ...     keras.layers.Input(shape=(11,)),
        ...     keras.layers.Dense(8, activation="relu"),
        ...     keras.layers.Dense(1),
        ... ])
        >>> model.output_shape, model.count_params(), [l.name for l in model.layers]
        ((None, 1), 105, ['dense', 'dense_1'])
    """

    def __init__(self, layers: Sequence[Any] | None = None, name: str | None = None,
                 trainable: bool = True, **kwargs: Any):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_from_declared_shape()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or an `Input(...)`) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() expects a layer, but received {layer!r} "
                            f"({type(layer).__name__}). For example: "
                            "model.add(keras.layers.Dense(8)).")
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError("An Input can only be the first layer of a Sequential model; "
                             f"the model already has {len(self._stack)} layer(s).")
        self._stack.append(layer)
        layer._sequential_owner = weakref.ref(self)
        self._reset_build()
        if rebuild:
            self._maybe_build_from_declared_shape()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model to pop.")
        layer = self._stack.pop()
        self._reset_build()
        self._maybe_build_from_declared_shape()
        return layer

    def _reset_build(self) -> None:
        self._drop_graph()
        # New layers, new weights: the optimizer starts again for them, as the
        # optimizer of a tf.keras model makes slots for weights it has not seen.
        self._drop_training()
        self.built = False
        self._input_shape = self._output_shape = None
        self._compiled = None

    @property
    def layers(self) -> list[Layer]:
        return [l for l in self._stack if not isinstance(l, InputLayer)]

    # -- the symbolic graph (model.input, model.output, layer.output) -------------
    def _graph(self) -> tuple[KerasTensor, Any]:
        """The stack called once on a symbolic input, made on first use."""
        cached = self.__dict__.get("_graph_cache")
        if cached is not None:
            return cached
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input yet. "
                                 "Start it with keras.Input(shape=...) or call it on data.")
        first = self._stack[0]
        if isinstance(first, InputLayer):
            inputs = first.output
        else:
            declared = self._declared_input_shape()
            shape = declared if declared is not None else self.input_shape
            inputs = InputLayer(batch_input_shape=(None,) + tuple(shape[1:])).output
        x = inputs
        for layer in self.layers:
            x = layer(x)
            layer._inbound_nodes[-1]._owner = self
        self._graph_cache = (inputs, x)
        return self._graph_cache

    def _drop_graph(self) -> None:
        cached = self.__dict__.pop("_graph_cache", None)
        if cached is None:
            return
        for layer in self._stack:
            nodes = layer.__dict__.get("_inbound_nodes") or []
            layer._inbound_nodes = [n for n in nodes if getattr(n, "_owner", None) is not self]

    @property
    def inputs(self) -> list[KerasTensor]:
        return [self._graph()[0]]

    @property
    def outputs(self) -> list[KerasTensor]:
        return [self._graph()[1]]

    @property
    def input(self) -> KerasTensor:
        return self._graph()[0]

    @property
    def output(self) -> Any:
        return self._graph()[1]

    def _declared_input_shape(self) -> tuple | None:
        if not self._stack:
            return None
        first = self._stack[0]
        return first._batch_input_shape

    def _maybe_build_from_declared_shape(self) -> None:
        shape = self._declared_input_shape()
        if shape is not None and self.layers:
            # Leading host layers (TextVectorization) run before the compiled program.
            shape, dtype = encoded_spec(self, shape)
            spec = jax.ShapeDtypeStruct(tuple(2 if d is None else d for d in shape),
                                        jnp.dtype(dtype))
            self.build_from_data(spec)
            if any(d is None for d in shape[1:]):
                # Unknown dimensions (`input_shape=[None, 1]`, any sequence length): the
                # shapes come from the symbolic graph, which keeps them unknown.
                inputs, outputs = self._graph()
                self._input_shape = tuple(inputs.shape)
                self._output_shape = outputs.shape if isinstance(outputs, KerasTensor) \
                    else [t.shape for t in outputs]

    def build_from_data(self, x: Any) -> None:
        if not self.layers:
            raise ValueError(f"Sequential model '{self.name}' cannot be built because it has "
                             "no layers. Call `model.add(layer)`.")
        declared = self._declared_input_shape()
        if declared is not None:
            declared = encoded_spec(self, declared)[0]
        if declared is not None and not self.built:
            shape = tuple(getattr(x, "shape", ()))
            if len(shape) != len(declared) or any(
                    d is not None and d != s for d, s in zip(declared[1:], shape[1:])):
                raise ValueError(
                    f"Model '{self.name}' expects inputs of shape {declared} (from its "
                    f"input_shape), but received data of shape {shape}. Check the columns "
                    f"of x, or declare input_shape={tuple(shape[1:])}.")
        super().build_from_data(x)

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = inputs
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    @property
    def input_shape(self) -> Any:
        if self._input_shape is None:
            declared = self._declared_input_shape()
            if declared is not None:
                return declared
        return super().input_shape

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(l) for l in self._stack]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        """A new model from `get_config()`, its layers rebuilt by class name.

        Example:
            >>> import lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(3)])
            >>> copy = keras.Sequential.from_config(model.get_config())
            >>> copy.output_shape, copy.layers[0].name == model.layers[0].name
            ((None, 3), True)
        """
        config = dict(config)
        layers = [deserialize_layer(l) for l in config.pop("layers", [])]
        return cls(layers=layers, **config)
