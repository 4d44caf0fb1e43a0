"""`ReduceLROnPlateau`: lower the learning rate when a monitored value stalls."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks._monitor import MonitorMixin, monitor_mode, worst


def current_learning_rate(model: Any) -> float | None:
    """The optimizer's learning rate as a float, or None when it has none.

    Example:
        >>> class M: optimizer = None
        >>> current_learning_rate(M()) is None
        True
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        return None
    return float(np.asarray(optimizer.learning_rate))


def set_learning_rate(model: Any, value: float) -> None:
    """Set `model.optimizer.learning_rate`, creating the optimizer state first when
    training has started but the state does not exist yet (the first epoch), so
    that the new rate lands in the state the compiled epoch program reads.

    Example:
        >>> class Opt: learning_rate = 0.1
        >>> class M: optimizer = Opt()
        >>> model = M(); set_learning_rate(model, 0.5); model.optimizer.learning_rate
        0.5
    """
    optimizer = model.optimizer
    if getattr(optimizer, "_state", False) is None and getattr(model, "built", False) \
            and getattr(model, "_compile_config", None) is not None:
        model._train_state()  # makes the training state, where the rate lives
    optimizer.learning_rate = value


class ReduceLROnPlateau(MonitorMixin, Callback):
    """Multiply the learning rate by `factor` when `monitor` has not improved for
    `patience` epochs, as `keras.callbacks.ReduceLROnPlateau`.

    The learning rate lives in the optimizer state, so changing it never
    recompiles the epoch program. Each epoch's logs get a `learning_rate` entry
    (the rate the epoch trained with), so `History` records it.

    Args:
        monitor: the log key to watch.
        factor: the new rate is `lr * factor` (below 1).
        patience: epochs without improvement before the rate is lowered.
        verbose: 1 prints each change.
        mode: `"min"`, `"max"` or `"auto"` (max for accuracy/AUC-like names).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a change before counting again.
        min_lr: the rate never goes below this.
        **kwargs: `epsilon`, the old name of `min_delta`.

    Raises:
        ValueError: `factor >= 1`.

    Example:
        >>> cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> class Opt: learning_rate = 0.1
        >>> class M: optimizer = Opt()
        >>> cb.set_model(M()); cb.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        ...     cb.on_epoch_end(epoch, {"loss": loss})
        >>> cb.model.optimizer.learning_rate
        0.025
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs: Any):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("ReduceLROnPlateau's `epsilon` is deprecated; use `min_delta`.",
                          stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected argument(s) {sorted(kwargs)}. "
                            "Valid ones: monitor, factor, patience, verbose, mode, min_delta, "
                            "cooldown, min_lr.")
        if float(factor) >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, but "
                             f"received factor={factor!r}. Use a value below 1, e.g. 0.1.")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = int(patience)
        self.verbose = verbose
        self.mode = monitor_mode(monitor, mode)
        self.min_delta = abs(float(min_delta))
        self.cooldown = int(cooldown)
        self.min_lr = float(min_lr)
        self._reset()

    def _reset(self) -> None:
        self.best = worst(self.mode)
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def in_cooldown(self) -> bool:
        """Whether the callback is waiting out `cooldown` after a change."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        lr = current_learning_rate(self.model)
        if logs is not None and lr is not None:
            logs["learning_rate"] = lr
        current = self.get_monitor_value(logs)
        if current is None or lr is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait >= self.patience and lr > np.float32(self.min_lr):
            new_lr = max(lr * self.factor, self.min_lr)
            set_learning_rate(self.model, new_lr)
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{np.float32(new_lr)}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0
