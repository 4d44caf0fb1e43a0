"""The compiled programs of `fit`, `evaluate` and `predict`, as pure functions.

The model arrives as `forward(trainable, non_trainable, x, *, training, rng) ->
(y_pred, non_trainable, penalty, mask)`, where `rng` is None or a function
`i -> key` giving the step's `i`-th key and `mask` is the outputs' mask (or None);
the loss and metrics as an `Objective`. Every program is built once per compile
and `jax.jit` caches it per shape signature.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import lax

from lamina.core.batching import Stacked

Array = Any
PyTree = Any
Batch = tuple  # (x, y, sample_weight); sample_weight may be None


class TrainState(NamedTuple):
    """Everything that changes during training, as one pytree.

    Attributes:
        trainable: the trainable weights' arrays by Variable path (`dense/kernel`).
        non_trainable: the other weights' arrays by path (BatchNorm statistics).
        optimizer: the optax state (the learning rate lives in it).
        metrics: tuple of metric accumulator states, the loss tracker first.
        rng: the run's base `uint32[2]` key. Step `k` draws its `i`-th key as
            `fold_in(fold_in(rng, k), i)`, lazily: a model without randomness emits
            no random-number work at all.
        step: the number of optimizer steps taken (int32).
    """

    trainable: dict
    non_trainable: dict
    optimizer: PyTree
    metrics: tuple
    rng: Array
    step: Array


class Objective(NamedTuple):
    """What training minimizes and reports.

    Attributes:
        loss: `(y_true, y_pred, sample_weight, mask) -> scalar` (weighted sum over
            outputs; masked positions count for nothing).
        init_metrics: `() -> tuple` of accumulator states, the loss tracker first.
        update_metrics: `(states, loss, batch_size, y_true, y_pred, sample_weight,
            mask) -> states`.
    """

    loss: Callable[[PyTree, PyTree, Array], Array]
    init_metrics: Callable[[], tuple]
    update_metrics: Callable[..., tuple]


def batch_size_of(x: PyTree) -> int:
    return jax.tree.leaves(x)[0].shape[0]


def count_rows(x: PyTree, rows: Array | None) -> Any:
    """The rows a batch counts for: all of them, or those its row mask keeps."""
    return batch_size_of(x) if rows is None else jnp.sum(rows)


def with_rows(mask: PyTree, rows: Array | None, y_pred: PyTree) -> PyTree:
    """The outputs' mask with a row mask folded in (padding rows masked out).

    Example:
        >>> import jax.numpy as jnp
        >>> rows = jnp.array([True, True, False])
        >>> with_rows(None, rows, jnp.zeros((3, 1))).tolist()
        [True, True, False]
        >>> with_rows(jnp.ones((3, 2), bool), rows, jnp.zeros((3, 2, 1))).tolist()
        [[True, True], [True, True], [False, False]]
    """
    if rows is None:
        return mask
    if mask is None:
        return jax.tree.map(lambda _: rows, y_pred)

    def fold(m: Any, _: Any) -> Any:
        if m is None:
            return rows
        return m & rows.reshape(rows.shape + (1,) * (m.ndim - 1))

    return jax.tree.map(fold, mask, y_pred, is_leaf=lambda m: m is None)


def step_keys(state: TrainState) -> Callable[[int], Array]:
    """The step's keys, drawn lazily: `i -> fold_in(fold_in(state.rng, state.step), i)`.

    Example:
        >>> import jax, numpy as np
        >>> state = TrainState({}, {}, None, (), jax.random.PRNGKey(0), np.int32(3))
        >>> key = step_keys(state)(0)
        >>> bool((key == jax.random.fold_in(jax.random.fold_in(state.rng, 3), 0)).all())
        True
    """
    return lambda i: jax.random.fold_in(jax.random.fold_in(state.rng, state.step), i)


def make_train_step(forward: Callable, objective: Objective,
                    optimizer: optax.GradientTransformation,
                    constrain: Callable[[dict], dict] | None = None
                    ) -> Callable[[TrainState, Batch], TrainState]:
    """One optimizer step on one batch: forward, loss, gradients, update, metrics.

    An optimizer with a `scale_of(opt_state)` (dynamic loss scaling, see
    `lamina.core.loss_scale`) has the loss multiplied by that scale before it is
    differentiated; its update divides the gradients by it again.

    Returns:
        `step(state, (x, y, sample_weight)) -> state` (not jitted). The batch may carry
        a fourth item, a boolean row mask: rows where it is False are padding, left
        out of the loss, its gradient and the metrics (see `run_batches`).
    """

    scale_of = getattr(optimizer, "scale_of", None)

    def step(state: TrainState, batch: Batch) -> TrainState:
        x, y, sw = batch[:3]
        rows = batch[3] if len(batch) > 3 else None

        # A loss-scaling optimizer (float16) differentiates the scaled loss.
        scale = scale_of(state.optimizer) if scale_of is not None else None

        def total_loss(trainable: dict) -> tuple:
            y_pred, non_trainable, penalty, mask = forward(
                trainable, state.non_trainable, x, training=True, rng=step_keys(state))
            mask = with_rows(mask, rows, y_pred)
            loss = objective.loss(y, y_pred, sw, mask) + penalty
            return (loss if scale is None else loss * scale), (loss, y_pred, non_trainable,
                                                              mask)

        (_, (loss, y_pred, non_trainable, mask)), grads = jax.value_and_grad(
            total_loss, has_aux=True)(state.trainable)
        updates, opt_state = optimizer.update(grads, state.optimizer, state.trainable)
        trainable = optax.apply_updates(state.trainable, updates)
        if constrain is not None:
            trainable = constrain(trainable)
        metrics = objective.update_metrics(state.metrics, loss, count_rows(x, rows), y,
                                           y_pred, sw, mask)
        return TrainState(trainable, non_trainable, opt_state, metrics, state.rng,
                          state.step + 1)

    return step


def make_eval_step(forward: Callable, objective: Objective) -> Callable:
    """`step(params, metrics, batch) -> metrics` with `params = (trainable,
    non_trainable)`; inference mode, nothing but the metrics changes. The batch may
    carry a row mask, as in `make_train_step`."""

    def step(params: tuple, metrics: tuple, batch: Batch) -> tuple:
        x, y, sw = batch[:3]
        rows = batch[3] if len(batch) > 3 else None
        y_pred, _, penalty, mask = forward(params[0], params[1], x, training=False, rng=None)
        mask = with_rows(mask, rows, y_pred)
        loss = objective.loss(y, y_pred, sw, mask) + penalty
        return objective.update_metrics(metrics, loss, count_rows(x, rows), y, y_pred, sw,
                                        mask)

    return step


def _fetch(data: PyTree, order: Array | None, first: Array, size: int) -> PyTree:
    """Rows `first..first+size-1` of the epoch: of `data` itself when `order` is None,
    else the rows `order` lists there; for `Stacked` data (cut into batches already),
    batch `first // size`."""
    if isinstance(data, Stacked):
        return jax.tree.map(
            lambda a: lax.dynamic_index_in_dim(a, first // size, 0, keepdims=False),
            data.batches)
    if order is None:
        return jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, first, size, axis=0), data)
    idx = lax.dynamic_slice_in_dim(order, first, size)
    return jax.tree.map(lambda a: jnp.take(a, idx, axis=0), data)


fetch = _fetch  # the rows of one batch, for epoch programs built outside the core


def run_batches(step: Callable[[Any, Batch], Any], carry: Any, data: PyTree,
                order: Array | None, start: Array, stop: Array, *, steps: int,
                batch_size: int, remainder: int, rows: Array | None = None) -> Any:
    """Batches `start..stop-1` of an epoch of `steps` full batches and one last batch of
    `remainder` rows (batch index `steps`), each through `step(carry, batch)`.

    The full batches run in a `fori_loop`; the last, partial batch runs as its own step
    inside the same program, so results equal Keras's batch-by-batch execution.
    `start` and `stop` may be traced: the whole epoch, a chunk, or one batch run the
    same compiled program.

    With `rows` (traced; `steps` is then 0) the epoch is the first `rows` rows of
    `data`, which may hold padding rows after them, and the number of batches is
    traced too, so the program depends on the padded data's shape, `batch_size` and
    `remainder` only, not on `rows`:

    - `remainder` in `1..batch_size` is the exact size of the last batch (Keras's
      semantics, exact for every model): one program per distinct last size.
    - `remainder` 0 runs `ceil(rows / batch_size)` batches of `batch_size`, the last
      filled up with padding that a row mask (the batch's fourth item) leaves out of
      the loss, its gradient and the metrics: one program for every length. The
      results equal the exact ones (up to float rounding) for models whose rows do
      not interact (no batch statistics).
    """
    if rows is not None:
        if remainder:
            steps = (rows - remainder) // batch_size  # traced from here on
        else:
            total = (rows + batch_size - 1) // batch_size

            def padded(i: Array, c: Any) -> Any:
                keep = i * batch_size + jnp.arange(batch_size) < rows
                return step(c, (*_fetch(data, order, i * batch_size, batch_size), keep))

            return lax.fori_loop(jnp.minimum(start, total), jnp.minimum(stop, total),
                                 padded, carry)

    def body(i: Array, c: Any) -> Any:
        return step(c, _fetch(data, order, i * batch_size, batch_size))

    if rows is not None or steps:
        carry = lax.fori_loop(jnp.minimum(start, steps), jnp.minimum(stop, steps), body,
                              carry)
    if remainder:
        last = _fetch(data, order, jnp.asarray(steps * batch_size, jnp.int32), remainder)
        carry = lax.cond((start <= steps) & (stop > steps), lambda c: step(c, last),
                         lambda c: c, carry)
    return carry


_STATIC = ("steps", "batch_size", "remainder")


def make_train_loop(step: Callable[[TrainState, Batch], TrainState],
                    results: Callable[[tuple], Any]) -> Callable:
    """The epoch program: `run(state, data, order, start, stop, *, steps, batch_size,
    remainder, rows=None) -> (state, logs)`.

    `data` is the training set on the device (or a chunk of a stream's batches);
    `order` is the epoch's row order (drawn on the host, the same for every call of
    one epoch), or None to take the rows as they are. See `run_batches` for the
    batches run; `logs` are the metric results after the last batch run.
    """

    def run(state: TrainState, data: PyTree, order: Array | None, start: Array,
            stop: Array, *, steps: int, batch_size: int, remainder: int,
            rows: Array | None = None) -> tuple:
        state = run_batches(step, state, data, order, start, stop, steps=steps,
                            batch_size=batch_size, remainder=remainder, rows=rows)
        return state, results(state.metrics)

    return jax.jit(run, static_argnames=_STATIC)


def make_train_batch(step: Callable[[TrainState, Batch], TrainState],
                     results: Callable[[tuple], Any]) -> Callable:
    """One batch of an epoch as a program without a loop: `run(state, data, order,
    first, *, size) -> (state, logs)` trains on rows `first..first+size-1` of the epoch
    (`size` static: the batch size, or the last batch's).

    The engine runs an epoch this way, one call per batch, for models whose step is
    slower inside a compiled loop than on its own (see `lamina/models/_dispatch.py`).
    """

    def run(state: TrainState, data: PyTree, order: Array | None, first: Array, *,
            size: int) -> tuple:
        state = step(state, _fetch(data, order, first, size))
        return state, results(state.metrics)

    return jax.jit(run, static_argnames=("size",))


def make_eval_loop(step: Callable, results: Callable[[tuple], Any]) -> Callable:
    """`run(params, metrics, data, order, start, stop, *, steps, batch_size, remainder,
    rows=None) -> (metrics, logs)`, the evaluation counterpart of `make_train_loop`."""

    def run(params: tuple, metrics: tuple, data: PyTree, order: Array | None,
            start: Array, stop: Array, *, steps: int, batch_size: int,
            remainder: int, rows: Array | None = None) -> tuple:
        metrics = run_batches(lambda m, batch: step(params, m, batch), metrics, data, order,
                              start, stop, steps=steps, batch_size=batch_size,
                              remainder=remainder, rows=rows)
        return metrics, results(metrics)

    return jax.jit(run, static_argnames=_STATIC)


def make_predict_loop(forward: Callable) -> Callable:
    """`run(params, x, steps, batch_size) -> y_pred` stacked `(steps * batch, ...)`
    for the first `steps * batch_size` rows (both static)."""

    def run(params: tuple, x: PyTree, steps: int, batch_size: int) -> PyTree:
        def body(carry: None, i: Array) -> tuple:
            y = forward(params[0], params[1], _fetch(x, None, i * batch_size, batch_size),
                        training=False, rng=None)[0]
            return carry, y

        _, ys = lax.scan(body, None, jnp.arange(steps))
        return jax.tree.map(lambda a: a.reshape((steps * batch_size,) + a.shape[2:]), ys)

    return jax.jit(run, static_argnums=(2, 3))


def make_predict_step(forward: Callable) -> Callable:
    """`run(params, x) -> y_pred` for one batch (predict_on_batch, stream batches)."""

    def run(params: tuple, x: PyTree) -> PyTree:
        return forward(params[0], params[1], x, training=False, rng=None)[0]

    return jax.jit(run)
