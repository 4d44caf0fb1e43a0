"""The compiled programs of a model, as one named structure.

`compile` fixes the loss, metrics, optimizer and weight lists; from them and the
model's pure forward function the programs below are built once (and `jax.jit`
caches each per shape signature).
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax

from lamina.core import train as core_train


class Programs(NamedTuple):
    """What `fit`, `evaluate`, `predict` and the single-batch methods run.

    Attributes:
        train: the epoch program `(state, data, order, start, stop, *, steps,
            batch_size, remainder, rows=None) -> (state, logs)`.
        train_step: one optimizer step `(state, batch) -> state` (`train_on_batch`).
        evaluate: `(params, metrics, data, order, start, stop, *, steps, batch_size,
            remainder, rows=None) -> (metrics, logs)`.
        eval_step: `(params, metrics, batch) -> metrics` (`test_on_batch`).
        predict: `(params, x, steps, batch_size) -> outputs` over consecutive batches.
        predict_step: `(params, x) -> outputs` for one batch.
        init_metrics: `() -> metric states`.
        results: `metric states -> log values`, in `names` order.
        init_optimizer: `trainable arrays -> optimizer state`.
        names: the log keys (`loss` first).
    """

    train: Callable
    train_step: Callable
    evaluate: Callable
    eval_step: Callable
    predict: Callable
    predict_step: Callable
    init_metrics: Callable
    results: Callable
    init_optimizer: Callable
    names: list[str]


class PredictPrograms(NamedTuple):
    """The programs of a model that was never compiled: prediction only."""

    predict: Callable
    predict_step: Callable


def build_programs(step: Callable, eval_step: Callable, forward: Callable,
                   compiled: Any, optimizer: Any) -> Programs:
    """Compile-ready programs from the steps, the forward function and the compile
    settings (`compiled.objective`, `.results`, `.names`)."""
    return Programs(
        train=core_train.make_train_loop(step, compiled.results),
        train_step=jax.jit(step),
        evaluate=core_train.make_eval_loop(eval_step, compiled.results),
        eval_step=jax.jit(eval_step),
        predict=core_train.make_predict_loop(forward),
        predict_step=core_train.make_predict_step(forward),
        init_metrics=jax.jit(compiled.objective.init_metrics),
        results=jax.jit(compiled.results),
        init_optimizer=jax.jit(optimizer.init),
        names=list(compiled.names))


def predict_programs(forward: Callable) -> PredictPrograms:
    """The prediction programs alone."""
    return PredictPrograms(core_train.make_predict_loop(forward),
                           core_train.make_predict_step(forward))
