"""`Layer`: the Keras layer contract (build, call, add_weight, masks) on JAX arrays."""
from __future__ import annotations

import inspect
import threading
import warnings
from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import regularizers
from lamina.backend import _masking
from lamina.backend._graph import call_symbolic, output_spec
from lamina.backend._naming import to_snake_case, unique_name
from lamina.backend import dtype_policy
from lamina.backend._scope import (LossList, StatelessScope, add_loss_to_scope,
                                   autocast_scope, current_scope, layer_frame)
from lamina.backend._tree import (as_keras_shape, flatten, is_symbolic, map_shapes,
                                  map_structure, none_batch, shape_of, to_arrays)
from lamina.backend.variable import Variable
from lamina.layers._arguments import batch_input_shape_from, capture_arguments
from lamina.layers._layer_weights import LayerWeights

_context = threading.local()

_LAYER_KWARGS = ("trainable", "name", "dtype", "input_shape", "input_dim",
                 "batch_input_shape", "batch_size", "autocast", "activity_regularizer")


class Layer(LayerWeights):
    """Base class of all layers, as `keras.layers.Layer`.

    Subclasses create weights in `build(input_shape)` with `add_weight` and compute in
    `call(inputs, training=None)` with `jax.numpy` operations. The layer builds itself on
    its first call, from the shape of what it receives.

    Masks follow Keras: a layer whose `call` takes `mask=` receives the mask attached
    to its input; a layer that `supports_masking` passes the mask on (or changes it in
    `compute_mask(inputs, mask)`), and a layer that does not drops it with a warning.

    Args:
        trainable: whether its weights are updated by training.
        name: a unique name; by default the snake-case class name, numbered.
        dtype: the dtype policy: a dtype name (the weights' and the computation's
            dtype), `"mixed_bfloat16"` / `"mixed_float16"` (float32 weights, 16-bit
            computation), or a `DTypePolicy`; by default the global policy
            (`lamina.mixed_precision.set_global_policy`). Floating inputs are cast
            to the compute dtype, and floating weights are read in it inside `call`.
        autocast: False keeps the inputs and weights in their own dtypes.
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

    #: The attributes `get_config` records, for layers that keep their constructor
    #: arguments as plain values under the same names (tuples are written as lists).
    config_fields: tuple[str, ...] = ()

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
        self.dtype_policy = dtype_policy.get(dtype)
        self.autocast = bool(kwargs.get("autocast", True))
        self.built = False
        self._build_shape: Any = None
        self._input_shape: Any = None
        self._output_shape: Any = None
        self._activity_losses: list[Any] = []
        self._batch_input_shape = batch_input_shape_from(kwargs)
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._call_params = inspect.signature(self.call).parameters
        if "supports_masking" not in self.__dict__ and \
                getattr(type(self), "supports_masking", None) is None:
            # As Keras 3: a layer that computes masks supports them.
            self.supports_masking = type(self).compute_mask is not Layer.compute_mask

    # -- dtypes ---------------------------------------------------------------
    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (the policy's `variable_dtype`), as Keras."""
        return self.dtype_policy.variable_dtype

    @dtype.setter
    def dtype(self, value: Any) -> None:
        self.dtype_policy = dtype_policy.get(value)

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in (its floating inputs are cast to it)."""
        return self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype of the layer's weights."""
        return self.dtype_policy.variable_dtype

    def _autocast_inputs(self, inputs: Any) -> Any:
        compute = self.compute_dtype
        if not self.autocast or not dtype_policy.is_float(compute):
            return inputs

        def cast(x: Any) -> Any:
            dtype = getattr(x, "dtype", None)
            if dtype is not None and dtype_policy.is_float(dtype) and str(dtype) != compute:
                return x.astype(compute)
            return x

        return map_structure(cast, inputs)

    # -- losses ---------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a scalar to the training loss (activity regularization)."""
        if not add_loss_to_scope(loss):
            self._activity_losses.append(loss)

    # -- build and call -------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights; the base version only marks the layer built."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the outputs, given the inputs and their mask: the same mask by
        default (for a layer that `supports_masking`)."""
        return mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for an input shape (`None` batch), by tracing `call`.

        A layer whose `call` cannot be traced may override it; a functional graph
        then takes the output shape from it."""
        structs = map_shapes(lambda s: jax.ShapeDtypeStruct(
            tuple(2 if d is None else d for d in s), jnp.float32), input_shape)
        with StatelessScope(building=True):
            out = jax.eval_shape(lambda x: self(x), structs)
        shapes = map_structure(lambda s: (None,) + tuple(s.shape[1:]), out)
        return list(shapes) if isinstance(out, tuple) else shapes

    compute_output_shape._lamina_default = True  # type: ignore[attr-defined]

    def compute_output_spec(self, *args: Any, **kwargs: Any) -> Any:
        """The symbolic outputs (`KerasTensor`s: shape and dtype) of calling the layer
        on symbolic inputs, as Keras 3's `compute_output_spec`: by tracing `call`. A
        layer may override it; a functional graph then takes its outputs from it.

        Example:
            >>> import lamina as keras
            >>> keras.layers.Dense(3).compute_output_spec(keras.Input((4,))).shape
            (None, 3)
        """
        return output_spec(self, args[0], args[1:], kwargs)

    compute_output_spec._lamina_default = True  # type: ignore[attr-defined]

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shape = shape_of(inputs)
        with jax.ensure_compile_time_eval(), layer_frame("build"):
            self.build(shape)
        self.built = True
        self._build_shape = shape

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        if is_symbolic((inputs, args, kwargs)):
            return call_symbolic(self, inputs, args, training, kwargs)
        with _masking.mask_scope():
            # An explicit `layer(x, mask=m)` wins over the mask attached to x.
            mask = kwargs.pop("mask") if "mask" in kwargs else _masking.get_masks(inputs)
            outputs, out_mask = self._call_with_mask(inputs, args, kwargs, training, mask)
            _masking.set_masks(outputs, out_mask)
        return outputs

    def _call_with_mask(self, inputs: Any, args: tuple, kwargs: dict, training: Any,
                        mask: Any) -> tuple[Any, Any]:
        """Run `call` on arrays with the input mask given; return `(outputs, mask)`."""
        inputs = self._autocast_inputs(to_arrays(inputs))
        if mask is not None:  # layers called inside `call` find it on the inputs
            _masking.set_masks(inputs, mask)
        self._maybe_build(inputs)
        outer = getattr(_context, "training", None)
        if training is None:
            training = outer if outer is not None else False
        kwargs = dict(kwargs)
        if "training" in self._call_params:
            kwargs["training"] = training
        if "mask" in self._call_params:
            kwargs["mask"] = mask
        if current_scope() is None:
            self._activity_losses = []
        _context.training = training
        policy = self.dtype_policy
        try:
            with layer_frame("call"), autocast_scope(
                    policy.compute_dtype if self.autocast and policy.is_mixed else None):
                outputs = self.call(inputs, *args, **kwargs)
        finally:
            _context.training = outer
        if isinstance(outputs, Variable) and current_scope() is not None:
            outputs = outputs.value  # a layer may return its own state (eagerly: as is)
        if self.activity_regularizer is not None:
            for out in jax.tree.leaves(outputs):
                self.add_loss(self.activity_regularizer(out) / out.shape[0])
        if self._input_shape is None:
            self._input_shape = none_batch(shape_of(inputs))
            self._output_shape = none_batch(shape_of(outputs))
        return outputs, self._output_mask(inputs, outputs, mask)

    def _output_mask(self, inputs: Any, outputs: Any, mask: Any) -> Any:
        # Outputs that already carry masks (set by the layers a model or a layer calls
        # inside `call`) keep them, as in Keras.
        existing = _masking.get_masks(outputs)
        if existing is not None and all(m is not None for m in flatten(existing)):
            return existing
        if self.supports_masking:
            return self.compute_mask(inputs, mask)
        if mask is not None and any(m is not None for m in flatten(mask)) \
                and not self.__dict__.get("_mask_warned"):
            self._mask_warned = True
            warnings.warn(f"Layer '{self.name}' ({type(self).__name__}) received an input "
                          "with a mask, but does not support masking, so the mask stops "
                          "here: layers after it see every position.", stacklevel=4)
        return None

    def stateless_call(self, trainable_variables: Sequence[Any],
                       non_trainable_variables: Sequence[Any], *args: Any,
                       return_losses: bool = False, rng: Any = None,
                       **kwargs: Any) -> tuple:
        """Call the layer on arrays in place of its Variables, as Keras 3's
        `Layer.stateless_call`; usable under `jax.jit`.

        Args:
            trainable_variables: arrays in `trainable_weights` order.
            non_trainable_variables: arrays in `non_trainable_weights` order.
            *args: the call's arguments (the inputs first).
            return_losses: also return the list of losses the call added.
            rng: a PRNG key for randomness in training mode (Dropout).
            **kwargs: the call's keyword arguments (`training=True`).

        Returns:
            `(outputs, non_trainable_variables)`, plus the losses when asked.

        Example:
            >>> import jax, numpy as np
            >>> from lamina.layers import Dense
            >>> layer = Dense(1, kernel_initializer="ones")
            >>> _ = layer(np.ones((1, 2)))
            >>> tv = [np.full((2, 1), 2.0), np.zeros(1)]
            >>> out, _ = jax.jit(layer.stateless_call)(tv, [], np.ones((1, 2)))
            >>> out.tolist()
            [[4.0]]
        """
        tv, ntv = self._stateless_weights(trainable_variables, non_trainable_variables)
        pairs = [(v, jnp.asarray(a)) for v, a in zip(tv, trainable_variables)]
        pairs += [(v, jnp.asarray(a)) for v, a in zip(ntv, non_trainable_variables)]
        with StatelessScope(pairs, rng=rng) as scope:
            outputs = self(*args, **kwargs)
            new_ntv = [scope.get(v) for v in ntv]
        if return_losses:
            return outputs, new_ntv, LossList(scope.losses)
        return outputs, new_ntv

    def _stateless_weights(self, trainable: Sequence[Any],
                           non_trainable: Sequence[Any]) -> tuple[list, list]:
        """The weight lists that arrays given to `stateless_call` stand for."""
        tv, ntv = self.trainable_weights, self.non_trainable_weights
        if len(trainable) != len(tv) or len(non_trainable) != len(ntv):
            raise ValueError(f"stateless_call of '{self.name}' expects {len(tv)} trainable "
                             f"and {len(ntv)} non-trainable arrays (its weights, in "
                             f"trainable_weights and non_trainable_weights order), but "
                             f"received {len(trainable)} and {len(non_trainable)}.")
        return tv, ntv

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
        nodes = [n for n in self.__dict__.get("_inbound_nodes") or [] if not n.is_input]
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
                                  "dtype": self.dtype_policy.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        for key in self.config_fields:
            config[key] = _as_json(getattr(self, key))
        auto = self.__dict__.get("_auto_config")
        if type(self).get_config is Layer.get_config and not self.config_fields and \
                type(self).__init__ is not Layer.__init__ and auto is not None:
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _as_json(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value
