"""`Tuner`: the search loop shared by RandomSearch, GridSearch, Hyperband and
BayesianOptimization, with KerasTuner's methods and printed summaries."""
from __future__ import annotations

import copy
import logging
import os
import shutil
import time
from abc import ABC, abstractmethod
from typing import Any

from lamina.tuner._trial import Trial
from lamina.tuner._trial_callback import TrialCallback
from lamina.tuner._vectorized import group_arguments, run_group
from lamina.tuner.hypermodel import get_hypermodel
from lamina.tuner.hyperparameters import HyperParameters
from lamina.tuner.objective import create_objective
from lamina.tuner.oracle import Oracle


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}h {s % 3600 // 60:02d}m {s % 60:02d}s"


class Tuner(ABC):
    """The base of the tuners: builds, trains and scores one model per trial.

    Args:
        hypermodel: a function `build_model(hp)` returning a compiled model, or a
            `HyperModel`.
        objective: the metric to optimize: a name (`"val_accuracy"`, direction
            inferred) or an `Objective`; None means `"val_loss"`.
        directory, project_name: where the project's files go
            (`<directory>/<project_name>`; defaults `"."` and `"untitled_project"`).
        overwrite: with False (the default) an existing project is resumed; with
            True it is deleted first.
        executions_per_trial: models trained per trial; the score is their mean.
        max_consecutive_failed_trials: failing trials in a row that stop the search.
        vectorize: False (one fit per trial, as KerasTuner), True (all the trials of
            the search trained together as one compiled program, by
            `lamina.models.train_many`), or a number of trials per such group. Only
            for spaces whose hyperparameters leave the model's shapes unchanged
            (learning rate, weight decay, L1/L2 factors, dropout rates); `search`'s
            callbacks do not run.
    """

    _prunes = False

    def __init__(self, hypermodel: Any, objective: Any, *, directory: str | None = None,
                 project_name: str | None = None, overwrite: bool = False,
                 executions_per_trial: int = 1, max_consecutive_failed_trials: int = 3,
                 seed: int | None = None, vectorize: bool | int = False, **kwargs: Any):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected argument(s) {sorted(kwargs)}. It "
                f"takes hypermodel, objective, its algorithm's arguments, seed, directory, "
                f"project_name, overwrite, executions_per_trial, "
                f"max_consecutive_failed_trials and vectorize.")
        if isinstance(vectorize, bool) or vectorize is None:
            self.vectorize = 0 if not vectorize else -1   # -1: every remaining trial
        elif isinstance(vectorize, int) and vectorize >= 1:
            self.vectorize = vectorize
        else:
            raise ValueError(f"vectorize must be True, False or a number of trials per "
                             f"group (>= 1), but received {vectorize!r}.")
        if self.vectorize and self._prunes:
            raise ValueError(f"{type(self).__name__} stops trials after different numbers "
                             f"of epochs, so its trials cannot train as one program. Use "
                             f"vectorize=True with RandomSearch, GridSearch or "
                             f"BayesianOptimization.")
        self.hypermodel = get_hypermodel(hypermodel)
        self.seed = seed
        self.executions_per_trial = int(executions_per_trial)
        self.max_consecutive_failed_trials = int(max_consecutive_failed_trials)
        self.directory = "." if directory is None else str(directory)
        self.project_name = project_name or "untitled_project"
        self.project_dir = os.path.join(self.directory, self.project_name)
        if overwrite and os.path.exists(self.project_dir):
            shutil.rmtree(self.project_dir)
        space = HyperParameters()
        self.hypermodel.build(space)  # declares the space, as KerasTuner does
        sampler, pruner, max_trials = self._algorithm(space)
        self.oracle = Oracle(create_objective(objective), max_trials, sampler, pruner,
                             self.project_dir, type(self).__name__)
        self.oracle.update_space(space)
        self._start(space)

    @abstractmethod
    def _algorithm(self, space: HyperParameters) -> tuple[Any, Any, int]:
        """The Optuna sampler and pruner, and the number of trials."""

    def _start(self, space: HyperParameters) -> None:
        """Anything to queue before the first trial (the grid of GridSearch)."""

    def _fit_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    # -- the search ---------------------------------------------------------------------
    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Run trials until `max_trials` have ended; arguments go to `model.fit`.

        `x`, `y`, `epochs`, `validation_data`/`validation_split`, `callbacks`
        (copied for each trial) and the other arguments of `fit`. A search that
        was interrupted continues where it stopped.
        """
        verbose = fit_kwargs.get("verbose", 1)
        logger = logging.getLogger("optuna")
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            self._search(fit_args, self._fit_kwargs(dict(fit_kwargs)), verbose)
        finally:
            logger.setLevel(level)

    def _search(self, fit_args: tuple, fit_kwargs: dict[str, Any], verbose: Any) -> None:
        self.oracle.fail_stale_trials()
        clock = [time.time(), 0]   # the search's start, failures in a row
        group_kwargs = group_arguments(self.hypermodel, fit_args, fit_kwargs) \
            if self.vectorize else None
        while self.oracle.finished() < self.oracle.max_trials:
            left = self.oracle.max_trials - self.oracle.finished()
            size = min(left, self.vectorize if self.vectorize > 0 else left) \
                if self.vectorize else 1
            trials = [self._new_trial() for _ in range(size)]
            began = time.time()
            try:
                if group_kwargs is not None:
                    results = run_group(self, trials, group_kwargs)
                else:
                    otrial, hp = trials[0]
                    results = [self._run(otrial, hp, fit_args, fit_kwargs)]
            except Exception as err:
                for otrial, _ in trials:
                    self.oracle.tell(otrial, "FAILED")
                if group_kwargs is not None:   # every trial of the group failed together
                    raise
                clock[1] += 1
                if clock[1] >= self.max_consecutive_failed_trials:
                    raise RuntimeError(
                        f"{clock[1]} trials in a row failed; the search stops. The last "
                        f"error: {type(err).__name__}: {err}") from err
                if verbose:
                    print(f"Trial {self.oracle.trial_id(trials[0][0].number)} failed: "
                          f"{type(err).__name__}: {err}")
                continue
            clock[1] = 0
            for (otrial, hp), result in zip(trials, results):
                self._record(otrial, hp, result, began, clock[0], verbose)

    def _new_trial(self) -> tuple[Any, HyperParameters]:
        """A trial asked of the oracle, with hyperparameters that sample from it."""
        otrial = self.oracle.ask()
        hp = HyperParameters()
        hp._sample = lambda spec: spec.suggest(otrial)
        hp._known = dict(self.oracle._space)
        return otrial, hp

    def _record(self, otrial: Any, hp: HyperParameters, result: tuple, began: float,
                start: float, verbose: Any) -> None:
        """Save a trial's model and tell the oracle how it ended."""
        status, score, step, history, model = result
        folder = self.oracle.trial_dir(self.oracle.trial_id(otrial.number))
        os.makedirs(folder, exist_ok=True)
        model.save(os.path.join(folder, "checkpoint.lamina"))
        for key, value in (("values", hp.values), ("score", score), ("best_step", step),
                           ("history", history)):
            otrial.set_user_attr(key, value)
        self.oracle.update_space(hp)
        self.oracle.tell(otrial, status, score)
        if verbose:
            objective = self.oracle.objective
            best = self.oracle.get_best_trials(1)
            word = "Complete" if status == "COMPLETED" else "Stopped early"
            print(f"\nTrial {otrial.number + 1} {word} [{_clock(time.time() - began)}]")
            print(f"{objective.name}: {score}\n")
            if best:
                print(f"Best {objective.name} So Far: {best[0].score}")
            print(f"Total elapsed time: {_clock(time.time() - start)}")

    def _run(self, otrial: Any, hp: HyperParameters, fit_args: tuple,
             fit_kwargs: dict[str, Any]) -> tuple[str, float, int | None, dict, Any]:
        objective = self.oracle.objective
        kwargs = dict(fit_kwargs)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        scores, best, pruned = [], None, False
        for _ in range(self.executions_per_trial):
            model = self.hypermodel.build(hp)
            if getattr(model, "_compile_config", None) is None:
                raise ValueError("The hypermodel returned a model that is not compiled. Call "
                                 "model.compile(optimizer=..., loss=..., metrics=...) in "
                                 "build(hp) before returning it.")
            tracker = TrialCallback(objective, otrial, prune=self._prunes)
            copies = [_copy(c) for c in callbacks]
            out = self.hypermodel.fit(hp, model, *fit_args, callbacks=[*copies, tracker],
                                      **kwargs)
            score, step, history = _result(out, tracker, objective.name)
            pruned = pruned or tracker.pruned
            scores.append(score)
            if best is None or objective.better(score, best[0]):
                best = (score, step, history, tracker.best_weights, model)
        _, step, history, weights, model = best
        if weights is not None:
            model.set_weights(weights)
        score = sum(scores) / len(scores)
        return ("STOPPED" if pruned else "COMPLETED"), score, step, history, model

    # -- results --------------------------------------------------------------------------
    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The hyperparameters of the `num_trials` best trials, best first."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list[Any]:
        """The best trials' models, rebuilt with the weights of their best epoch."""
        from lamina.models import load_model

        models = []
        for trial in self.oracle.get_best_trials(num_models):
            path = os.path.join(self.oracle.trial_dir(trial.trial_id), "checkpoint.lamina")
            model = self.hypermodel.build(trial.hyperparameters)
            if getattr(model, "built", False):
                model.load_weights(path)
            else:
                model = load_model(path)
            models.append(model)
        return models

    def search_space_summary(self, extended: bool = False) -> None:
        """Print the hyperparameters of the search space and their ranges."""
        space = self.oracle.get_space().space
        print("Search space summary")
        print(f"Default search space size: {len(space)}")
        for spec in space:
            print(f"{spec.name} ({spec.kind})")
            print(spec.summary())

    def results_summary(self, num_trials: int = 10) -> None:
        """Print the `num_trials` best trials: hyperparameters and score."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(self.oracle.objective)
        for trial in self.oracle.get_best_trials(num_trials):
            print()
            trial.summary()

    def get_trial_dir(self, trial_id: str) -> str:
        return self.oracle.trial_dir(trial_id)


def _copy(callback: Any) -> Any:
    try:
        return copy.deepcopy(callback)
    except Exception:  # a callback holding something uncopyable is shared
        return callback


def _result(out: Any, tracker: TrialCallback, name: str) -> tuple[float, int | None, dict]:
    """The score of one execution from what `HyperModel.fit` returned."""
    if isinstance(out, (int, float)):
        return float(out), None, {}
    if isinstance(out, dict):
        if name not in out:
            raise ValueError(f"HyperModel.fit returned a dict without the objective {name!r}: "
                             f"{sorted(out)}. Return the objective's value under that key.")
        return float(out[name]), None, {}
    if tracker.best is None:
        raise ValueError(f"The trial trained no epoch, so it has no {name!r}. Pass epochs >= 1 "
                         f"to search().")
    history = getattr(out, "history", {}) or {}
    return tracker.best, tracker.best_step, {k: [float(v) for v in vs]
                                             for k, vs in history.items()}


__all__ = ["Trial", "Tuner"]
