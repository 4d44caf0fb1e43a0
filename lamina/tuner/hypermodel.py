"""`HyperModel`: a model builder with a search space, as `keras_tuner.HyperModel`."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable

from lamina.tuner.hyperparameters import HyperParameters


class HyperModel(ABC):
    """Subclass and override `build(hp)` (and `fit(hp, model, ...)` to tune training).

    Example:
        >>> import lamina as keras
        >>> class MyHyperModel(HyperModel):
        ...     def build(self, hp):
        ...         model = keras.Sequential([keras.layers.Input((4,)),
        ...                                   keras.layers.Dense(hp.Int("units", 8, 32))])
        ...         model.compile(optimizer="adam", loss="mse")
        ...         return model
        >>> MyHyperModel().build(HyperParameters()).layers[0].units
        8
    """

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name = name
        self.tunable = tunable

    @abstractmethod
    def build(self, hp: HyperParameters) -> Any:
        """Return a compiled model whose shape and settings come from `hp` (a subclass
        without it cannot be made)."""

    def fit(self, hp: HyperParameters, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train `model`; returns the History (or a dict of metrics, or the score)."""
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    """A `build_model(hp)` function as a HyperModel."""

    def __init__(self, build: Callable[[HyperParameters], Any]):
        super().__init__(name=getattr(build, "__name__", None))
        self._build = build

    def build(self, hp: HyperParameters) -> Any:
        return self._build(hp)


def get_hypermodel(hypermodel: Any) -> HyperModel:
    """A HyperModel from a HyperModel or a `build(hp)` function."""
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return _FunctionHyperModel(hypermodel)
    raise TypeError(f"hypermodel must be a function build_model(hp) that returns a compiled "
                    f"model, or a HyperModel, but received {type(hypermodel).__name__}.")
