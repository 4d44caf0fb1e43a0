"""Keras 3's JAX step contract inside `fit` and `evaluate`.

Keras 3 on JAX writes `train_step(self, state, data) -> (logs, state)` with
`state = (trainable_variables, non_trainable_variables, optimizer_variables,
metrics_variables)`, lists of arrays, and `test_step(self, state, data)` with the
3-tuple `(trainable, non_trainable, metrics)`; the step uses `stateless_call`,
`optimizer.stateless_apply` and `metric.stateless_update_state`. Lamina's own
contract (`train_step(state: TrainState, data) -> TrainState`, see
`_custom_step.py`) stays. Which one a step follows is read from the names its code
uses: Lamina's helpers (`apply_gradients`, `update_metrics`, `stateless_forward`,
`_replace`) or Keras 3's stateless API (`stateless_apply`, `stateless_call`,
`stateless_update_state`, ...).

A Keras 3 step runs in the same compiled epoch program as any step: the lists are
views of the `TrainState` (weights in `trainable_weights` order, the optimizer state
flattened, the variables of `model.metrics` in order), converted back after each
step, and the logs of the last step are the epoch's logs.
"""
from __future__ import annotations

import types
from typing import Any, Callable

import jax
import jax.numpy as jnp

from lamina.backend import _masking
from lamina.backend._scope import StatelessScope
from lamina.core import train as core_train
from lamina.core import metrics as core_metrics
from lamina.core.metrics import Accumulator
from lamina.core.train import TrainState
from lamina.metrics import Metric

_KERAS3 = {"stateless_apply", "stateless_call", "stateless_update_state", "stateless_result",
           "stateless_compute_loss", "unpack_x_y_sample_weight"}
_LAMINA = {"apply_gradients", "update_metrics", "stateless_forward", "_replace"}


def _names(code: types.CodeType) -> set[str]:
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _names(const)
    return found


def keras3_contract(method: Callable[..., Any]) -> bool:
    """Whether a step method follows Keras 3's contract (see the module docstring)."""
    code = getattr(getattr(method, "__func__", method), "__code__", None)
    if code is None:
        return False
    names = _names(code)
    return not (names & _LAMINA) and bool(names & _KERAS3)


class AccumulatorMetric(Metric):
    """A Metric over a given accumulator: the loss tracker of `model.metrics`."""

    def __init__(self, name: str, accumulator: Accumulator):
        super().__init__(name=name)
        self._given = accumulator

    def accumulator(self) -> Accumulator:
        return self._given


class CompileMetrics(Metric):
    """Keras 3's `compile_metrics`: the compiled metrics (and per-output losses) as one
    Metric whose result is a dict by log name."""

    def __init__(self, compiled: Any):
        super().__init__(name="compile_metrics")
        self._compiled = compiled

    def accumulator(self) -> Accumulator:
        objective, names = self._compiled.objective, self._compiled.names

        def init() -> tuple:
            return tuple(objective.init_metrics()[1:])

        def update(state: tuple, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple:
            full = (objective.init_metrics()[0],) + tuple(state)
            full = objective.update_metrics(full, jnp.zeros(()), core_train.batch_size_of(y_pred),
                                            y_true, y_pred, sample_weight,
                                            _masking.get_masks(y_pred))
            return tuple(full[1:])

        def result(state: tuple) -> dict:
            values = self._compiled.results((objective.init_metrics()[0],) + tuple(state))
            return dict(zip(names[1:], values[1:]))

        return Accumulator(init, update, result)


def default_metrics(model: Any) -> list[Metric]:
    """Keras 3's `model.metrics`: the loss tracker and the compiled metrics (once
    compiled and built), then the Metric objects among the model's attributes."""
    out: list[Metric] = []
    if model.__dict__.get("_compile_config") is not None and model.built:
        views = model.__dict__.get("_metric_views")
        if views is None:
            compiled = model._resolve_compile()
            views = [AccumulatorMetric("loss", core_metrics.mean())]
            if len(compiled.names) > 1:
                views.append(CompileMetrics(compiled))
            model.__dict__["_metric_views"] = views
        out.extend(views)
    for key, value in vars(model).items():
        if key.startswith("_"):
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        out.extend(m for m in items if isinstance(m, Metric) and m not in out)
    return out


class MetricLayout:
    """Where each of `model.metrics` keeps its variables in `TrainState.metrics`: the
    loss tracker in slot 0, the compiled metrics in slots 1..N-1, and each other
    metric in a slot of its own after those."""

    def __init__(self, model: Any, compiled: Any):
        self.metrics = list(model.metrics)
        self.num_compiled = len(compiled.names)
        self.extras = [m for m in self.metrics if not isinstance(
            m, (AccumulatorMetric, CompileMetrics))]
        self._compiled_init = compiled.objective.init_metrics

    def init(self) -> tuple:
        return tuple(self._compiled_init()) + tuple(
            tuple(m.stateless_reset_state()) for m in self.extras)

    def _slot(self, metric: Metric, states: tuple) -> Any:
        if isinstance(metric, AccumulatorMetric):
            return states[0]
        if isinstance(metric, CompileMetrics):
            return tuple(states[1:self.num_compiled])
        return states[self.num_compiled + self.extras.index(metric)]

    def flat(self, states: tuple) -> list:
        """The values of `model.metrics`' variables, in order."""
        return [leaf for m in self.metrics for leaf in jax.tree.leaves(self._slot(m, states))]

    def unflat(self, states: tuple, values: list) -> tuple:
        """`states` with the slots of `model.metrics` replaced from `values`."""
        states, values = list(states), list(values)
        for metric in self.metrics:
            slot = self._slot(metric, tuple(states))
            leaves, treedef = jax.tree.flatten(slot)
            new, values = jax.tree.unflatten(treedef, values[:len(leaves)]), \
                values[len(leaves):]
            if isinstance(metric, AccumulatorMetric):
                states[0] = new
            elif isinstance(metric, CompileMetrics):
                states[1:self.num_compiled] = list(new)
            else:
                states[self.num_compiled + self.extras.index(metric)] = tuple(new)
        return tuple(states)


def keras_data(batch: tuple) -> tuple:
    """A batch in Keras's form: `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    x, y, sample_weight = batch
    if sample_weight is not None:
        return (x, y, sample_weight)
    return (x,) if y is None else (x, y)


def _flatten_logs(logs: Any) -> dict:
    out: dict = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(_flatten_logs(value))
        else:
            out[key] = jnp.asarray(value, jnp.float32)
    return out


class Keras3Steps:
    """The adapters between `TrainState` and Keras 3's lists, for one compile."""

    def __init__(self, model: Any, compiled: Any, tkeys: list[str], ntkeys: list[str],
                 optimizer: Any):
        self.model, self.tkeys, self.ntkeys = model, tkeys, ntkeys
        self.optimizer = optimizer
        self.layout = MetricLayout(model, compiled)

    def train_step(self, state: TrainState, batch: tuple) -> tuple[TrainState, dict]:
        """Run the model's Keras 3 `train_step` on views of `state`."""
        opt_leaves, treedef = jax.tree.flatten(state.optimizer)
        self.optimizer.flat_layout(treedef, self.tkeys)
        view = ([state.trainable[k] for k in self.tkeys],
                [state.non_trainable[k] for k in self.ntkeys], opt_leaves,
                self.layout.flat(state.metrics))
        with StatelessScope(rng=core_train.step_keys(state)), _masking.mask_scope():
            out = self.model.train_step(view, keras_data(batch))
        logs, new = _check(out, 4, "train_step")
        trainable, non_trainable, opt_leaves, metric_values = new
        state = TrainState(dict(zip(self.tkeys, trainable)),
                           dict(zip(self.ntkeys, non_trainable)),
                           jax.tree.unflatten(treedef, list(opt_leaves)),
                           self.layout.unflat(state.metrics, metric_values), state.rng,
                           state.step + 1)
        return state, _flatten_logs(logs)

    def test_step(self, params: tuple, metrics: tuple, batch: tuple) -> tuple[tuple, dict]:
        """Run the model's Keras 3 `test_step` on views of the weights and metrics."""
        view = ([params[0][k] for k in self.tkeys], [params[1][k] for k in self.ntkeys],
                self.layout.flat(metrics))
        with StatelessScope(), _masking.mask_scope():
            out = self.model.test_step(view, keras_data(batch))
        logs, new = _check(out, 3, "test_step")
        return self.layout.unflat(metrics, new[2]), _flatten_logs(logs)


def _check(out: Any, size: int, what: str) -> tuple:
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], dict)
            and isinstance(out[1], (tuple, list)) and len(out[1]) == size):
        raise TypeError(f"A Keras 3 {what} must return (logs, state): a dict of logs and "
                        f"the {size}-tuple of updated variable lists, but returned "
                        f"{type(out).__name__}. End it with `return logs, state`.")
    return out


def logged_loop(step: Callable[..., tuple], carry_index: int) -> Callable:
    """An epoch program over `step(carry..., batch) -> (carry, logs)` that returns the
    final carry and the last step's logs (their structure is found by tracing the
    first batch). `carry_index` is 0 for training (`step(state, batch)`) and 1 for
    evaluation (`step(params, metrics, batch)`)."""

    def run(*args: Any, steps: int, batch_size: int, remainder: int,
            rows: Any = None) -> tuple:
        fixed, (carry, data, order, start, stop) = args[:carry_index], args[carry_index:]
        size = batch_size if steps or (rows is not None and not remainder) else remainder
        first = core_train.fetch(data, order, jnp.int32(0), size)
        shapes = jax.eval_shape(lambda c, b: step(*fixed, c, b)[1], carry, first)
        logs = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        # Custom steps never get padded rows (`_padding.pads_last_batch`): a row mask
        # the epoch may add to full batches keeps every row and is left out.
        carry, logs = core_train.run_batches(
            lambda c, b: step(*fixed, c[0], tuple(b[:3])), (carry, logs), data, order,
            start, stop, steps=steps, batch_size=batch_size, remainder=remainder,
            rows=rows)
        return carry, logs

    return jax.jit(run, static_argnames=("steps", "batch_size", "remainder"))


def keras3_programs(model: Any, programs: Any, compiled: Any, tkeys: list[str],
                    ntkeys: list[str], optimizer: Any, step: Callable, eval_step: Callable,
                    train3: bool, test3: bool) -> Any:
    """`programs` with the Keras 3 steps (or the given steps, keeping the slots of
    extra metrics aside) in place of the training and evaluation programs."""
    steps = Keras3Steps(model, compiled, tkeys, ntkeys, optimizer)
    n = steps.layout.num_compiled
    changes: dict[str, Any] = {"init_metrics": jax.jit(steps.layout.init)}
    if train3:
        changes["train"] = logged_loop(steps.train_step, 0)
        changes["train_step"] = jax.jit(lambda s, b: steps.train_step(s, b)[0])
    elif steps.layout.extras:
        def kept(state: TrainState, batch: tuple) -> TrainState:
            new = step(state._replace(metrics=tuple(state.metrics[:n])), batch)
            return new._replace(metrics=tuple(new.metrics) + tuple(state.metrics[n:]))
        changes["train"] = core_train.make_train_loop(kept, compiled.results)
        changes["train_step"] = jax.jit(kept)
    if test3:
        changes["evaluate"] = logged_loop(steps.test_step, 1)
        changes["eval_step"] = jax.jit(lambda p, m, b: steps.test_step(p, m, b)[0])
    elif steps.layout.extras:
        def kept_eval(params: tuple, metrics: tuple, batch: tuple) -> tuple:
            return tuple(eval_step(params, tuple(metrics[:n]), batch)) + tuple(metrics[n:])
        changes["evaluate"] = core_train.make_eval_loop(kept_eval, compiled.results)
        changes["eval_step"] = jax.jit(kept_eval)
    return programs._replace(**changes)
