"""`EarlyStopping`: stop when a monitored value stops improving."""
from __future__ import annotations

import numpy as np

from lamina.callbacks._monitor import MonitorMixin, monitor_mode, worst
from lamina.callbacks.callback import Callback

__all__ = ["EarlyStopping", "MonitorMixin", "monitor_mode"]


class EarlyStopping(MonitorMixin, Callback):
    """Stop training when `monitor` has not improved for `patience` epochs.

    Args:
        monitor: the log key to watch (`"val_loss"`).
        min_delta: the smallest change that counts as an improvement. As in tf.keras 2,
            the attribute holds it negated when the monitored value is minimized
            (`-0.001` for `min_delta=0.001` on `val_loss`).
        patience: epochs without improvement before stopping.
        verbose: 1 prints when it stops and restores.
        mode: `"min"`, `"max"`, or `"auto"` (max for accuracy/AUC-like names).
        baseline: a value to beat; training stops unless it is beaten within
            `patience` epochs.
        restore_best_weights: restore the weights of the best epoch at the end of
            training, also when training ends without an early stop.
        start_from_epoch: epochs to wait before monitoring starts.

    Example:
        >>> cb = EarlyStopping(monitor="loss", patience=1)
        >>> class M: stop_training = False
        >>> cb.set_model(M()); cb.on_train_begin()
        >>> for epoch, loss in enumerate([1.0, 0.9, 0.95, 0.97]):
        ...     cb.on_epoch_end(epoch, {"loss": loss})
        ...     if cb.model.stop_training:
        ...         break
        >>> cb.stopped_epoch, cb.best
        (2, 0.9)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.mode = monitor_mode(monitor, mode)
        delta = abs(float(min_delta))
        self.min_delta = -delta if self.mode == "min" else delta
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = worst(self.mode)
        self.best_weights: list[np.ndarray] | None = None
        self.best_epoch = 0

    def _is_improvement(self, value: float, reference: float) -> bool:
        # min_delta is negative in min mode, so both read as tf.keras 2's rule.
        if self.mode == "min":
            return value - self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The wait restarts only when the value also beats the baseline, so a
            # run that improves but never reaches the baseline still stops.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
