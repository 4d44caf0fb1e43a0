"""Learning-rate schedules: callables `step -> learning_rate` made of jnp operations.

They follow Keras's formulas and run inside the compiled training step with a
traced `step` (the optimizer's iteration count before the update). Pass one as
an optimizer's `learning_rate`.
"""
from __future__ import annotations

import abc
import difflib
import math
from typing import Any, Optional, Sequence

import jax
import jax.numpy as jnp

from lamina import registry


class LearningRateSchedule(abc.ABC):
    """Base class of learning-rate schedules.

    Subclasses implement `__call__(step)` with jnp (or plain arithmetic)
    operations, and `get_config()` to be serializable.

    Example:
        >>> class InverseStep(LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / (step + 1)
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> InverseStep(0.1)(4)
        0.02
    """

    @abc.abstractmethod
    def __call__(self, step: Any) -> jax.Array:
        """The learning rate at optimizer step `step` (0-based)."""

    def get_config(self) -> dict:
        """The constructor arguments; subclasses override it to be serializable.

        Raises:
            TypeError: the subclass does not define `get_config`.
        """
        raise TypeError(f"Learning rate schedule '{type(self).__name__}' must override "
                        f"`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> "LearningRateSchedule":
        """Creates a schedule from `get_config()` output."""
        return cls(**config)


def _positive_steps(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value!r}.")


def _f32(x: Any) -> jax.Array:
    return jnp.asarray(x, jnp.float32)


class _StepDecay(LearningRateSchedule):
    """Base of ExponentialDecay and InverseTimeDecay: their arguments and progress."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool, name: str) -> None:
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def _progress(self, step: Any) -> jax.Array:
        """`step / decay_steps`, floored with `staircase=True`."""
        p = _f32(step) / _f32(self.decay_steps)
        return jnp.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    With `staircase=True`, `step / decay_steps` is floored.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per factor of `decay_rate`.
        decay_rate: the decay factor.
        staircase: decay at discrete intervals.
        name: the schedule's name.

    Raises:
        ValueError: `decay_steps <= 0`.

    Example:
        >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
        >>> float(s(10)), float(s(5))
        (0.05..., 0.0707...)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> jax.Array:
        return _f32(self.initial_learning_rate) * _f32(self.decay_rate) ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after the last.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more value than boundaries.
        name: the schedule's name.

    Raises:
        ValueError: the lengths do not match or boundaries are not increasing.

    Example:
        >>> s = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
        >>> [float(s(k)) for k in (0, 10, 11, 20, 21)]
        [1.0, 1.0, 0.5, 0.5, 0.1...]
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float],
                 name: str = "PiecewiseConstant") -> None:
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length "
                             f"of values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        if any(b >= a for b, a in zip(boundaries, boundaries[1:])):
            raise ValueError(f"`boundaries` must be strictly increasing. Received: "
                             f"boundaries={boundaries}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step: Any) -> jax.Array:
        step = jnp.asarray(step)
        index = sum((step > b).astype(jnp.int32) for b in self.boundaries)
        return _f32(self.values)[index]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step/decay_steps) ** power + end`, with `step`
    capped at `decay_steps`; with `cycle=True`, `decay_steps` is multiplied by
    `ceil(step / decay_steps)` (1 at step 0) instead.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to reach `end_learning_rate`.
        end_learning_rate: the final learning rate.
        power: the polynomial's power.
        cycle: restart the decay after each `decay_steps`.
        name: the schedule's name.

    Raises:
        ValueError: `decay_steps <= 0`.

    Example:
        >>> s = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)
        >>> float(s(5)), float(s(20))
        (0.05..., 0.0)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int,
                 end_learning_rate: float = 0.0001, power: float = 1.0,
                 cycle: bool = False, name: str = "PolynomialDecay") -> None:
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def __call__(self, step: Any) -> jax.Array:
        step, decay_steps = _f32(step), _f32(self.decay_steps)
        if self.cycle:
            multiplier = jnp.where(step == 0, 1.0, jnp.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = jnp.minimum(step, decay_steps)
        end = _f32(self.end_learning_rate)
        return ((_f32(self.initial_learning_rate) - end)
                * (1 - step / decay_steps) ** _f32(self.power) + end)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_StepDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    With `staircase=True`, `step / decay_steps` is floored.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per unit of decay.
        decay_rate: the decay rate.
        staircase: decay at discrete intervals.
        name: the schedule's name.

    Raises:
        ValueError: `decay_steps <= 0`.

    Example:
        >>> s = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
        >>> float(s(2))
        0.05...
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay") -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> jax.Array:
        rate = _f32(self.decay_rate)
        return _f32(self.initial_learning_rate) / (1 + rate * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Cosine decay, optionally after a linear warmup.

    Without warmup: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)` with `s = min(step, decay_steps)`. With `warmup_target`, the rate
    rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then decays from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of decay steps.
        alpha: the final rate as a fraction of the decay's starting rate.
        name: the schedule's name.
        warmup_target: the rate reached after warmup; None for no warmup.
        warmup_steps: the number of warmup steps.

    Raises:
        ValueError: `decay_steps <= 0`.

    Example:
        >>> s = CosineDecay(0.1, decay_steps=10)
        >>> float(s(0)), float(s(5)), float(s(10))
        (0.1..., 0.05..., 0.0)
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 name: str = "CosineDecay", warmup_target: Optional[float] = None,
                 warmup_steps: int = 0) -> None:
        _positive_steps("decay_steps", decay_steps)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decay(self, step: jax.Array, start: jax.Array) -> jax.Array:
        cosine = 0.5 * (1.0 + jnp.cos(_f32(math.pi) * step / _f32(self.decay_steps)))
        return start * ((1 - _f32(self.alpha)) * cosine + _f32(self.alpha))

    def __call__(self, step: Any) -> jax.Array:
        step, initial = _f32(step), _f32(self.initial_learning_rate)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, _f32(self.decay_steps)), initial)
        target, warmup = _f32(self.warmup_target), _f32(self.warmup_steps)
        step = jnp.minimum(step, _f32(self.decay_steps) + warmup)
        rising = (target - initial) * step / jnp.maximum(warmup, 1.0) + initial
        return jnp.where(step < warmup, rising, self._decay(step - warmup, target))

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


for _cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
             CosineDecay):
    registry.register_serializable("lamina.schedules")(_cls)


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """A schedule as a JSON-ready dict `{"class_name": ..., "config": ...}`.

    Args:
        learning_rate_schedule: the schedule.

    Returns:
        The dict, which `deserialize` turns back into a schedule.

    Raises:
        TypeError: the argument is not a `LearningRateSchedule`.

    Example:
        >>> serialize(InverseTimeDecay(0.1, 1, 0.5))["class_name"]
        'InverseTimeDecay'
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"Only LearningRateSchedule objects can be serialized, but "
                        f"received {learning_rate_schedule!r}. Subclass "
                        f"`lamina.optimizers.schedules.LearningRateSchedule` and define "
                        f"`get_config()`.")
    return {"class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config()}


def deserialize(config: dict, custom_objects: Optional[dict] = None) -> LearningRateSchedule:
    """Creates a schedule from the dict `serialize` made.

    Args:
        config: `{"class_name": ..., "config": {...}}`.
        custom_objects: extra schedule classes by name, for user subclasses.

    Returns:
        A new schedule.

    Raises:
        ValueError: a malformed dict or an unknown class name.

    Example:
        >>> s = deserialize({"class_name": "ExponentialDecay", "config": {
        ...     "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}})
        >>> float(s(10))
        0.05...
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a dict with keys 'class_name' and 'config', as made "
                         f"by `serialize`, but received {config!r}.")
    name = config["class_name"]
    found = registry.find(str(name), "lamina.schedules", custom_objects=custom_objects)
    if not isinstance(found, type):
        valid = sorted(registry.builtins("lamina.schedules"))
        close = difflib.get_close_matches(str(name), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"Unknown learning rate schedule {name!r}. Valid ones are "
                         f"{valid}; pass custom classes in `custom_objects`.{hint}")
    return found.from_config(config.get("config", {}))
