"""The host side of training K models as one program: stack their states, run the
vmapped epoch program once per epoch, and hand each model its trained state back.

Each model keeps what `fit` would have given it alone: its initial weights, its
random key and its shuffle seed (drawn when its training state is made, so
`set_random_seed(s)` before building it gives the same run as `fit` after it), its
optimizer state (holding its learning rate), and afterwards a `History`.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.callbacks import History
from lamina.core.batching import epoch_permutation
from lamina.models._group_check import LayerField, check_group
from lamina.models._group_programs import make_group_eval, make_group_train


def rename(tree: Any, mapping: dict) -> Any:
    """`tree` with the keys of every dict keyed like the weights renamed by `mapping`
    (an optimizer state keeps its moments in dicts keyed by weight path)."""
    if isinstance(tree, dict):
        if tree and set(tree) <= set(mapping):
            return {mapping[k]: rename(v, mapping) for k, v in tree.items()}
        return {k: rename(v, mapping) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(rename(v, mapping) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(rename(v, mapping) for v in tree)
    return tree


def _key_map(src: Any, dst: Any) -> dict:
    """Weight keys of holder `src` to those of holder `dst`, by position."""
    return dict(zip(src.trainable_keys + src.non_trainable_keys,
                    dst.trainable_keys + dst.non_trainable_keys))


def _stack(trees: list) -> Any:
    """The trees stacked leaf by leaf on a new leading axis: on the host, then sent to
    the device in one transfer (a stack per leaf on the device costs a dispatch each)."""
    host = jax.device_get(trees)
    return jax.device_put(jax.tree.map(lambda *a: np.stack([np.asarray(x) for x in a]),
                                       *host))


class GroupRun:
    """K compiled models of one architecture, trained as one vectorized program.

    Args:
        models: built, compiled models whose training states exist.
    """

    def __init__(self, models: list):
        if any(any(m._keras3_steps()) for m in models):
            raise ValueError("Models with a Keras 3 style train_step/test_step cannot be "
                             "trained as one vectorized program; fit them one by one.")
        self.models = models
        self.fields: list[LayerField] = check_group(models)
        first = models[0]
        programs = first._get_programs()
        self.names = programs.names
        self.init_metrics = programs.init_metrics
        self.train = make_group_train(first, programs.train_step.__wrapped__,
                                      programs.results, self.fields)
        self.evaluate = make_group_eval(first, programs.eval_step.__wrapped__,
                                        programs.results, self.fields)
        self.to_first = [_key_map(m._train, first._train) for m in models]
        self.settings = jnp.asarray(
            np.array([[f.values[k] for f in self.fields] for k in range(len(models))],
                     np.float32).reshape(len(models), len(self.fields)))
        self._metrics0 = None
        self.states = _stack([rename(m._train.current(), to)
                              for m, to in zip(models, self.to_first)])

    def __len__(self) -> int:
        return len(self.models)

    def _fresh_metrics(self) -> tuple:
        if self._metrics0 is None:
            k = len(self.models)
            self._metrics0 = jax.tree.map(
                lambda a: jnp.broadcast_to(a, (k,) + jnp.shape(a)), self.init_metrics())
        return self._metrics0

    def orders(self, rows: int, padded: int, epoch: int, shuffle: bool) -> jax.Array:
        """Each model's row order for `epoch`, as columns of a `(padded, K)` array: a
        permutation of the `rows` real rows, repeated over the padding rows (which
        are never kept), as the `ArrayAdapter` draws it for `fit`."""
        if not shuffle:
            return jnp.broadcast_to(jnp.arange(padded, dtype=jnp.int32)[:, None],
                                    (padded, len(self.models)))
        return jnp.asarray(np.stack([np.resize(epoch_permutation(m._train.seed, epoch, rows),
                                               padded) for m in self.models], axis=1))

    def fold_orders(self, folds: list, rows: int, padded: int, epoch: int,
                    shuffle: bool) -> jax.Array:
        """Each model's own rows (`folds[k]`, row indices) in the order `fit` on
        those rows alone takes them in `epoch`, as `(padded, K)` columns; after them
        come rows that are not the model's (masked out by the group's step)."""
        columns = []
        for model, own in zip(self.models, folds):
            order = epoch_permutation(model._train.seed, epoch, len(own)) if shuffle \
                else np.arange(len(own))
            others = np.setdiff1d(np.arange(rows), own)
            filler = np.resize(others if len(others) else own, padded - len(own))
            columns.append(np.concatenate([own[order], filler]).astype(np.int32))
        return jnp.asarray(np.stack(columns, axis=1))

    def train_epoch(self, data: tuple, weights: Any, orders: Any, plan: Any,
                    mask_rows: bool = False) -> list[dict]:
        """One epoch for every model; returns each model's logs."""
        states = self.states._replace(metrics=self._fresh_metrics())
        self.states, values = self.train(states, self.settings, data, weights, orders, 0,
                                         plan.total_steps, steps=plan.steps,
                                         batch_size=plan.batch_size,
                                         remainder=plan.remainder, rows=plan.rows,
                                         mask_rows=mask_rows)
        return self._logs(values)

    def evaluate_rows(self, data: tuple, orders: Any, extra: Any, has_extra: Any,
                      plan: Any) -> list[dict]:
        """Each model's loss and metrics on its rows (`orders` columns, plus `extra`)."""
        params = (self.states.trainable, self.states.non_trainable)
        _, values = self.evaluate(params, self._fresh_metrics(), self.settings, data,
                                  orders, extra, has_extra, 0, plan.total_steps,
                                  steps=plan.steps, batch_size=plan.batch_size,
                                  remainder=plan.remainder, rows=plan.rows)
        return self._logs(values)

    def _logs(self, values: Any) -> list[dict]:
        host = [np.asarray(v) for v in jax.device_get(values)]
        return [{name: float(v[k]) for name, v in zip(self.names, host)}
                for k in range(len(self.models))]

    def keep_best(self, logs: list[dict], best: Any, kept: tuple | None) -> tuple:
        """`(weights, scores)`: each model's weights at its best epoch so far by the
        objective `best` (`.name`, `.better(a, b)`), updated with this epoch's `logs`."""
        values = []
        for log in logs:
            if best.name not in log:
                raise ValueError(f"The objective {best.name!r} is not in the training logs "
                                 f"{sorted(log)}: pass validation data, or choose an "
                                 f"objective among the logged names.")
            values.append(float(log[best.name]))
        params = (self.states.trainable, self.states.non_trainable)
        if kept is None:
            return params, values
        better = [best.better(v, s) for v, s in zip(values, kept[1])]
        mask = jnp.asarray(better)
        weights = jax.tree.map(
            lambda new, old: jnp.where(mask.reshape((-1,) + (1,) * (new.ndim - 1)), new, old),
            params, kept[0])
        return weights, [v if b else s for v, b, s in zip(values, better, kept[1])]

    def restore(self, weights: tuple) -> None:
        """Give each model the stacked `(trainable, non_trainable)` weights (after
        `finish`), keeping the rest of its training state."""
        trainable, non_trainable = jax.device_get(weights)
        for k, (model, to) in enumerate(zip(self.models, self.to_first)):
            back = {v: key for key, v in to.items()}
            state = model._train.current()
            model._train.adopt(state._replace(
                trainable={back[key]: jnp.asarray(v[k]) for key, v in trainable.items()},
                non_trainable={back[key]: jnp.asarray(v[k])
                               for key, v in non_trainable.items()}))

    def finish(self) -> None:
        """Give each model its trained state, as `fit` leaves it."""
        host = jax.device_get(self.states)
        for k, (model, to) in enumerate(zip(self.models, self.to_first)):
            back = {v: key for key, v in to.items()}
            state = jax.device_put(jax.tree.map(lambda a: a[k], host))
            model._train.adopt(rename(state, back))


def new_histories(models: list, epochs: int, steps: int, verbose: int) -> list:
    histories = []
    for model in models:
        history = History()
        history.set_model(model)
        history.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
        history.on_train_begin()
        model.history = history
        histories.append(history)
    return histories


def print_epoch(epoch: int, epochs: int, logs: list[dict]) -> None:
    parts = [f"{name}: " + " ".join(f"{log[name]:.4f}" for log in logs)
             for name in logs[0]]
    print(f"Epoch {epoch + 1}/{epochs} ({len(logs)} models) - " + " - ".join(parts))
