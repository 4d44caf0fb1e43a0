"""KerasTuner's four tuners, each on an Optuna sampler (and, for Hyperband, a pruner).

| tuner | Optuna |
|---|---|
| RandomSearch | `RandomSampler` |
| GridSearch | the grid's points queued in order (`enqueue_trial`) |
| BayesianOptimization | `TPESampler`, a Bayesian optimizer that needs no PyTorch |
| Hyperband | `RandomSampler` with `HyperbandPruner`: trials are stopped early |
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

from lamina.tuner._optuna import optuna
from lamina.tuner.hyperparameters import HyperParameters
from lamina.tuner.tuner import Tuner


class RandomSearch(Tuner):
    """Random search, as `keras_tuner.RandomSearch`.

    Args:
        hypermodel: `build_model(hp)` or a `HyperModel`.
        objective: a metric name or an `Objective` (default `"val_loss"`).
        max_trials: the number of trials.
        seed: the sampler's seed.
        **kwargs: `directory`, `project_name`, `overwrite`, `executions_per_trial`,
            `max_consecutive_failed_trials` (see `Tuner`).

    Example:
        >>> import numpy as np, tempfile, lamina as keras
        >>> from lamina import tuner as kt
        >>> def build_model(hp):
        ...     model = keras.Sequential([keras.layers.Input((3,)),
        ...                               keras.layers.Dense(hp.Int("units", 2, 8)),
        ...                               keras.layers.Dense(1)])
        ...     model.compile(optimizer="adam", loss="mse")
        ...     return model
        >>> x = np.random.default_rng(0).normal(size=(32, 3)); y = x.sum(axis=1)
        >>> tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=2,
        ...                         seed=1, directory=tempfile.mkdtemp())
        >>> tuner.search(x, y, epochs=1, validation_split=0.25, verbose=0)
        >>> len(tuner.oracle.trials), sorted(tuner.get_best_hyperparameters()[0].values)
        (2, ['units'])
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 seed: int | None = None, **kwargs: Any):
        self.max_trials = int(max_trials)
        super().__init__(hypermodel, objective, seed=seed, **kwargs)

    def _algorithm(self, space: HyperParameters) -> tuple[Any, Any, int]:
        return optuna().samplers.RandomSampler(seed=self.seed), None, self.max_trials


class GridSearch(Tuner):
    """Every combination of the hyperparameters' values, as `keras_tuner.GridSearch`.

    Ints walk their range by `step` (1 by default), Choices and Booleans their
    values; a Float without `step` contributes 10 evenly spaced values. The grid
    is that of the hyperparameters defined with their defaults (the first build);
    ones that appear only under other conditions are sampled at random.

    Args:
        max_trials: at most this many points (None: the whole grid).
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None,
                 max_trials: int | None = None, seed: int | None = None, **kwargs: Any):
        self.max_trials = max_trials
        super().__init__(hypermodel, objective, seed=seed, **kwargs)

    def _algorithm(self, space: HyperParameters) -> tuple[Any, Any, int]:
        specs = [s for s in space.space if s.kind != "Fixed"]
        self._points = [dict(zip([s.name for s in specs], combo)) for combo in
                        itertools.product(*[s.grid_values() for s in specs])]
        n = len(self._points) if self.max_trials is None \
            else min(int(self.max_trials), len(self._points))
        return optuna().samplers.RandomSampler(seed=self.seed), None, n

    def _start(self, space: HyperParameters) -> None:
        self.oracle.enqueue(self._points[:self.oracle.max_trials])


class BayesianOptimization(Tuner):
    """Bayesian optimization, as `keras_tuner.BayesianOptimization`, on Optuna's TPE.

    KerasTuner fits a Gaussian process; Optuna's Gaussian-process sampler needs
    PyTorch, so Lamina uses its tree-structured Parzen estimator, which models
    the good and the bad trials' densities instead. `alpha` and `beta` (the
    Gaussian process's noise and exploration factor) have no counterpart in TPE
    and are accepted only for code written for KerasTuner: values other than the
    defaults raise a warning.

    Args:
        max_trials: the number of trials.
        num_initial_points: random trials before the model guides the search
            (default: 3 per hyperparameter, at least 2).
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 num_initial_points: int | None = None, alpha: float = 1e-4,
                 beta: float = 2.6, seed: int | None = None, **kwargs: Any):
        if alpha != 1e-4 or beta != 2.6:
            warnings.warn("BayesianOptimization runs on Optuna's TPE sampler, which has no "
                          "alpha or beta (Gaussian-process settings); they are ignored.",
                          stacklevel=2)
        self.max_trials = int(max_trials)
        self.num_initial_points = num_initial_points
        super().__init__(hypermodel, objective, seed=seed, **kwargs)

    def _algorithm(self, space: HyperParameters) -> tuple[Any, Any, int]:
        n_initial = self.num_initial_points
        if n_initial is None:
            n_initial = max(3 * len([s for s in space.space if s.kind != "Fixed"]), 2)
        sampler = optuna().samplers.TPESampler(n_startup_trials=int(n_initial), seed=self.seed)
        return sampler, None, self.max_trials


class Hyperband(Tuner):
    """Hyperband, as `keras_tuner.Hyperband`, on Optuna's `HyperbandPruner`.

    Each trial trains for up to `max_epochs` epochs (the `epochs` passed to
    `search` is replaced, as in KerasTuner), reporting its objective every epoch;
    the pruner's successive-halving brackets stop the poor ones early (their
    status is `"STOPPED"`, their score the best before stopping). The number of
    trials is Hyperband's: the sum over its brackets of their initial sizes, times
    `hyperband_iterations`.

    Args:
        max_epochs: the most epochs one model trains.
        factor: the reduction factor between rounds.
        hyperband_iterations: how many times the whole set of brackets runs.
    """

    _prunes = True

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_epochs: int = 100,
                 factor: int = 3, hyperband_iterations: int = 1, seed: int | None = None,
                 **kwargs: Any):
        if int(factor) < 2:
            raise ValueError(f"Hyperband's factor must be an integer >= 2, but received "
                             f"{factor!r}.")
        self.max_epochs = int(max_epochs)
        self.factor = int(factor)
        self.hyperband_iterations = int(hyperband_iterations)
        super().__init__(hypermodel, objective, seed=seed, **kwargs)

    def _algorithm(self, space: HyperParameters) -> tuple[Any, Any, int]:
        s_max = int(math.log(self.max_epochs) / math.log(self.factor) + 1e-9)
        per_iteration = sum(math.ceil((s_max + 1) / (s + 1) * self.factor ** s)
                            for s in range(s_max + 1))
        pruner = optuna().pruners.HyperbandPruner(
            min_resource=1, max_resource=self.max_epochs, reduction_factor=self.factor)
        sampler = optuna().samplers.RandomSampler(seed=self.seed)
        return sampler, pruner, per_iteration * self.hyperband_iterations

    def _fit_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**kwargs, "epochs": self.max_epochs}
