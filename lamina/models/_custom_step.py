"""Custom training steps: `train_step` / `test_step` as pure functions of the state.

A subclass of `Model` may override `train_step(state, data) -> state` (and
`test_step`). The engine traces the override into the same whole-epoch XLA program
as the built-in step, so it must be pure: read arrays from `state`, return a new
`TrainState` (no Variable reads or writes, no Python side effects). The helpers below
are pure too: `stateless_forward`, `compute_loss`, `apply_gradients`, `update_metrics`.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import optax

from lamina.backend import _masking
from lamina.core import train as core_train
from lamina.core.train import TrainState
from lamina.models._stateless_steps import default_metrics, keras3_contract

Batch = tuple  # (x, y, sample_weight); y and sample_weight may be None


class StepContext(NamedTuple):
    """What a compiled step needs from `compile`: the model as a pure function, the
    loss and metrics, the optax optimizer and the weight constraints."""

    forward: Callable
    objective: core_train.Objective
    optimizer: Any
    constrain: Callable | None


class CustomSteps:
    """The step methods of `Model` (a mixin; see `Model.train_step`)."""

    def train_step(self, state: TrainState, data: Batch) -> TrainState:
        """One optimizer step on one batch; override it for custom training.

        The contract is pure: `state` in, a new `TrainState` out. `data` is
        `(x, y, sample_weight)` with `y` and `sample_weight` possibly None. For
        randomness pass `rng=lamina.core.train.step_keys(state)` to
        `stateless_forward` (keys derived from `state.rng` and `state.step`, as the
        built-in step does); the logs come from the metric accumulators in
        `state.metrics` (update them with `update_metrics`).
        The override is traced into the compiled epoch program, so use `jax.numpy`
        and the pure helpers, not Variables or Python side effects.

        Args:
            state: the `TrainState(trainable, non_trainable, optimizer, metrics, rng,
                step)`.
            data: the batch `(x, y, sample_weight)`.

        Returns:
            The new `TrainState`.

        Example:
            >>> import jax, numpy as np, lamina as keras
            >>> from lamina.core.train import step_keys
            >>> class HalfLoss(keras.Model):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.dense = keras.layers.Dense(1)
            ...     def call(self, x):
            ...         return self.dense(x)
            ...     def train_step(self, state, data):
            ...         x, y, sample_weight = data
            ...         def loss_fn(trainable):
            ...             y_pred, non_trainable, penalty = self.stateless_forward(
            ...                 trainable, state.non_trainable, x, training=True,
            ...                 rng=step_keys(state))
            ...             loss = 0.5 * self.compute_loss(x, y, y_pred, sample_weight)
            ...             return loss + penalty, (y_pred, non_trainable)
            ...         (loss, (y_pred, nt)), grads = jax.value_and_grad(
            ...             loss_fn, has_aux=True)(state.trainable)
            ...         state = self.apply_gradients(state._replace(non_trainable=nt), grads)
            ...         return self.update_metrics(state, loss, y, y_pred, sample_weight)
            >>> model = HalfLoss()
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> history = model.fit(np.ones((8, 2)), np.ones(8), epochs=2, verbose=0)
            >>> sorted(history.history), len(history.history["loss"])
            (['loss'], 2)
        """
        x, y, sample_weight = data
        keys = core_train.step_keys(state)

        def loss_fn(trainable: dict) -> tuple:
            y_pred, non_trainable, penalty = self.stateless_forward(
                trainable, state.non_trainable, x, training=True, rng=keys)
            loss = self.compute_loss(x, y, y_pred, sample_weight) + penalty
            return loss, (y_pred, non_trainable)

        (loss, (y_pred, non_trainable)), grads = jax.value_and_grad(
            loss_fn, has_aux=True)(state.trainable)
        state = self.apply_gradients(state._replace(non_trainable=non_trainable), grads)
        return self.update_metrics(state, loss, y, y_pred, sample_weight)

    def test_step(self, state: TrainState, data: Batch) -> TrainState:
        """Update the metrics on one batch without training; override it for custom
        evaluation. Same pure contract as `train_step`; `state.optimizer`,
        `state.rng` and `state.step` are None here, and only `state.metrics` is kept.

        Args:
            state: the `TrainState` with the weights and the metric accumulators.
            data: the batch `(x, y, sample_weight)`.

        Returns:
            The `TrainState` with updated `metrics`.
        """
        x, y, sample_weight = data
        y_pred, _, penalty = self.stateless_forward(state.trainable, state.non_trainable, x,
                                                    training=False, rng=None)
        loss = self.compute_loss(x, y, y_pred, sample_weight) + penalty
        return self.update_metrics(state, loss, y, y_pred, sample_weight)

    # -- pure helpers for custom steps ----------------------------------------------
    def _context(self, what: str) -> StepContext:
        context = getattr(self, "_step_context", None)
        if context is None:
            raise RuntimeError(f"{what}() runs inside a compiled training step and needs "
                               "compile() first, e.g. model.compile(optimizer='adam', "
                               "loss='mse'). For a loop of your own use model.stateless_call"
                               " and optimizer.stateless_apply.")
        return context

    def stateless_forward(self, trainable: dict, non_trainable: dict, x: Any, *,
                          training: bool, rng: Any = None) -> tuple:
        """The model as a pure function of the state's weight arrays (by path).

        Returns:
            `(y_pred, non_trainable, penalty)`: the outputs, the updated non-trainable
            arrays (BatchNormalization statistics) and the sum of regularization and
            `add_loss` losses of the call. The outputs' mask, if the model makes one,
            stays attached to `y_pred`: `compute_loss` and `update_metrics` find it.
        """
        y_pred, nt, penalty, mask = self._context("stateless_forward").forward(
            trainable, non_trainable, x, training=training, rng=rng)
        _masking.set_masks(y_pred, mask)
        return y_pred, nt, penalty

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None) -> jax.Array:
        """The compiled loss (weighted over outputs) of `y_pred` against `y`, masked
        positions left out; `x` is accepted for Keras's signature. Regularization is
        not included: it is the `penalty` that `stateless_forward` returns."""
        return self._context("compute_loss").objective.loss(y, y_pred, sample_weight,
                                                            _masking.get_masks(y_pred))

    def apply_gradients(self, state: TrainState, grads: dict) -> TrainState:
        """One update of the compiled optimizer (and weight constraints): returns the
        state with new `trainable`, `optimizer` and `step`."""
        context = self._context("apply_gradients")
        updates, opt_state = context.optimizer.update(grads, state.optimizer,
                                                      state.trainable)
        trainable = optax.apply_updates(state.trainable, updates)
        if context.constrain is not None:
            trainable = context.constrain(trainable)
        return state._replace(trainable=trainable, optimizer=opt_state, step=state.step + 1)

    def update_metrics(self, state: TrainState, loss: Any, y: Any, y_pred: Any,
                       sample_weight: Any = None) -> TrainState:
        """Add one batch to the loss tracker and the compiled metrics in
        `state.metrics`; the logs of `fit` and `evaluate` are their results."""
        metrics = self._context("update_metrics").objective.update_metrics(
            state.metrics, loss, core_train.batch_size_of(y_pred), y, y_pred, sample_weight,
            _masking.get_masks(y_pred))
        return state._replace(metrics=metrics)

    # -- Keras 3's JAX contract (see _stateless_steps.py) -------------------------------
    @property
    def metrics(self) -> list:
        """The Metric objects of the model, as Keras 3's `model.metrics`: the loss
        tracker (`"loss"`) and `"compile_metrics"` once compiled and built, then the
        Metric objects among the model's attributes. A Keras 3 `train_step` updates
        them with `stateless_update_state` on its slice of `metrics_variables`."""
        return default_metrics(self)

    def _keras3_steps(self) -> tuple[bool, bool]:
        """Whether `train_step` and `test_step` are overridden with Keras 3's contract."""
        cls = type(self)
        return (cls.train_step is not CustomSteps.train_step and keras3_contract(cls.train_step),
                cls.test_step is not CustomSteps.test_step and keras3_contract(cls.test_step))

    def stateless_compute_loss(self, trainable_variables: Any, non_trainable_variables: Any,
                               metrics_variables: Any, x: Any = None, y: Any = None,
                               y_pred: Any = None, sample_weight: Any = None,
                               training: bool = True) -> tuple:
        """Keras 3's `stateless_compute_loss`: the compiled loss of `y_pred` against
        `y` plus the weights' regularization penalties (read from
        `trainable_variables`), and the state unchanged.

        Returns:
            `(loss, (trainable_variables, non_trainable_variables, metrics_variables))`.
        """
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        for v, value in zip(self.trainable_weights, trainable_variables):
            if v.regularizer is not None:
                loss = loss + v.regularizer(value)
        return loss, (trainable_variables, non_trainable_variables, metrics_variables)

    # -- what the engine compiles ---------------------------------------------------
    def _train_step_fn(self, forward: Callable, objective: core_train.Objective,
                       optimizer: Any, constrain: Callable | None) -> Callable:
        self._step_context = StepContext(forward, objective, optimizer, constrain)
        if type(self).train_step is CustomSteps.train_step:
            return core_train.make_train_step(forward, objective, optimizer, constrain)

        def step(state: TrainState, batch: Batch) -> TrainState:
            with _masking.mask_scope():
                new = self.train_step(state, batch)
            if not isinstance(new, TrainState):
                raise TypeError(f"{type(self).__name__}.train_step must return the new "
                                f"TrainState, but returned {type(new).__name__}. Return "
                                "state._replace(...) or the result of update_metrics().")
            return new._replace(trainable=dict(new.trainable),
                                non_trainable=dict(new.non_trainable))

        return step

    def _eval_step_fn(self, forward: Callable, objective: core_train.Objective) -> Callable:
        if type(self).test_step is CustomSteps.test_step:
            return core_train.make_eval_step(forward, objective)

        def step(params: tuple, metrics: tuple, batch: Batch) -> tuple:
            state = TrainState(params[0], params[1], None, metrics, None, None)
            with _masking.mask_scope():
                new = self.test_step(state, batch)
            if not isinstance(new, TrainState):
                raise TypeError(f"{type(self).__name__}.test_step must return the "
                                f"TrainState with updated metrics, but returned "
                                f"{type(new).__name__}. Return update_metrics(...).")
            return new.metrics

        return step
