"""The Keras `Optimizer` base class: a configuration plus a link to its state.

An optimizer object holds only hyperparameters. `transform()` turns them into
the optax transformation the training engine compiles, and the engine keeps
the optimizer state (a pytree of arrays) in the model's training state. A
compiled model links the optimizer to that state (`_holder`), and `_state`
reads and writes it there: `optimizer.learning_rate` and `optimizer.iterations`
read (and the `learning_rate` setter writes) the live values.
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import jax
import numpy as np
import optax

from lamina.core import optim
from lamina.optimizers import schedules
from lamina.optimizers._stateless import FlatState

# Keras arguments Lamina accepts at their default values only.
_UNSUPPORTED_DEFAULTS = {"use_ema": False, "ema_momentum": 0.99,
                         "ema_overwrite_frequency": None, "loss_scale_factor": None,
                         "gradient_accumulation_steps": None}


# Settings that change the transformation's structure, so it is rebuilt.
_REBUILD_ON_SET = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm")


class ScalarValue(float):
    """A float read from the optimizer state that also offers Keras's `.numpy()`.

    Example:
        >>> v = ScalarValue(np.float32(0.001))
        >>> v, float(v) == float(np.float32(0.001)), v.numpy()
        (0.001, True, np.float32(0.001))
    """

    def numpy(self) -> np.float32:
        """The value as a NumPy float32 scalar."""
        return np.float32(self)

    def assign(self, value: Any) -> None:
        """Set the learning rate this value was read from (tf.keras's `K.set_value`)."""
        owner = getattr(self, "_owner", None)
        if owner is None:
            raise TypeError("This value was not read from an optimizer's learning_rate, so "
                            "there is nothing to assign to.")
        owner.learning_rate = value

    def __repr__(self) -> str:
        return str(np.float32(self))

    __str__ = __repr__


class IterationsValue(int):
    """An int read from the optimizer state that also offers Keras's `.numpy()`."""

    def numpy(self) -> np.int64:
        """The value as a NumPy integer scalar."""
        return np.int64(self)


class Optimizer(FlatState):
    """Base class of Keras optimizers.

    Subclasses set `_core_name` (the rule in `lamina.core.optim`) and pass
    their own hyperparameters to `__init__` as keyword arguments.

    Args:
        learning_rate: a float, or a
            `lamina.optimizers.schedules.LearningRateSchedule` (any callable
            `step -> lr` made of jnp operations works too).
        weight_decay: if set, `w -= w * weight_decay * learning_rate` each step.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together to this global norm.
        name: the optimizer's name.
        **kwargs: `lr` (old name of `learning_rate`), `decay` (old
            inverse-time decay, turned into an `InverseTimeDecay` schedule),
            and Keras 3 options Lamina accepts at their defaults only
            (`use_ema=False`, ...).

    Raises:
        ValueError: an unknown or unsupported argument, or invalid clipping.
    """

    _core_name = ""

    def __init__(self, learning_rate: Any, weight_decay: Optional[float] = None,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, name: Optional[str] = None,
                 _hyperparams: Optional[dict] = None, **kwargs: Any) -> None:
        if "lr" in kwargs:
            warnings.warn("`lr` is a deprecated name; use `learning_rate`.", stacklevel=3)
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        for key, default in _UNSUPPORTED_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise ValueError(f"Lamina optimizers do not support `{key}`; leave it at "
                                 f"its default ({key}={default!r}).")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized by {type(self).__name__}: "
                             f"{sorted(kwargs)}. Valid arguments are the optimizer's "
                             f"hyperparameters plus learning_rate, weight_decay, "
                             f"clipnorm, clipvalue, global_clipnorm and name.")
        if decay:
            warnings.warn(f"`decay={decay}` is the old inverse-time decay; Lamina uses "
                          f"InverseTimeDecay(learning_rate, decay_steps=1, "
                          f"decay_rate={decay}) for it.", stacklevel=3)
            learning_rate = schedules.InverseTimeDecay(float(learning_rate), 1, float(decay))
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._hyperparams = dict(_hyperparams or {})
        self._holder: Any = None
        self._transform: Optional[optax.GradientTransformation] = None
        self.transform()  # validates every argument now, as Keras's constructor does

    @property
    def _state(self) -> Any:
        """The live optimizer state in the training state of the compiled model, or
        None before training."""
        holder = self.__dict__.get("_holder")
        if holder is None:  # an optimizer used on its own keeps its state itself
            built = self._variables_state()
            return built if built is not None else self.__dict__.get("_own_state")
        return None if holder.state is None else holder.state.optimizer

    @_state.setter
    def _state(self, value: Any) -> None:
        holder = self.__dict__.get("_holder")
        if holder is None and self.__dict__.get("_variables") is not None:
            self._set_variables_state(value)
        elif holder is None:
            self.__dict__["_own_state"] = value
        elif holder.state is not None and value is not None:
            holder.set_state(holder.state._replace(optimizer=value))

    @staticmethod
    def _check_learning_rate(value: Any) -> Any:
        if callable(value):
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number,
                                                             np.ndarray, jax.Array)) \
                or np.ndim(value) != 0:
            raise TypeError(f"`learning_rate` must be a float or a LearningRateSchedule, "
                            f"but received {value!r} ({type(value).__name__}).")
        return float(value)

    def __setattr__(self, name: str, value: Any) -> None:
        hyperparams = self.__dict__.get("_hyperparams", {})
        if name not in hyperparams:
            object.__setattr__(self, name, value)
            if name in _REBUILD_ON_SET and "_transform" in self.__dict__:
                object.__setattr__(self, "_transform", None)
            return
        hyperparams[name] = value
        self._transform = None
        self.transform()  # validates the new value
        if self._state is not None and not isinstance(value, bool):
            self._state = optim.set_hyperparam(self._state, name, value)

    def __getattr__(self, name: str) -> Any:
        hyperparams = self.__dict__.get("_hyperparams", {})
        if name in hyperparams:
            return hyperparams[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def transform(self) -> optax.GradientTransformation:
        """The optax transformation the training engine compiles.

        Returns:
            The same object on every call until the configuration changes;
            its state holds the learning rate as an array.

        Example:
            >>> import jax.numpy as jnp
            >>> from lamina.optimizers import SGD
            >>> tx = SGD(learning_rate=0.1).transform()
            >>> tx.update(jnp.array([1.0]), tx.init(jnp.zeros(1)), jnp.zeros(1))[0]
            Array([-0.1], dtype=float32)
        """
        if not self._core_name:
            raise TypeError(f"{type(self).__name__} does not name an update rule; use one "
                            f"of the built-in optimizers (SGD, RMSprop, Adam, AdamW, "
                            f"Adagrad, Adadelta, Adamax, Nadam, Lion) or subclass one.")
        if self._transform is None:
            self._transform = optim.build(
                self._core_name, {"learning_rate": self._learning_rate, **self._hyperparams},
                clipnorm=self.clipnorm, clipvalue=self.clipvalue,
                global_clipnorm=self.global_clipnorm, weight_decay=self.weight_decay)
        return self._transform

    def init_state(self, params: Any) -> Any:
        """A fresh optimizer state at the current settings, for a model's training
        state (a learning rate set while an earlier state lived is the one it starts
        with)."""
        state = jax.jit(self.transform().init)(params)
        if not callable(self._learning_rate):
            state = optim.set_hyperparam(state, "learning_rate", self._learning_rate)
        return state

    def init(self, params: Any) -> Any:
        """Creates the optimizer state for `params` (custom training loops).

        Args:
            params: a pytree of arrays (the trainable weights).

        Returns:
            The optimizer state, a pytree of arrays. `self` is not modified.
        """
        return self.transform().init(params)

    @property
    def learning_rate(self) -> Any:
        """The current learning rate, a float that also has `.numpy()`.

        `keras.backend.set_value(optimizer.learning_rate, 0.01)` sets it, as in tf.keras.
        """
        if self._state is not None:
            value = ScalarValue(np.asarray(optim.get_hyperparam(self._state, "learning_rate")))
        elif callable(self._learning_rate):
            value = ScalarValue(np.asarray(self._learning_rate(0)))
        else:
            value = ScalarValue(np.float32(self._learning_rate))
        value._owner = self
        return value

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if callable(value) or callable(self._learning_rate):
            if self._state is not None or (callable(self._learning_rate)
                                           and not callable(value)):
                raise TypeError(
                    "This optimizer's learning rate is controlled by a schedule (or "
                    "would become one after training started), so it cannot be set "
                    "to a new kind of value. Create the optimizer with a float "
                    "`learning_rate` to change it during training, or compile again.")
            self._learning_rate = value
            self._transform = None
            return
        value = self._check_learning_rate(value)
        if self._state is not None:
            self._state = optim.set_hyperparam(self._state, "learning_rate", value)
        else:
            self._transform = None
        self._learning_rate = value

    lr = learning_rate

    @property
    def iterations(self) -> IterationsValue:
        """How many updates have been applied (0 before training)."""
        if self._state is None:
            return IterationsValue(0)
        return IterationsValue(int(optim.iterations(self._state)))

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serializable (schedules as dicts).

        Example:
            >>> from lamina.optimizers import Adam
            >>> Adam(learning_rate=0.01).get_config()["learning_rate"]
            0.01
        """
        if callable(self._learning_rate):
            learning_rate = schedules.serialize(self._learning_rate)
        else:
            learning_rate = float(self.learning_rate) if self._state is not None \
                else self._learning_rate
        return {"name": self.name, "learning_rate": learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                **self._hyperparams}

    @classmethod
    def from_config(cls, config: dict) -> "Optimizer":
        """Creates an optimizer from `get_config()` output.

        Args:
            config: a dict of constructor arguments; a dict `learning_rate`
                is deserialized as a schedule.

        Returns:
            A new optimizer.
        """
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate}>"
