"""`TerminateOnNaN`: stop training when the loss becomes NaN or infinite."""
from __future__ import annotations

import math

from lamina.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stops training when the loss is NaN or infinite, as
    `keras.callbacks.TerminateOnNaN`.

    It checks the running-average loss once per chunk of batches (a few times a
    second) rather than after every batch, so it never forces `fit` to run batch
    by batch: a NaN in any batch makes the running average NaN, so the stop
    comes at the end of the chunk that produced it, and at the latest at the end
    of the epoch.

    Example:
        >>> cb = TerminateOnNaN()
        >>> class M: stop_training = False
        >>> cb.set_model(M())
        >>> cb.on_batch_end(4, {"loss": float("nan")})
        Batch 4: Invalid loss, terminating training
        >>> cb.model.stop_training
        True
    """

    _chunk_batch_hooks = True

    def _check(self, batch: int, logs: dict | None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._check(batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if not getattr(self.model, "stop_training", False):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(float(loss)):
                print(f"Epoch {epoch + 1}: Invalid loss, terminating training")
                self.model.stop_training = True
