"""`LearningRateScheduler`: set the learning rate from a function of the epoch."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks.reduce_lr_on_plateau import current_learning_rate, set_learning_rate


class LearningRateScheduler(Callback):
    """Sets the learning rate to `schedule(epoch, lr)` at the start of each epoch,
    as `keras.callbacks.LearningRateScheduler`.

    The rate lives in the optimizer state, so changing it never recompiles the
    epoch program. Each epoch's logs get a `learning_rate` entry, so `History`
    records it.

    Args:
        schedule: `f(epoch, lr) -> new_lr` (epoch counted from 0); a one-argument
            `f(epoch)` works too.
        verbose: 1 prints each new rate.

    Raises:
        ValueError: the model's optimizer has no learning rate, or `schedule`
            returned something other than a number.

    Example:
        >>> cb = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> class Opt: learning_rate = 1.0
        >>> class M: optimizer = Opt()
        >>> cb.set_model(M())
        >>> for epoch in range(3):
        ...     cb.on_epoch_begin(epoch)
        >>> cb.model.optimizer.learning_rate
        0.125
    """

    def __init__(self, schedule: Callable[..., Any], verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be a function f(epoch, lr) -> lr, but received "
                            f"{schedule!r} ({type(schedule).__name__}).")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        lr = current_learning_rate(self.model)
        if lr is None:
            raise ValueError("LearningRateScheduler needs an optimizer with a "
                             "`learning_rate`, but the model has "
                             f"{getattr(self.model, 'optimizer', None)!r}. Compile the "
                             "model first, e.g. model.compile(optimizer='adam', ...).")
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:  # the tf.keras 1 signature schedule(epoch)
            new_lr = self.schedule(epoch)
        if isinstance(new_lr, bool) or not isinstance(new_lr, (int, float, np.number)) and \
                not (hasattr(new_lr, "shape") and np.ndim(new_lr) == 0):
            raise ValueError(f'The output of the "schedule" function should be a float, but '
                             f"received {new_lr!r} ({type(new_lr).__name__}) at epoch "
                             f"{epoch}. Return a number, e.g. `return lr * 0.9`.")
        new_lr = float(np.asarray(new_lr))
        set_learning_rate(self.model, new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{np.float32(new_lr)}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        lr = current_learning_rate(self.model)
        if logs is not None and lr is not None:
            logs["learning_rate"] = lr
