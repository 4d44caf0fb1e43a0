"""The trials of a search trained together (`vectorize=True`): one `train_many` group.

A search over continuous hyperparameters (a learning rate, a weight decay, L1/L2
factors, dropout rates) builds models that differ only in numbers the compiled step
reads, so the trials of a group can train as one vectorized program, as
`lamina.models.train_many` trains K models: the group's trials cost about what one
costs where per-step dispatch dominates. Each trial is still its own model, sampled,
scored and saved as in an ordinary search (the score and the saved weights are its
best epoch's); what differs is that `search`'s callbacks do not run (the group's
epochs are one program).
"""
from __future__ import annotations

from typing import Any

from lamina.models.model_group import train_group
from lamina.tuner.hypermodel import HyperModel

# search()'s arguments that train_many takes; anything else needs an ordinary search
_TAKES = ("x", "y", "batch_size", "epochs", "verbose", "validation_split",
          "validation_data", "shuffle", "sample_weight")


def group_arguments(hypermodel: Any, fit_args: tuple, fit_kwargs: dict) -> dict:
    """`search()`'s arguments as `train_many`'s keyword arguments, or a clear error."""
    if type(hypermodel).fit is not HyperModel.fit:
        raise ValueError(f"vectorize=True trains the trials with train_many, but the "
                         f"HyperModel {type(hypermodel).__name__} overrides fit(). Use an "
                         f"ordinary search (vectorize=False) for a custom fit().")
    if len(fit_args) > 2:
        raise TypeError(f"search() with vectorize=True takes x and y by position and the "
                        f"rest by keyword, but received {len(fit_args)} positional "
                        f"arguments.")
    kwargs = dict(zip(("x", "y"), fit_args))
    for key, value in fit_kwargs.items():
        if key in kwargs:
            raise TypeError(f"search() got x or y both by position and as {key}=.")
        kwargs[key] = value
    if kwargs.pop("callbacks", None):
        raise ValueError("search() with vectorize=True trains a group of trials as one "
                         "program, so callbacks (EarlyStopping, TensorBoard, ...) do not "
                         "run. Drop callbacks=..., or search with vectorize=False.")
    unknown = sorted(set(kwargs) - set(_TAKES))
    if unknown:
        raise TypeError(f"search() with vectorize=True does not take {unknown}; it takes "
                        f"{list(_TAKES)} (and callbacks with vectorize=False).")
    return kwargs


def run_group(tuner: Any, trials: list, kwargs: dict) -> list:
    """Train the `(optuna_trial, hp)` pairs of `trials` together; for each trial
    `(status, score, best_step, history, model)` as an ordinary trial gives them."""
    executions = tuner.executions_per_trial
    settings = [{"hp": hp} for _, hp in trials for _ in range(executions)]
    build = tuner.hypermodel.build
    try:
        group = train_group(lambda hp: build(hp), hyperparameters=settings,
                            best=tuner.oracle.objective, **kwargs)
    except ValueError as err:
        if "differs from model 0" not in str(err):
            raise
        raise ValueError(_shape_message(trials, err)) from err
    objective = tuner.oracle.objective
    out = []
    for i in range(len(trials)):
        runs = range(i * executions, (i + 1) * executions)
        scores, best = [], None
        for r in runs:
            history = group.histories[r].history   # holds the objective: keep_best checked
            values = [float(v) for v in history[objective.name]]
            step = 0
            for e, v in enumerate(values):
                if objective.better(v, values[step]):
                    step = e
            scores.append(values[step])
            if best is None or objective.better(values[step], best[0]):
                best = (values[step], step, history, group.models[r])
        _, step, history, model = best
        out.append(("COMPLETED", sum(scores) / len(scores), step,
                    {k: [float(v) for v in vs] for k, vs in history.items()}, model))
    return out


def _shape_message(trials: list, err: Exception) -> str:
    first = trials[0][1].values
    varying = sorted({name for _, hp in trials for name, value in hp.values.items()
                      if first.get(name) != value})
    return (f"vectorize=True trains a group of trials as one program, so their models "
            f"must have the same shapes and structure, but they do not ({err}). The "
            f"trials differ in {varying}: hyperparameters that change shapes or "
            f"structure (units, layers, activations) must go to an ordinary search "
            f"(vectorize=False); vectorize only continuous ones (learning rate, weight "
            f"decay, L1/L2 factors, dropout rates).")

