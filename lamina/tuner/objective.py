"""`Objective`: the metric a search optimizes and its direction, as KerasTuner's."""
from __future__ import annotations

from typing import Any

_MAX_WORDS = ("acc", "accuracy", "auc", "precision", "recall", "f1", "r2", "iou", "top_k")
_MIN_WORDS = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
              "divergence", "poisson", "cosine_proximity", "logcosh")


class Objective:
    """A metric name and `direction` (`"min"` or `"max"`), as `keras_tuner.Objective`.

    Example:
        >>> Objective("val_auc", direction="max")
        Objective(name="val_auc", direction="max")
    """

    def __init__(self, name: str, direction: str):
        if direction not in ("min", "max"):
            raise ValueError(f"Objective direction must be 'min' or 'max', but received "
                             f"{direction!r} for {name!r}.")
        self.name = name
        self.direction = direction

    def better(self, a: float, b: float | None) -> bool:
        """Whether score `a` is better than `b` (None is worse than anything)."""
        if b is None:
            return True
        return a < b if self.direction == "min" else a > b

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Objective) and (other.name, other.direction) == \
            (self.name, self.direction)

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'

    def get_config(self) -> dict[str, str]:
        return {"name": self.name, "direction": self.direction}


def create_objective(objective: Any) -> Objective:
    """An `Objective` from a name (direction inferred), an Objective, or None (val_loss).

    Example:
        >>> create_objective("val_accuracy"), create_objective(None)
        (Objective(name="val_accuracy", direction="max"), Objective(name="val_loss", direction="min"))
    """
    if objective is None:
        return Objective("val_loss", "min")
    if isinstance(objective, Objective):
        return objective
    if not isinstance(objective, str):
        raise TypeError(f"objective must be a metric name or a keras_tuner Objective, but "
                        f"received {type(objective).__name__}. Pass e.g. 'val_accuracy' or "
                        f"Objective('val_auc', direction='max').")
    base = objective[4:] if objective.startswith("val_") else objective
    if any(word in base for word in _MIN_WORDS):
        return Objective(objective, "min")
    if any(word in base for word in _MAX_WORDS):
        return Objective(objective, "max")
    raise ValueError(f"Could not infer the direction of the objective {objective!r}. Pass "
                     f"Objective({objective!r}, direction='min') or direction='max'.")
