"""`save_freq`: save after each epoch, or every N batches (ModelCheckpoint,
BackupAndRestore)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np


def check_save_freq(save_freq: Any, owner: str) -> Any:
    """`'epoch'` or a positive number of batches, else a `ValueError`.

    Example:
        >>> check_save_freq("epoch", "ModelCheckpoint"), check_save_freq(10, "ModelCheckpoint")
        ('epoch', 10)
    """
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, (int, np.integer)) and not isinstance(save_freq, bool) \
            and save_freq > 0:
        return int(save_freq)
    raise ValueError(f"{owner} received save_freq={save_freq!r}. Use 'epoch' (save after "
                     "each epoch) or a positive integer N (save every N batches).")


class SaveFrequency(ABC):
    """Counts batches and calls `save_batch(batch, logs)` every `save_freq` of them.

    Only a callback with an integer `save_freq` gets a batch hook (an instance
    attribute), so only that setting makes `fit` run one compiled call per batch.
    """

    save_freq: Any

    def _init_save_freq(self, save_freq: Any, owner: str) -> None:
        self.save_freq = check_save_freq(save_freq, owner)
        self._current_epoch = 0
        self._batches_since_save = 0
        if self.save_freq != "epoch":
            self.on_train_batch_end = self._count_batch

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._current_epoch = epoch

    def _count_batch(self, batch: int, logs: dict | None = None) -> None:
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self.save_batch(batch, logs)

    @abstractmethod
    def save_batch(self, batch: int, logs: dict | None) -> None:
        """Save after `batch`, every `save_freq` batches."""
