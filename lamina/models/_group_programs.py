"""The programs of K models trained as one: each model's step, vmapped.

The step is the one `fit` compiles for the first model of the group (its
`programs.train_step` before `jax.jit`); `jax.vmap` runs it over the K models'
stacked `TrainState`s inside the core's epoch loop (`core.train.run_batches`), so
the group trains batch for batch exactly as each model would alone. Per model there
are three more inputs: the rows of each batch (each model keeps its own shuffled
order), a weight per row (per-model sample weights, or which rows are the model's own
in K-fold splits), and the float layer settings that differ between the models (Dropout
rates, L1/L2 factors), which the first model's layers read as traced values while the
step is traced.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import jax
import jax.numpy as jnp
from jax import lax

from lamina.core import train as core_train
from lamina.layers._random_layer import RandomLayer
from lamina.models._group_check import SEARCH_HINT, LayerField

_STATIC = ("steps", "batch_size", "remainder")


def _regularizer_fn(kind: str, factors: dict) -> Callable:
    """An L1/L2/L1L2 penalty whose factors may be traced values."""
    l1, l2 = factors.get("l1", 0.0), factors.get("l2", 0.0)

    def penalty(x: Any) -> Any:
        x = jnp.asarray(x, jnp.float32) if not jnp.issubdtype(jnp.asarray(x).dtype,
                                                               jnp.floating) else x
        out = jnp.zeros((), x.dtype)
        if kind in ("L1", "L1L2"):
            out = out + l1 * jnp.sum(jnp.abs(x))
        if kind in ("L2", "L1L2"):
            out = out + l2 * jnp.sum(jnp.square(x))
        return out

    return penalty


@contextlib.contextmanager
def layer_settings(model: Any, fields: list[LayerField], values: Any) -> Iterator[None]:
    """While tracing, `model`'s layers read the `fields` from `values` (one traced
    scalar per field) instead of their own floats; restored afterwards."""
    if not fields:
        yield
        return
    layers = model.layers
    undo: list[Callable[[], None]] = []
    regs: dict[tuple, dict] = {}
    try:
        for f, value in zip(fields, values):
            layer = layers[f.layer]
            if f.factor is not None:
                regs.setdefault((f.layer, f.attribute), {})[f.factor] = value
                continue
            old = getattr(layer, f.attribute)
            setattr(layer, f.attribute, value)
            undo.append(lambda l=layer, a=f.attribute, o=old: setattr(l, a, o))
            if isinstance(layer, RandomLayer):  # a rate of 0 is still a draw here
                layer.inactive = lambda: False
                undo.append(lambda l=layer: l.__dict__.pop("inactive", None))
        for (i, attribute), traced in regs.items():
            reg = getattr(layers[i], attribute)
            factors = {k: getattr(reg, k) for k in ("l1", "l2") if hasattr(reg, k)}
            factors.update(traced)
            fn = _regularizer_fn(type(reg).__name__, factors)
            for v in layers[i].weights:
                if v.regularizer is reg:
                    v.regularizer = fn
                    undo.append(lambda v=v, r=reg: setattr(v, "regularizer", r))
        yield
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerBoolConversionError) as e:
        names = [f"{type(layers[f.layer]).__name__} '{layers[f.layer].name}' `{f.label}`"
                 for f in fields]
        raise ValueError(f"The models differ in {', '.join(names)}, which the layer uses "
                         f"in Python control flow, so it cannot vary inside one program. "
                         + SEARCH_HINT) from e
    finally:
        for fn in reversed(undo):
            fn()


def _rows(data: Any, idx: Any) -> Any:
    return jax.tree.map(lambda a: jnp.take(a, idx, axis=0), data)


def _model_batch(data: tuple, weights: Any, idx: Any, keep: tuple = (),
                 mask_rows: bool = False) -> tuple:
    """One model's batch: rows `idx` of `(x, y, sample_weight)`, its own weights
    (`weights` is that model's row weights, or None) multiplied in, and the row mask
    of a padded last batch (`keep`: empty, or one boolean array) after them. With
    `mask_rows` the model's weights say which rows are its own instead (K-fold
    training rows): the others are masked out as padding is."""
    x, y, sw = _rows(data, idx)[:3]
    if mask_rows:
        return (x, y, sw, keep[0] & (jnp.take(weights, idx, axis=0) > 0))
    if weights is not None:
        w = jnp.take(weights, idx, axis=0)
        if sw is not None:
            w = w * jnp.reshape(sw, w.shape) if sw.size == w.size else w[:, None] * sw
        sw = w
    return (x, y, sw, *keep)


def _axes(batch: tuple) -> tuple:
    """vmap axes of a batch of orders: the models' rows on axis 1, a row mask shared."""
    return (1,) + (None,) * (len(batch) - 1)


def make_group_train(model: Any, step: Callable, results: Callable,
                     fields: list[LayerField]) -> Callable:
    """The group's epoch program.

    Returns:
        `run(states, settings, data, weights, orders, start, stop, *, steps,
        batch_size, remainder) -> (states, logs)`: `states` are the K models'
        `TrainState`s stacked on a leading axis, `settings` a `(K, len(fields))`
        array, `data` the shared `(x, y, sample_weight)`, `weights` None or
        `(K, rows)` per-model row weights, `orders` the `(rows, K)` epoch orders
        (column k is model k's, as long as the padded data), `rows` the plan's real
        rows (see `core.train.run_batches`); with `mask_rows` (a padded plan) the
        weights are 1 on each model's own rows and 0 elsewhere, and the rows of
        other models in its batches are masked out. `logs` has a leading axis of K.
    """

    def one(state: Any, setting: Any, batch: tuple, w: Any, data: tuple,
            mask_rows: bool) -> Any:
        with layer_settings(model, fields, [setting[j] for j in range(len(fields))]):
            own = _model_batch(data, w, batch[0], batch[1:], mask_rows)
            new = step(state, own)
        if not mask_rows:
            return new
        ran = jnp.any(own[3])   # a batch with none of the model's rows is not a step
        return jax.tree.map(lambda a, b: jnp.where(ran, a, b), new, state)

    def run(states: Any, settings: Any, data: tuple, weights: Any, orders: Any,
            start: Any, stop: Any, *, steps: int, batch_size: int, remainder: int,
            rows: Any = None, mask_rows: bool = False) -> tuple:
        w_axis = None if weights is None else 0

        def group_step(s: Any, batch: tuple) -> Any:
            vstep = jax.vmap(lambda *a: one(*a, mask_rows=mask_rows),
                             in_axes=(0, 0, _axes(batch), w_axis, None))
            return vstep(s, settings, batch, weights, data)

        states = core_train.run_batches(
            group_step, states, (orders,), None, start, stop, steps=steps,
            batch_size=batch_size, remainder=remainder, rows=rows)
        return states, jax.vmap(results)(states.metrics)

    return jax.jit(run, static_argnames=_STATIC + ("mask_rows",))


def make_group_eval(model: Any, eval_step: Callable, results: Callable,
                    fields: list[LayerField]) -> Callable:
    """The group's evaluation program, on shared data or on each model's own rows.

    Returns:
        `run(params, metrics, settings, data, orders, extra, has_extra, start, stop, *,
        steps, batch_size, remainder) -> (metrics, logs)`: `params` and `metrics` are
        stacked on a leading axis of K; `orders` `(rows, K)` lists each model's rows
        (column k is model k's); `extra` (None, or `(E, K)` with the boolean
        `has_extra` alike) holds more rows for the models whose test folds are
        larger (K-fold folds differ in size), each run as a batch of one row whose
        metrics only the models with `has_extra` set keep.
    """

    def one(params: Any, metrics: Any, setting: Any, batch: tuple, data: tuple) -> Any:
        with layer_settings(model, fields, [setting[j] for j in range(len(fields))]):
            return eval_step(params, metrics, _model_batch(data, None, batch[0], batch[1:]))

    def vstep(params: Any, metrics: Any, settings: Any, batch: tuple, data: tuple) -> Any:
        return jax.vmap(one, in_axes=(0, 0, 0, _axes(batch), None))(
            params, metrics, settings, batch, data)

    def run(params: Any, metrics: Any, settings: Any, data: tuple, orders: Any,
            extra: Any, has_extra: Any, start: Any, stop: Any, *, steps: int,
            batch_size: int, remainder: int, rows: Any = None) -> tuple:
        metrics = core_train.run_batches(
            lambda m, batch: vstep(params, m, settings, batch, data), metrics, (orders,),
            None, start, stop, steps=steps, batch_size=batch_size, remainder=remainder,
            rows=rows)
        if extra is not None:
            def more(j: Any, m: Any) -> Any:
                new = vstep(params, m, settings, (lax.dynamic_slice_in_dim(extra, j, 1),),
                            data)
                keep = has_extra[j]
                return jax.tree.map(lambda a, b: jnp.where(
                    jnp.reshape(keep, keep.shape + (1,) * (a.ndim - 1)), a, b), new, m)
            metrics = lax.fori_loop(0, extra.shape[0], more, metrics)
        return metrics, jax.vmap(results)(metrics)

    return jax.jit(run, static_argnames=_STATIC)
