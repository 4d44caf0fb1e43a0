"""`Model`: a layer that trains — compile, the stateless bridge, and structure."""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

from lamina import optimizers as optimizers_mod
from lamina.backend._scope import StatelessScope, layer_frame
from lamina.backend._tree import is_symbolic, shape_of
from lamina.core.train import TrainState
from lamina.layers.layer import Layer
from lamina.models import _compile as compile_utils
from lamina.models import _dispatch as dispatch
from lamina.models import _distributed
from lamina.models._custom_step import CustomSteps
from lamina.models._fast_call import FastCall
from lamina.models._frozen import mark_parts
from lamina.models._generator_aliases import GeneratorAliases
from lamina.models._host_checks import check_host_inputs
from lamina.models._predictor import Predictor
from lamina.models._programs import Programs, build_programs
from lamina.models._stateless_steps import keras3_programs
from lamina.models._state import StateHolder
from lamina.models._stateless_call import StatelessCall
from lamina.models._summary import print_summary
from lamina.models._trainer import Trainer
from lamina.saving._mixin import Saveable


class Model(Trainer, Predictor, GeneratorAliases, Saveable, CustomSteps, FastCall,
            StatelessCall, Layer):
    """A trainable stack of layers, as `keras.Model`.

    Subclass it with layers as attributes and a `call(inputs, training=None)`, or use
    `Sequential`, or call `Model(inputs, outputs)` on a graph of layers (`Functional`).
    `compile` sets the optimizer, loss and metrics; `fit`, `evaluate` and `predict`
    run compiled XLA programs (one per epoch for training). Override `train_step` /
    `test_step` for custom training (see `CustomSteps.train_step`).

    `compile` fixes which weights train: set `layer.trainable = False` before it (a
    frozen discriminator in a GAN); a model compiled earlier keeps its own setting.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        # `Model(inputs, outputs)` is a functional model, as in Keras; so is
        # `CustomModel(inputs, outputs)` for a subclass (Keras 3): a functional model
        # with the subclass's methods (train_step, ...).
        if _functional_arguments(args, kwargs):
            from lamina.models.functional import Functional

            if cls is Model:
                return Functional.__new__(Functional)
            if not issubclass(cls, Functional):
                return super().__new__(Functional.with_methods_of(cls), *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args: Any, **kwargs: Any):
        if args:
            raise TypeError(f"{type(self).__name__}() takes keyword arguments only (name=, "
                            f"trainable=), but received positional {args!r}. For a "
                            "functional model call keras.Model(inputs, outputs).")
        super().__init__(**kwargs)
        self.optimizer: Any = None
        self._compiled: compile_utils.Compiled | None = None
        self._compile_config: dict[str, Any] | None = None
        self._programs: Programs | None = None
        self._train: StateHolder | None = None
        self.stop_training = False
        self.history: Any = None

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> "Model":
        """Rebuild a model from `get_config()`: a functional graph's config gives a
        functional model (of this class, for a subclass), as `keras.Model.from_config`."""
        if isinstance(config, dict) and "layers" in config and "input_layers" in config:
            from lamina.models.functional import Functional

            target = cls if issubclass(cls, Functional) else \
                Functional if cls is Model else Functional.with_methods_of(cls)
            return Functional.from_config.__func__(target, config, custom_objects)
        return cls(**config)

    # -- compile ----------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, weighted_metrics: Any = None,
                run_eagerly: bool = False, steps_per_execution: Any = "auto",
                jit_compile: Any = "auto", auto_scale_loss: bool = True,
                **kwargs: Any) -> None:
        """Configure training, as `keras.Model.compile`.

        Args:
            optimizer: a name (`"adam"`, case-insensitive), an optimizer, or a config dict.
            loss: a name (`"mse"`, `"binary_crossentropy"`), a Loss, a function
                `(y_true, y_pred)`, or one per output (list or dict).
            metrics: names (`"accuracy"`, `"mae"`, `"AUC"`) or Metric objects, for all
                outputs or per output.
            loss_weights: weights of the outputs' losses in the total.
            auto_scale_loss: under the `"mixed_float16"` policy, wrap the optimizer in a
                `LossScaleOptimizer` (as Keras 3).
            steps_per_execution: the most training batches one compiled call runs:
                `"auto"` (the default) lets Lamina choose (the whole epoch, or one batch
                per call for models measured faster that way); an integer caps it.

        Example:
            >>> import lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
            >>> model.compile(optimizer="Adam", loss="MAE", metrics=["mse"])
            >>> model.metrics_names
            ['loss', 'mse']
        """
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}. "
                            "Valid ones: optimizer, loss, metrics, loss_weights, "
                            "weighted_metrics, run_eagerly, steps_per_execution, jit_compile, "
                            "auto_scale_loss.")
        # Resolve everything first, so that a bad identifier leaves the model as it was.
        resolved_optimizer = optimizers_mod.get(optimizer)
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and \
                not isinstance(resolved_optimizer, optimizers_mod.LossScaleOptimizer):
            resolved_optimizer = optimizers_mod.LossScaleOptimizer(resolved_optimizer)
        steps_per_execution = dispatch.check_setting(steps_per_execution)
        config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                  "loss_weights": loss_weights, "weighted_metrics": weighted_metrics}
        # Without a loss (Keras accepts that) the error comes at fit or evaluate.
        compiled = self._build_compiled(config) if self.built and loss is not None else None
        if compiled is None:
            compile_utils.check_identifiers(loss, metrics, weighted_metrics)
        self._drop_training()
        self.__dict__.pop("_metric_views", None)
        self.optimizer = resolved_optimizer
        self._steps_per_execution = steps_per_execution
        self.loss = loss
        self.compiled_loss = compile_utils.LossesContainer(loss, loss_weights)
        self.compiled_metrics = compile_utils.MetricsContainer(metrics, weighted_metrics)
        self._compile_config = config
        self._compiled = compiled
        self._compiled_weights = None
        if self.built:
            self._compiled_weights = _WeightLists(self.trainable_weights,
                                                  self.non_trainable_weights)
            mark_parts(self)

    def _build_compiled(self, cfg: dict[str, Any]) -> compile_utils.Compiled:
        return compile_utils.build(cfg["loss"], cfg["metrics"], cfg["loss_weights"],
                                   self.output_names, self._output_shapes(),
                                   cfg.get("weighted_metrics"))

    def _resolve_compile(self) -> compile_utils.Compiled:
        if self._compiled is None:
            self._compiled = self._build_compiled(self._compile_config)
        return self._compiled

    @property
    def metrics_names(self) -> list[str]:
        if self._compile_config is None:
            return []
        if not self.built or self._compile_config["loss"] is None:
            return ["loss"]
        return list(self._resolve_compile().names)

    @property
    def compiled(self) -> bool:
        return self._compile_config is not None

    # -- structure ----------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        return self._layers

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in `layers`."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer(index={index}) is out of range: the model has "
                                 f"{len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named '{name}'. The model's layers are "
                         f"{[l.name for l in layers]}.")

    @property
    def output_names(self) -> list[str]:
        shape = self._output_shape
        if isinstance(shape, dict):
            return list(shape)
        if isinstance(shape, list) and len(shape) > 1:
            return [f"output_{i + 1}" for i in range(len(shape))]
        return ["output_1"]

    def _output_shapes(self) -> list[tuple]:
        shape = self._output_shape
        if isinstance(shape, dict):
            return list(shape.values())
        if isinstance(shape, list):
            return list(shape)
        return [shape]

    def summary(self, line_length: int | None = None, positions: Any = None,
                print_fn: Callable[[str], Any] | None = None, **kwargs: Any) -> None:
        """Print the layer table: name (type), output shape, parameters, totals."""
        print_summary(self, line_length=line_length, print_fn=print_fn)

    def reset_states(self) -> None:
        """Set the states of every stateful layer (`RNN(stateful=True)`) to zero, as
        tf.keras's `Model.reset_states`."""
        for layer in self._flat_layers():
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    # -- masks --------------------------------------------------------------------
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """A model's outputs keep the masks its layers attach (see `Layer.__call__`);
        outputs without one have none."""
        return None

    # -- building -----------------------------------------------------------------
    def build_from_data(self, x: Any) -> None:
        """Build the model (and check the inputs) from a batch of host data."""
        if not self.built:
            # Data builds with a batch of 2; a declared shape (a ShapeDtypeStruct from
            # `input_shape`) keeps its batch size, which stateful RNNs need.
            structs = jax.tree.map(lambda a: jax.ShapeDtypeStruct(
                (a.shape[0] if isinstance(a, jax.ShapeDtypeStruct) else 2,) + a.shape[1:],
                jnp.float32 if a.dtype.kind == "f" else a.dtype), x)
            with StatelessScope(building=True):
                jax.eval_shape(lambda inputs: self(inputs, training=False), structs)
            self.built = True
        check_host_inputs(self, x)

    def build(self, input_shape: Any = None) -> None:
        if self.built and type(self).build is Model.build:
            return
        if hasattr(input_shape, "shape") and hasattr(input_shape, "dtype"):
            input_shape = tuple(input_shape.shape)  # `model.build(one_batch)` (Keras 3 guides)
        if input_shape is None:
            raise ValueError(f"Model '{self.name}' cannot be built without an input shape. "
                             "Call it on data, or pass input_shape=(None, features).")
        shape = tuple(2 if d is None else d for d in input_shape)
        self.build_from_data(jax.ShapeDtypeStruct(shape, jnp.float32))

    def _maybe_build(self, inputs: Any) -> None:
        # A model builds its layers by running them once (`build_from_data`); a
        # subclass's own `build(input_shape)` still runs first, as in Keras.
        if not self.built:
            if type(self).build is not Model.build:
                with jax.ensure_compile_time_eval(), layer_frame("build"):
                    self.build(shape_of(inputs))
            self.built = True
            self._build_shape = shape_of(inputs)

    def _forward_fn(self, tv: list, ntv: list, tkeys: list[str],
                    ntkeys: list[str]) -> Callable:
        """The model as the core sees it: a pure function of weight arrays keyed by
        path (see lamina/core/README.md), reading the Variables `tv` and `ntv`."""

        def forward(trainable: dict, non_trainable: dict, x: Any, *, training: bool,
                    rng: Any) -> tuple:
            out, nt, losses, mask = self._stateless(
                tv, ntv, [trainable[k] for k in tkeys], [non_trainable[k] for k in ntkeys],
                x, training, rng)
            self._added_losses = len(losses)  # known while tracing (compile without loss)
            penalty = jnp.zeros((), jnp.float32)
            for loss in losses:
                penalty = penalty + loss
            return out, dict(zip(ntkeys, nt)), penalty, mask

        return forward

    # -- the compiled programs and the training state ---------------------------------
    def _get_programs(self) -> Programs:
        """The compiled programs, made once per compile (jit caches per shape), and the
        training state that persists across calls."""
        if self._programs is not None:
            return self._programs
        compiled = self._resolve_compile()
        tv, ntv = self._weights_at_compile()
        optimizer = self.optimizer
        holder = StateHolder(tv, ntv, optimizer.init_state, lambda: programs.init_metrics())
        forward = self._forward_fn(tv, ntv, holder.trainable_keys, holder.non_trainable_keys)
        dist = _distributed.current()
        if dist is not None:
            _distributed.check_model(self, tv + ntv,
                                     holder.trainable_keys + holder.non_trainable_keys, dist)
            forward = _distributed.sharded_forward(forward, dist)
        constrained = [(k, v.constraint) for k, v in zip(holder.trainable_keys, tv)
                       if v.constraint is not None]

        def constrain(trainable: dict) -> dict:
            trainable = dict(trainable)
            for key, fn in constrained:
                trainable[key] = fn(trainable[key])
            return trainable

        transform = optimizer.transform()
        train_forward = forward if compiled.has_loss else self._needs_added_loss(forward)
        step = self._train_step_fn(train_forward, compiled.objective, transform,
                                   constrain if constrained else None)
        eval_step = self._eval_step_fn(forward, compiled.objective)
        programs = build_programs(step, eval_step, forward, compiled, transform)
        train3, test3 = self._keras3_steps()
        if train3 or test3:
            programs = keras3_programs(self, programs, compiled, holder.trainable_keys,
                                       holder.non_trainable_keys, optimizer, step,
                                       eval_step, train3, test3)
        self._programs, self._train = programs, holder
        optimizer._holder = holder
        return programs

    def _needs_added_loss(self, forward: Callable) -> Callable:
        """`forward` for a model compiled without a loss: its call must `add_loss`."""
        def checked(*args: Any, **kwargs: Any) -> tuple:
            out = forward(*args, **kwargs)
            if not self.__dict__.get("_added_losses"):
                raise ValueError(
                    f"Model '{self.name}' has no loss to minimize: it was compiled without a "
                    "loss and no layer called add_loss(). Pass one to compile(), e.g. "
                    "loss='mse' for regression, loss='binary_crossentropy' for two classes "
                    "or loss='sparse_categorical_crossentropy' for integer class labels "
                    f"(the model's output shape is {self.output_shape}).")
            return out
        return checked

    def _train_state(self) -> TrainState:
        """The training state (made on first use), ready for the next call."""
        self._get_programs()
        return self._train.current()

    def _drop_training(self) -> None:
        """Forget the compiled programs and the training state, writing the newest
        weights back to the Variables first."""
        if self._train is not None:
            self._train.detach()
            if self.optimizer is not None and \
                    self.optimizer.__dict__.get("_holder") is self._train:
                self.optimizer._holder = None
        self._programs = None
        self._train = None
        self._predict_only = None

    def _weights_at_compile(self) -> tuple[list, list]:
        """The trainable and non-trainable weights as they were at `compile`, as in
        tf.keras (unless the model gained or lost weights since; then the current)."""
        current = _WeightLists(self.trainable_weights, self.non_trainable_weights)
        snapshot = getattr(self, "_compiled_weights", None)
        if snapshot is None or snapshot.ids() != current.ids():
            self._compiled_weights = snapshot = current
        return snapshot.trainable, snapshot.non_trainable


def _functional_arguments(args: tuple, kwargs: dict) -> bool:
    """Whether a model constructor's arguments are `(inputs, outputs)` (Keras's test),
    the inputs being symbolic tensors."""
    if len(args) == 2 or (len(args) == 1 and "outputs" in kwargs):
        inputs = args[0]
    elif "inputs" in kwargs and "outputs" in kwargs:
        inputs = kwargs["inputs"]
    else:
        return False
    return is_symbolic(inputs)


class _WeightLists:
    """The weight lists fixed at compile (a plain object, so that layer tracking
    does not take its Variables for the model's own)."""

    def __init__(self, trainable: list, non_trainable: list):
        self.trainable, self.non_trainable = trainable, non_trainable

    def ids(self) -> list[int]:
        return sorted(id(v) for v in self.trainable + self.non_trainable)
