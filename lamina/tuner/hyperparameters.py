"""`HyperParameters`: the search space, defined while the model is built, as KerasTuner's.

`hp.Int("units", 32, 256, step=32)` both declares the hyperparameter and returns
its value for the current trial: the default outside a search, the sampled value
inside one, the recorded value in `get_best_hyperparameters()`.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

from lamina.tuner._space import Spec


class HyperParameters:
    """A set of hyperparameters and their values, as `keras_tuner.HyperParameters`.

    Example:
        >>> hp = HyperParameters()
        >>> hp.Int("units", 32, 128, step=32), hp.Float("lr", 1e-4, 1e-2, sampling="log")
        (32, 0.0001)
        >>> with hp.conditional_scope("units", [64]):
        ...     print(hp.Boolean("dropout"))
        None
        >>> hp.values
        {'units': 32, 'lr': 0.0001}
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._specs: dict[str, Spec] = {}
        self._scopes: list[dict[str, Any]] = []
        self._sample: Callable[[Spec], Any] | None = None
        self._known: dict[str, Spec] = {}

    # -- the five kinds ----------------------------------------------------------------
    def Int(self, name: str, min_value: int, max_value: int, step: int | None = None,
            sampling: str = "linear", default: int | None = None,
            parent_name: str | None = None, parent_values: Any = None) -> int | None:
        """An integer in `[min_value, max_value]` (with `step`; `sampling="log"`)."""
        config = {"min_value": int(min_value), "max_value": int(max_value), "step": step,
                  "sampling": sampling, "default": default}
        return self._retrieve(Spec("Int", name, config), parent_name, parent_values)

    def Float(self, name: str, min_value: float, max_value: float, step: float | None = None,
              sampling: str = "linear", default: float | None = None,
              parent_name: str | None = None, parent_values: Any = None) -> float | None:
        """A float in `[min_value, max_value]`; `sampling="log"` for learning rates."""
        config = {"min_value": float(min_value), "max_value": float(max_value), "step": step,
                  "sampling": sampling, "default": default}
        return self._retrieve(Spec("Float", name, config), parent_name, parent_values)

    def Choice(self, name: str, values: list[Any], ordered: bool | None = None,
               default: Any = None, parent_name: str | None = None,
               parent_values: Any = None) -> Any:
        """One of `values` (ints, floats, strings or bools)."""
        values = list(values)
        if ordered is None:
            ordered = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for v in values)
        config = {"values": values, "ordered": ordered, "default": default}
        return self._retrieve(Spec("Choice", name, config), parent_name, parent_values)

    def Boolean(self, name: str, default: bool = False, parent_name: str | None = None,
                parent_values: Any = None) -> bool | None:
        """True or False."""
        return self._retrieve(Spec("Boolean", name, {"default": default}),
                              parent_name, parent_values)

    def Fixed(self, name: str, value: Any, parent_name: str | None = None,
              parent_values: Any = None) -> Any:
        """A value that is not searched, recorded with the others."""
        return self._retrieve(Spec("Fixed", name, {"value": value}), parent_name,
                              parent_values)

    # -- conditions ----------------------------------------------------------------------
    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Hyperparameters defined inside are active only while `parent_name`'s value is
        one of `parent_values`; inactive ones return None."""
        if parent_name not in self._specs:
            raise ValueError(f"conditional_scope: the parent hyperparameter {parent_name!r} "
                             f"is not defined yet. Define it before the scope; defined: "
                             f"{sorted(self._specs)}.")
        values = list(parent_values) if isinstance(parent_values, (list, tuple, set)) \
            else [parent_values]
        self._scopes.append({"name": parent_name, "values": values})
        try:
            yield
        finally:
            self._scopes.pop()

    def _active(self, conditions: list[dict[str, Any]]) -> bool:
        return all(c["name"] in self.values and self.values[c["name"]] in c["values"]
                   for c in conditions)

    def is_active(self, hyperparameter: Any) -> bool:
        """Whether a hyperparameter (or its name) has a value in this set."""
        name = getattr(hyperparameter, "name", hyperparameter)
        return name in self.values

    # -- registration ------------------------------------------------------------------
    def _retrieve(self, spec: Spec, parent_name: str | None, parent_values: Any) -> Any:
        scope = contextlib.nullcontext() if parent_name is None else \
            self.conditional_scope(parent_name, parent_values)
        with scope:
            spec.conditions = [dict(c) for c in self._scopes]
            if not self._active(spec.conditions):
                return None
            earlier = self._specs.get(spec.name) or self._known.get(spec.name)
            if earlier is not None and not earlier.same_range(spec):
                raise ValueError(
                    f"Hyperparameter {spec.name!r} is defined twice with different ranges: "
                    f"first {earlier.describe()}, now {spec.describe()}. Give the second one "
                    f"its own name (for example f'{spec.name}_{{i}}' in a loop), or define "
                    f"both with the same range.")
            self._specs[spec.name] = spec
            if spec.name not in self.values:
                self.values[spec.name] = self._sample(spec) if self._sample is not None \
                    else spec.default
            return self.values[spec.name]

    def get(self, name: str) -> Any:
        """The value of hyperparameter `name`."""
        if name not in self.values:
            raise KeyError(f"No hyperparameter named {name!r} is active in this set. Active: "
                           f"{sorted(self.values)}.")
        return self.values[name]

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    @property
    def space(self) -> list[Spec]:
        """The hyperparameters defined so far, in order."""
        return list(self._specs.values())

    def copy(self) -> "HyperParameters":
        """A set holding the same values (which it returns when they are defined again)."""
        new = HyperParameters()
        new.values = dict(self.values)
        new._specs = dict(self._specs)
        return new

    @classmethod
    def _fixed(cls, values: dict[str, Any], specs: list[Spec]) -> "HyperParameters":
        """A set whose hyperparameters return the given values (a finished trial's)."""
        new = cls()
        new.values = dict(values)
        new._specs = {s.name: s for s in specs if s.name in values}
        return new

    def get_config(self) -> dict[str, Any]:
        return {"space": [s.to_json() for s in self.space], "values": dict(self.values)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "HyperParameters":
        return cls._fixed(config["values"], [Spec.from_json(s) for s in config["space"]])

    def __repr__(self) -> str:
        return f"HyperParameters({self.values!r})"
