"""One hyperparameter's definition (Int, Float, Choice, Boolean, Fixed): its range, its
default, how Optuna samples it, and the values a grid walks through."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SAMPLINGS = ("linear", "log")


@dataclass
class Spec:
    """A hyperparameter: `kind`, `name`, its range `config`, and the `conditions` (parent
    name and values) under which it is active."""

    kind: str
    name: str
    config: dict[str, Any]
    conditions: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        check = getattr(self, f"_check_{self.kind.lower()}", None)
        if check is not None:
            check()

    # -- validation of user input -----------------------------------------------------
    def _check_range(self) -> None:
        c = self.config
        sampling = c.get("sampling") or "linear"
        if sampling not in SAMPLINGS:
            raise ValueError(f"{self.kind} hyperparameter {self.name!r}: sampling must be one "
                             f"of {list(SAMPLINGS)}, but received {sampling!r}.")
        if c["min_value"] > c["max_value"]:
            raise ValueError(f"{self.kind} hyperparameter {self.name!r}: min_value "
                             f"{c['min_value']} is above max_value {c['max_value']}.")
        if sampling == "log" and c["min_value"] <= 0:
            raise ValueError(f"{self.kind} hyperparameter {self.name!r}: sampling='log' needs "
                             f"min_value > 0, but received {c['min_value']}.")

    _check_int = _check_range
    _check_float = _check_range

    def _check_choice(self) -> None:
        values = self.config["values"]
        if not values:
            raise ValueError(f"Choice hyperparameter {self.name!r} needs at least one value, "
                             f"but received {values!r}.")
        kinds = {type(v) for v in values}
        if len(kinds) > 1 and not kinds <= {int, float}:
            raise TypeError(f"Choice hyperparameter {self.name!r}: values must be of one type "
                            f"(all int/float, all str or all bool), but received {values!r}.")

    # -- values -----------------------------------------------------------------------
    @property
    def default(self) -> Any:
        c = self.config
        if self.kind == "Fixed":
            return c["value"]
        if c.get("default") is not None:
            return c["default"]
        return {"Int": lambda: c["min_value"], "Float": lambda: c["min_value"],
                "Choice": lambda: c["values"][0], "Boolean": lambda: False}[self.kind]()

    def _geometric(self) -> list[Any]:
        c = self.config
        out, value = [], c["min_value"]
        while value <= c["max_value"] * (1 + 1e-9):
            out.append(value)
            value = value * c["step"]
        return out

    def grid_values(self) -> list[Any]:
        """The values a grid search tries (a Float without a step: 10 values)."""
        c = self.config
        log = c.get("sampling") == "log"
        if self.kind == "Int":
            if log and c.get("step"):
                return self._geometric()
            return list(range(c["min_value"], c["max_value"] + 1, c.get("step") or 1))
        if self.kind == "Float":
            if c.get("step"):
                if log:
                    return self._geometric()
                n = int(math.floor((c["max_value"] - c["min_value"]) / c["step"] + 1e-9))
                return [c["min_value"] + i * c["step"] for i in range(n + 1)]
            lo, hi = c["min_value"], c["max_value"]
            if log:
                return [lo * (hi / lo) ** (i / 9) for i in range(10)]
            return [lo + (hi - lo) * i / 9 for i in range(10)]
        if self.kind == "Choice":
            return list(c["values"])
        if self.kind == "Boolean":
            return [False, True]
        return [c["value"]]

    def suggest(self, trial: Any) -> Any:
        """The value Optuna's `trial` samples for this hyperparameter."""
        c = self.config
        log = c.get("sampling") == "log"
        if self.kind == "Fixed":
            return c["value"]
        if self.kind in ("Int", "Float") and log and c.get("step"):
            return trial.suggest_categorical(self.name, self._geometric())
        if self.kind == "Int":
            return trial.suggest_int(self.name, c["min_value"], c["max_value"],
                                     step=c.get("step") or 1, log=log)
        if self.kind == "Float":
            return trial.suggest_float(self.name, c["min_value"], c["max_value"],
                                       step=c.get("step"), log=log)
        return trial.suggest_categorical(self.name, self.grid_values())

    # -- comparison and files ------------------------------------------------------------
    def same_range(self, other: "Spec") -> bool:
        ignore = ("default",)
        mine = {k: v for k, v in self.config.items() if k not in ignore}
        theirs = {k: v for k, v in other.config.items() if k not in ignore}
        return self.kind == other.kind and mine == theirs

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items() if k != "default")
        return f"{self.kind}({self.name!r}, {args})"

    def summary(self) -> dict[str, Any]:
        """KerasTuner's `search_space_summary` entry: default, conditions, then the range."""
        out = {"default": self.config.get("default"), "conditions": self.conditions}
        out.update((k, v) for k, v in self.config.items() if k != "default")
        if self.kind in ("Int", "Float"):
            out.setdefault("sampling", "linear")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"class_name": self.kind, "name": self.name, "config": self.config,
                "conditions": self.conditions}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Spec":
        return cls(data["class_name"], data["name"], dict(data["config"]),
                   list(data.get("conditions", [])))
