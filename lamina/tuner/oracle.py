"""The oracle: an Optuna study kept on disk, plus the search space, as KerasTuner's.

The study lives in `<directory>/<project_name>/study.journal` (Optuna's journal file
storage) and the space in `oracle.json`, so a search started again with
`overwrite=False` resumes: finished trials count toward `max_trials`, and a trial
left running by an interrupted search is marked failed and its slot run again.
"""
from __future__ import annotations

import json
import os
from typing import Any

from lamina.tuner._optuna import optuna
from lamina.tuner._space import Spec
from lamina.tuner._trial import Trial
from lamina.tuner.hyperparameters import HyperParameters
from lamina.tuner.objective import Objective

_STATUS = {"COMPLETE": "COMPLETED", "PRUNED": "STOPPED", "FAIL": "FAILED",
           "RUNNING": "RUNNING", "WAITING": "IDLE"}


def _journal_storage(path: str) -> Any:
    storages = optuna().storages
    journal = getattr(storages, "journal", storages)
    backend = getattr(journal, "JournalFileBackend", None) or storages.JournalFileStorage
    return storages.JournalStorage(backend(path))


class Oracle:
    """The trials of one search project and the algorithm that proposes the next.

    Attributes:
        objective: the `Objective`.
        max_trials: how many trials the search runs in all.
        study: the Optuna study underneath.
    """

    def __init__(self, objective: Objective, max_trials: int, sampler: Any, pruner: Any,
                 project_dir: str, tuner_name: str):
        self.objective = objective
        self.max_trials = max_trials
        self.project_dir = project_dir
        self._space: dict[str, Spec] = {}
        os.makedirs(project_dir, exist_ok=True)
        self._load_state(tuner_name)
        direction = "minimize" if objective.direction == "min" else "maximize"
        self._storage = _journal_storage(os.path.join(project_dir, "study.journal"))
        self.study = optuna().create_study(
            study_name="lamina-tuner", storage=self._storage,
            sampler=sampler, pruner=pruner, direction=direction, load_if_exists=True)
        self._save_state(tuner_name)

    # -- the project files --------------------------------------------------------------
    @property
    def _state_path(self) -> str:
        return os.path.join(self.project_dir, "oracle.json")

    def _load_state(self, tuner_name: str) -> None:
        if not os.path.exists(self._state_path):
            return
        with open(self._state_path) as f:
            state = json.load(f)
        saved = Objective(**state["objective"])
        if saved != self.objective:
            raise ValueError(
                f"The project {self.project_dir!r} was searched with {saved}, not "
                f"{self.objective}. Pass overwrite=True to start it anew, or use another "
                f"project_name.")
        self._space = {s["name"]: Spec.from_json(s) for s in state["space"]}

    def _save_state(self, tuner_name: str) -> None:
        state = {"tuner": tuner_name, "objective": self.objective.get_config(),
                 "max_trials": self.max_trials,
                 "space": [s.to_json() for s in self._space.values()]}
        tmp = self._state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f, indent=1)
        os.replace(tmp, self._state_path)
        self._tuner_name = tuner_name

    def update_space(self, hp: HyperParameters) -> None:
        """Add the hyperparameters that `hp` defined to the space (kept on disk)."""
        new = [s for s in hp.space if s.name not in self._space]
        for spec in new:
            self._space[spec.name] = spec
        if new:
            self._save_state(self._tuner_name)

    def get_space(self) -> HyperParameters:
        """The search space seen so far, with default values."""
        hp = HyperParameters()
        hp._specs = dict(self._space)
        hp.values = {name: spec.default for name, spec in self._space.items()
                     if not spec.conditions}
        return hp

    @property
    def hyperparameters(self) -> HyperParameters:
        return self.get_space()

    def trial_dir(self, trial_id: str) -> str:
        return os.path.join(self.project_dir, f"trial_{trial_id}")

    # -- trials -------------------------------------------------------------------------
    def trial_id(self, number: int) -> str:
        return str(number).zfill(max(2, len(str(max(self.max_trials - 1, 0)))))

    def _to_trial(self, frozen: Any) -> Trial:
        attrs = frozen.user_attrs
        values = attrs.get("values", dict(frozen.params))
        hp = HyperParameters._fixed(values, list(self._space.values()))
        return Trial(self.trial_id(frozen.number), hp, attrs.get("score"),
                     attrs.get("best_step"), _STATUS.get(frozen.state.name, frozen.state.name),
                     attrs.get("history", {}), number=frozen.number)

    @property
    def trials(self) -> dict[str, Trial]:
        """Every trial of the project, by id."""
        out = {}
        for frozen in self.study.get_trials(deepcopy=False):
            trial = self._to_trial(frozen)
            out[trial.trial_id] = trial
        return out

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The `num_trials` best trials that have a score, best first."""
        scored = [t for t in self.trials.values() if t.score is not None
                  and t.status in ("COMPLETED", "STOPPED")]
        scored.sort(key=lambda t: t.score, reverse=self.objective.direction == "max")
        return scored[:num_trials]

    def finished(self) -> int:
        """How many trials have ended (completed, stopped early, or failed)."""
        done = ("COMPLETE", "PRUNED", "FAIL")
        return sum(t.state.name in done for t in self.study.get_trials(deepcopy=False))

    def fail_stale_trials(self) -> None:
        """Mark the trials an interrupted search left running as failed."""
        state = optuna().trial.TrialState
        for frozen in self.study.get_trials(deepcopy=False, states=(state.RUNNING,)):
            self._storage.set_trial_state_values(frozen._trial_id, state=state.FAIL)

    def enqueue(self, points: list[dict[str, Any]]) -> None:
        """Queue trials with given values (a grid) when the study has none yet."""
        if not self.study.get_trials(deepcopy=False):
            for params in points:
                self.study.enqueue_trial(params, skip_if_exists=True)

    def ask(self) -> Any:
        return self.study.ask()

    def tell(self, optuna_trial: Any, status: str, score: float | None = None) -> None:
        """Record how a trial ended: 'COMPLETED', 'STOPPED' (pruned) or 'FAILED'."""
        state = optuna().trial.TrialState
        if status == "COMPLETED":
            self.study.tell(optuna_trial, score)
        else:
            self.study.tell(optuna_trial, state=state.PRUNED if status == "STOPPED"
                            else state.FAIL)
