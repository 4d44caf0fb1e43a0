"""A finished trial as KerasTuner shows it: id, hyperparameters, score, best epoch."""
from __future__ import annotations

from typing import Any

from lamina.tuner.hyperparameters import HyperParameters


class MetricsTracker:
    """The per-epoch logs of a trial's best execution, as KerasTuner's `trial.metrics`."""

    def __init__(self, history: dict[str, list[float]]):
        self.history = {k: list(v) for k, v in history.items()}

    def _series(self, name: str) -> list[float]:
        if name not in self.history:
            raise KeyError(f"No metric {name!r} was logged in this trial. Logged: "
                           f"{sorted(self.history)}.")
        return self.history[name]

    def get_history(self, name: str) -> list[float]:
        """The values of `name`, one per epoch."""
        return list(self._series(name))

    def get_last_value(self, name: str) -> float:
        """The value of `name` in the last epoch."""
        return self._series(name)[-1]

    def get_best_value(self, name: str) -> float:
        """The best value of `name` (lowest for losses and errors, highest otherwise)."""
        from lamina.tuner.objective import create_objective

        values = self._series(name)
        try:
            direction = create_objective(name).direction
        except ValueError:
            direction = "min"
        return min(values) if direction == "min" else max(values)


class Trial:
    """One trial of a search, as `keras_tuner.engine.trial.Trial`.

    Attributes:
        trial_id: its id, a zero-padded number (`"03"`).
        hyperparameters: the values it was built with (a `HyperParameters`).
        score: its objective (the best over its epochs), None if it failed.
        best_step: the epoch of that best value.
        status: `"COMPLETED"`, `"STOPPED"` (pruned by Hyperband), `"FAILED"` or `"RUNNING"`.
        metrics: its per-epoch logs (`get_history`, `get_best_value`, `get_last_value`).
    """

    def __init__(self, trial_id: str, hyperparameters: HyperParameters, score: float | None,
                 best_step: int | None, status: str, history: dict[str, list[float]],
                 number: int = 0):
        self.trial_id = trial_id
        self.hyperparameters = hyperparameters
        self.score = score
        self.best_step = best_step
        self.status = status
        self.metrics = MetricsTracker(history)
        self.number = number

    def summary(self) -> None:
        """Print the trial as `results_summary` does."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        else:
            print(f"Status: {self.status}")

    def __repr__(self) -> str:
        return (f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, "
                f"score={self.score!r}, hyperparameters={self.hyperparameters.values!r})")

    def get_state(self) -> dict[str, Any]:
        return {"trial_id": self.trial_id, "status": self.status, "score": self.score,
                "best_step": self.best_step, "hyperparameters": self.hyperparameters.values,
                "metrics": self.metrics.history}
