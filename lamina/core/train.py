"""The compiled programs of `fit`, `evaluate` and `predict`, as pure functions.

The model arrives as `forward(trainable, non_trainable, x, *, training, rng) ->
(y_pred, non_trainable, penalty)`, where `rng` is None or a function `i -> key`
giving the step's `i`-th key; the loss and metrics as an `Objective`. Every
program is built once per compile and `jax.jit` caches it per shape signature.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import lax

Array = Any
PyTree = Any
Batch = tuple  # (x, y, sample_weight); sample_weight may be None


class TrainState(NamedTuple):
    """Everything that changes during training, as one pytree.

    Attributes:
        trainable: tuple of the trainable weights' arrays, in the model's order.
        non_trainable: tuple of the other weights' arrays (BatchNorm statistics).
        optimizer: the optax state (the learning rate lives in it).
        metrics: tuple of metric accumulator states, the loss tracker first.
        rng: the run's base `uint32[2]` key. Step `k` draws its `i`-th key as
            `fold_in(fold_in(rng, k), i)`, lazily: a model without randomness emits
            no random-number work at all.
        step: the number of optimizer steps taken (int32).
    """

    trainable: tuple
    non_trainable: tuple
    optimizer: PyTree
    metrics: tuple
    rng: Array
    step: Array


class Objective(NamedTuple):
    """What training minimizes and reports.

    Attributes:
        loss: `(y_true, y_pred, sample_weight) -> scalar` (weighted sum over outputs).
        init_metrics: `() -> tuple` of accumulator states, the loss tracker first.
        update_metrics: `(states, loss, batch_size, y_true, y_pred, sample_weight) ->
            states`.
    """

    loss: Callable[[PyTree, PyTree, Array], Array]
    init_metrics: Callable[[], tuple]
    update_metrics: Callable[..., tuple]


def batch_size_of(x: PyTree) -> int:
    return jax.tree.leaves(x)[0].shape[0]


def step_keys(state: TrainState) -> Callable[[int], Array]:
    """The step's keys, drawn lazily: `i -> fold_in(fold_in(state.rng, state.step), i)`.

    Example:
        >>> import jax, numpy as np
        >>> state = TrainState((), (), None, (), jax.random.PRNGKey(0), np.int32(3))
        >>> key = step_keys(state)(0)
        >>> bool((key == jax.random.fold_in(jax.random.fold_in(state.rng, 3), 0)).all())
        True
    """
    return lambda i: jax.random.fold_in(jax.random.fold_in(state.rng, state.step), i)


def make_train_step(forward: Callable, objective: Objective,
                    optimizer: optax.GradientTransformation,
                    constrain: Callable[[tuple], tuple] | None = None
                    ) -> Callable[[TrainState, Batch], TrainState]:
    """One optimizer step on one batch: forward, loss, gradients, update, metrics.

    Returns:
        `step(state, (x, y, sample_weight)) -> state` (not jitted).
    """

    def step(state: TrainState, batch: Batch) -> TrainState:
        x, y, sw = batch

        def total_loss(trainable: tuple) -> tuple:
            y_pred, non_trainable, penalty = forward(trainable, state.non_trainable, x,
                                                     training=True, rng=step_keys(state))
            loss = objective.loss(y, y_pred, sw) + penalty
            return loss, (y_pred, non_trainable)

        (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(
            total_loss, has_aux=True)(state.trainable)
        updates, opt_state = optimizer.update(grads, state.optimizer, state.trainable)
        trainable = optax.apply_updates(state.trainable, updates)
        if constrain is not None:
            trainable = constrain(trainable)
        metrics = objective.update_metrics(state.metrics, loss, batch_size_of(x), y, y_pred, sw)
        return TrainState(tuple(trainable), tuple(non_trainable), opt_state, metrics,
                          state.rng, state.step + 1)

    return step


def make_eval_step(forward: Callable, objective: Objective) -> Callable:
    """`step(params, metrics, batch) -> metrics` with `params = (trainable,
    non_trainable)`; inference mode, nothing but the metrics changes."""

    def step(params: tuple, metrics: tuple, batch: Batch) -> tuple:
        x, y, sw = batch
        y_pred, _, penalty = forward(params[0], params[1], x, training=False, rng=None)
        loss = objective.loss(y, y_pred, sw) + penalty
        return objective.update_metrics(metrics, loss, batch_size_of(x), y, y_pred, sw)

    return step


def _gather(data: PyTree, idx: Array) -> PyTree:
    return jax.tree.map(lambda a: jnp.take(a, idx, axis=0), data)


def _slice(data: PyTree, start: Array, size: int) -> PyTree:
    return jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, size, axis=0), data)


def make_train_loop(step: Callable[[TrainState, Batch], TrainState],
                    results: Callable[[tuple], Any]) -> Callable:
    """The epoch program: `run(state, data, perm, start, stop, *, steps, batch_size,
    remainder) -> (state, logs)`.

    `data` is the whole training set on the device. The rows are taken in the order
    `perm` (the epoch's permutation, the same for every call of one epoch), cut into
    `steps` full batches and a last batch of `remainder` rows, which runs as its own step so that results equal
    Keras's batch-by-batch execution. Batches `start..stop-1` run in one compiled
    loop (batch index `steps` is the remainder batch). `start` and `stop` are traced,
    so the whole epoch, a chunk of it, or a single batch all run the same compiled
    program. `logs` are the metric results after the last batch run.
    """

    def run(state: TrainState, data: PyTree, perm: Array, start: Array, stop: Array, *,
            steps: int, batch_size: int, remainder: int) -> tuple:
        order = perm[: steps * batch_size].reshape(steps, batch_size)

        def body(i: Array, st: TrainState) -> TrainState:
            return step(st, _gather(data, order[i]))

        if steps:
            state = lax.fori_loop(jnp.minimum(start, steps), jnp.minimum(stop, steps), body,
                                  state)
        if remainder:
            rest = perm[steps * batch_size: steps * batch_size + remainder]
            state = lax.cond((start <= steps) & (stop > steps),
                             lambda st: step(st, _gather(data, rest)), lambda st: st, state)
        return state, results(state.metrics)

    return jax.jit(run, static_argnames=("steps", "batch_size", "remainder"))


def make_eval_loop(step: Callable, results: Callable[[tuple], Any]) -> Callable:
    """`run(params, metrics, data, start, stop, *, steps, batch_size, remainder) ->
    (metrics, logs)` over consecutive batches `start..stop-1` of `data`; batch index
    `steps` is the last, partial batch of `remainder` rows."""

    def run(params: tuple, metrics: tuple, data: PyTree, start: Array, stop: Array, *,
            steps: int, batch_size: int, remainder: int) -> tuple:
        def body(i: Array, m: tuple) -> tuple:
            return step(params, m, _slice(data, i * batch_size, batch_size))

        if steps:
            metrics = lax.fori_loop(jnp.minimum(start, steps), jnp.minimum(stop, steps), body,
                                    metrics)
        if remainder:
            rest = jax.tree.map(lambda a: a[steps * batch_size: steps * batch_size + remainder],
                                data)
            metrics = lax.cond((start <= steps) & (stop > steps),
                               lambda m: step(params, m, rest), lambda m: m, metrics)
        return metrics, results(metrics)

    return jax.jit(run, static_argnames=("steps", "batch_size", "remainder"))


def make_predict_loop(forward: Callable) -> Callable:
    """`run(params, x, steps, batch_size) -> y_pred` stacked `(steps * batch, ...)`
    for the first `steps * batch_size` rows (both static)."""

    def run(params: tuple, x: PyTree, steps: int, batch_size: int) -> PyTree:
        def body(carry: None, i: Array) -> tuple:
            y, _, _ = forward(params[0], params[1], _slice(x, i * batch_size, batch_size),
                              training=False, rng=None)
            return carry, y

        _, ys = lax.scan(body, None, jnp.arange(steps))
        return jax.tree.map(lambda a: a.reshape((steps * batch_size,) + a.shape[2:]), ys)

    return jax.jit(run, static_argnums=(2, 3))


def make_predict_step(forward: Callable) -> Callable:
    """`run(params, x) -> y_pred` for one batch (the remainder, predict_on_batch)."""

    def run(params: tuple, x: PyTree) -> PyTree:
        return forward(params[0], params[1], x, training=False, rng=None)[0]

    return jax.jit(run)
