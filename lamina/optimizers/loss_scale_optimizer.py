"""`LossScaleOptimizer`: an optimizer with dynamic loss scaling, for float16 training."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina import registry
from lamina.core import optim
from lamina.core.loss_scale import LossScaleState, dynamic_loss_scale
from lamina.optimizers.base import IterationsValue, Optimizer, ScalarValue


@registry.register_serializable("lamina.optimizers")
class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around another optimizer, as
    `keras.mixed_precision.LossScaleOptimizer`.

    float16 gradients underflow below ~6e-8. Inside `fit` the loss is multiplied by
    the current scale before it is differentiated and the gradients are divided by it
    before `inner_optimizer` applies them. A step whose gradients are not all finite
    is skipped and halves the scale (never below 1); `dynamic_growth_steps` finite
    steps in a row double it. `compile` wraps the optimizer in one by itself under the
    `"mixed_float16"` policy (as Keras 3; `auto_scale_loss=False` turns that off).

    Args:
        inner_optimizer: the `Optimizer` that applies the unscaled gradients.
        initial_scale: the first loss scale.
        dynamic_growth_steps: finite steps before the scale doubles.
        name: the optimizer's name.

    Example:
        >>> from lamina.optimizers import SGD
        >>> opt = LossScaleOptimizer(SGD(0.1), initial_scale=1024.0)
        >>> float(opt.dynamic_scale), float(opt.learning_rate)
        (1024.0, 0.1)
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, name: str | None = None,
                 **kwargs: Any) -> None:
        if not isinstance(inner_optimizer, Optimizer) or \
                isinstance(inner_optimizer, LossScaleOptimizer):
            raise TypeError(f"LossScaleOptimizer wraps an optimizer instance such as "
                            f"keras.optimizers.Adam(), but received {inner_optimizer!r}.")
        if kwargs.pop("dynamic", True) is not True:
            raise ValueError("Lamina's LossScaleOptimizer scales dynamically only; leave "
                             "dynamic=True (a fixed scale is initial_scale with a very "
                             "large dynamic_growth_steps).")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized by LossScaleOptimizer: "
                             f"{sorted(kwargs)}. Valid arguments are inner_optimizer, "
                             "initial_scale, dynamic_growth_steps and name.")
        if not np.isfinite(initial_scale) or initial_scale < 1:
            raise ValueError(f"initial_scale must be a finite number >= 1, but received "
                             f"{initial_scale!r}. Keras's default is 2**15.")
        if isinstance(dynamic_growth_steps, bool) or int(dynamic_growth_steps) < 1:
            raise ValueError(f"dynamic_growth_steps must be a positive integer, but "
                             f"received {dynamic_growth_steps!r}.")
        for key, value in (("_hyperparams", {}), ("_holder", None), ("_transform", None),
                           ("weight_decay", None), ("clipnorm", None), ("clipvalue", None),
                           ("global_clipnorm", None)):
            object.__setattr__(self, key, value)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.name = name or "loss_scale_optimizer"

    @property
    def _learning_rate(self) -> Any:  # read by the base class
        return self.inner_optimizer._learning_rate

    def transform(self) -> Any:
        """The inner optimizer's transformation wrapped with dynamic loss scaling."""
        inner = self.inner_optimizer.transform()
        if self._transform is None or self.__dict__.get("_inner_tx") is not inner:
            self._transform = dynamic_loss_scale(inner, initial_scale=self.initial_scale,
                                                 growth_steps=self.dynamic_growth_steps)
            self.__dict__["_inner_tx"] = inner
        return self._transform

    def init_state(self, params: Any) -> LossScaleState:
        state = self.transform().init(params)
        return state._replace(inner=self.inner_optimizer.init_state(params))

    @property
    def dynamic_scale(self) -> ScalarValue:
        """The current loss scale (Keras 3's name)."""
        state = self._state
        return ScalarValue(np.float32(self.initial_scale if state is None else state.scale))

    loss_scale = dynamic_scale  # tf.keras 2's name

    @property
    def learning_rate(self) -> Any:
        state = self._state
        if state is None:
            return self.inner_optimizer.learning_rate
        value = ScalarValue(np.asarray(optim.get_hyperparam(state.inner, "learning_rate")))
        value._owner = self
        return value

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        state = self._state
        if state is not None:
            self._state = state._replace(
                inner=optim.set_hyperparam(state.inner, "learning_rate", value))
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def iterations(self) -> IterationsValue:
        """Updates applied so far (skipped steps do not count)."""
        state = self._state
        return IterationsValue(0 if state is None else int(optim.iterations(state.inner)))

    def get_config(self) -> dict:
        inner = self.inner_optimizer
        return {"name": self.name, "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps,
                "inner_optimizer": {"class_name": type(inner).__name__,
                                    "config": inner.get_config()}}

    @classmethod
    def from_config(cls, config: dict) -> "LossScaleOptimizer":
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner_cls = registry.find(inner["class_name"], "lamina.optimizers",
                                      ignore_case=True)
            if inner_cls is None:
                raise ValueError(f"Unknown inner optimizer {inner['class_name']!r} in a "
                                 "LossScaleOptimizer config.")
            inner = inner_cls.from_config(inner["config"])
        return cls(inner, **config)

    def __repr__(self) -> str:
        return (f"<LossScaleOptimizer name={self.name!r} "
                f"inner_optimizer={self.inner_optimizer!r}>")
