"""`History`: the per-epoch logs that `fit` returns."""
from __future__ import annotations

from typing import Any

from lamina.callbacks.callback import Callback
from lamina.plot import learning_curves


class History(Callback):
    """Records the logs of each epoch; `fit` returns it.

    Attributes:
        history: `{"loss": [...], "val_loss": [...], ...}`, one value per epoch.
        epoch: the epoch indices seen.
        params: `verbose`, `epochs`, `steps`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, metrics: Any = None, **kwargs: Any) -> Any:
        """Plot the learning curves (see `lamina.plot.learning_curves`)."""
        return learning_curves(self, metrics=metrics, **kwargs)

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"
