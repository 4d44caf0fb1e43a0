"""The callback a trial trains with: it tracks the objective, keeps the weights of the
best epoch, and reports each epoch to Optuna's pruner (Hyperband)."""
from __future__ import annotations

from typing import Any

from lamina.callbacks import Callback
from lamina.tuner.objective import Objective


class TrialCallback(Callback):
    """Follow `objective` through the epochs of one execution of a trial."""

    def __init__(self, objective: Objective, optuna_trial: Any = None, prune: bool = False):
        super().__init__()
        self.objective = objective
        self.optuna_trial = optuna_trial
        self.prune = prune
        self.best: float | None = None
        self.best_step: int | None = None
        self.best_weights: list | None = None
        self.pruned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        name = self.objective.name
        if name not in logs:
            hint = ("pass validation_data or validation_split to search()"
                    if name.startswith("val_") else "compile the model with that metric")
            raise ValueError(f"The objective {name!r} is not in the training logs "
                             f"{sorted(logs)}: {hint}, or choose an objective among the "
                             f"logged names.")
        value = float(logs[name])
        if self.objective.better(value, self.best):
            self.best, self.best_step = value, epoch
            self.best_weights = self.model.get_weights()
        if self.prune and self.optuna_trial is not None:
            self.optuna_trial.report(value, epoch)
            if self.optuna_trial.should_prune():
                self.pruned = True
                self.model.stop_training = True
