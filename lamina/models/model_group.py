"""`train_many`: K copies of one architecture trained at once, as one compiled program.

In Keras one compares seeds or learning rates with a loop: build a model, compile
it, `fit` it, keep its `History`; again for the next setting. `train_many` takes
the same build function and gives the same K trained models and histories, but
trains them together: their training states are stacked, and each epoch runs the
step `fit` compiles, vectorized with `jax.vmap`, once for all K models. A 10-model
seed ensemble or a learning-rate grid then costs about what one fit costs.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Sequence

import jax.numpy as jnp
import numpy as np

from lamina import data as data_mod
from lamina import utils
from lamina.core.batching import plan_padded
from lamina.layers import Average, Input
from lamina.models._group_trainer import GroupRun, new_histories, print_epoch
from lamina.models._inputs import check_batch_size
from lamina.models._padding import pads_last_batch
from lamina.models.functional import Functional


class ModelGroup:
    """The result of `train_many` or `cross_validate`: K trained models.

    Each model is an ordinary compiled Keras model, trained as `fit` would have
    trained it alone: `predict`, `evaluate`, `fit` again, `save` all work on it.

    Attributes:
        models: the K trained models.
        histories: their `History` objects (`history.history["loss"]`, ...), in order;
            each model's `model.history` too.
        hyperparameters: the keyword arguments each model was built with.
        scores: for `cross_validate`, `{"loss": array(K), <metric>: array(K)}` on each
            fold's held-out rows after training; empty otherwise.
    """

    def __init__(self, models: list, histories: list, hyperparameters: list[dict],
                 scores: dict | None = None):
        self.models, self.histories = models, histories
        self.hyperparameters = hyperparameters
        self.scores = scores or {}

    def __len__(self) -> int:
        return len(self.models)

    def __getitem__(self, k: int) -> Any:
        return self.models[k]

    def __iter__(self) -> Any:
        return iter(self.models)

    def ensemble(self, name: str = "ensemble") -> Any:
        """One model whose output averages the K models' outputs (see `ensemble`)."""
        return ensemble(self.models, name=name)

    def __repr__(self) -> str:
        return f"<ModelGroup models={len(self.models)}>"


def ensemble(models: Sequence[Any], name: str = "ensemble") -> Any:
    """A functional model that averages the outputs of `models` (one input, one output).

    It shares the models' weights (nothing is copied), so `predict` gives the mean of
    the K models' predictions in one compiled program, as
    `keras.layers.Average()([m(x) for m in models])` would in Keras.

    Args:
        models: built models with the same input and output shapes.
        name: the ensemble's name.

    Returns:
        A `Functional` model (compile it to `evaluate` or `fit` it further).

    Raises:
        ValueError: no models, or models with several inputs or outputs.

    Example:
        >>> import numpy as np, lamina as keras
        >>> a = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> b = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> x = np.ones((3, 2), np.float32)
        >>> mean = (a.predict(x, verbose=0) + b.predict(x, verbose=0)) / 2
        >>> bool(np.allclose(ensemble([a, b]).predict(x, verbose=0), mean))
        True
    """
    models = list(models)
    if not models:
        raise ValueError("ensemble() needs at least one model, but received none.")
    for m in models:
        if len(getattr(m, "inputs", None) or [None]) != 1 or len(m.output_names) != 1:
            raise ValueError(f"ensemble() averages models with one input and one output, "
                             f"but model '{m.name}' has outputs {m.output_names}. Average "
                             "its predictions by hand: np.mean([m.predict(x) ...], axis=0).")
    inputs = Input(shape=tuple(models[0].input_shape[1:]))
    outputs = [m(inputs) for m in models]
    output = outputs[0] if len(outputs) == 1 else Average()(outputs)
    return Functional(inputs, output, name=name)


def _settings(seeds: Iterable[int] | None, hyperparameters: Any) -> tuple[list, list]:
    """The K models' seeds (None: drawn in turn) and build arguments."""
    if isinstance(hyperparameters, dict):
        names = list(hyperparameters)
        values = [v if isinstance(v, (list, tuple, np.ndarray)) else [v]
                  for v in hyperparameters.values()]
        hyperparameters = [dict(zip(names, combo)) for combo in itertools.product(*values)]
    seeds = None if seeds is None else [int(s) for s in seeds]
    if hyperparameters is None:
        if seeds is None:
            raise ValueError("train_many() needs seeds=[...] or hyperparameters=... to know "
                             "how many models to train, e.g. seeds=range(10) or "
                             "hyperparameters={'learning_rate': [1e-3, 1e-2]}.")
        hyperparameters = [{} for _ in seeds]
    hyperparameters = [dict(h) for h in hyperparameters]
    if seeds is not None and len(seeds) != len(hyperparameters):
        raise ValueError(f"train_many() received {len(seeds)} seeds and "
                         f"{len(hyperparameters)} hyperparameter settings; give one seed per "
                         "setting, or only one of the two.")
    if not hyperparameters:
        raise ValueError("train_many() received no models to train (an empty list).")
    return [None] * len(hyperparameters) if seeds is None else seeds, hyperparameters


def padding(model: Any) -> dict:
    """How `fit` cuts the last batch for `model`: padded and masked, or exact."""
    return {"masked": pads_last_batch(model, training=True),
            "masked_validation": pads_last_batch(model, training=False)}


def build_group(build_fn: Callable[..., Any], seeds: list, hyperparameters: list[dict],
                x: Any) -> list:
    """Build, compile-check and prepare each model as `fit` would (weights built from
    `x`, random key and shuffle seed drawn after its seed is set)."""
    models = []
    for seed, kwargs in zip(seeds, hyperparameters):
        if seed is not None:
            utils.set_random_seed(seed)
        model = build_fn(**kwargs)
        if not hasattr(model, "compile") or not hasattr(model, "_train_state"):
            raise TypeError(f"build_fn must return a Lamina model, but it returned "
                            f"{type(model).__name__}. Return the compiled model.")
        if getattr(model, "_compile_config", None) is None:
            raise ValueError("build_fn returned a model that was not compiled. Call "
                             "model.compile(optimizer=..., loss=..., metrics=[...]) in "
                             "build_fn before returning the model.")
        model.build_from_data(x)
        model._train_state()
        models.append(model)
    return models


def train_many(build_fn: Callable[..., Any], x: Any, y: Any = None, *,
               seeds: Iterable[int] | None = None, hyperparameters: Any = None,
               batch_size: int | None = None, epochs: int = 1, verbose: int = 0,
               validation_split: float = 0.0, validation_data: Any = None,
               shuffle: bool = True, sample_weight: Any = None) -> ModelGroup:
    """Train K models of one architecture at once, as one compiled program.

    Model k is `build_fn(**hyperparameters[k])` (built after
    `lamina.utils.set_random_seed(seeds[k])` when seeds are given) and is trained
    as `model.fit(x, y, ...)` would train it alone, weight for weight: its own
    initial weights, shuffle order, Dropout keys and optimizer state. Only what can
    vary inside one program may differ between the models: seeds, the optimizer's
    numeric hyperparameters (`learning_rate`, `weight_decay`, `momentum`, ...),
    Dropout rates and the L1/L2 factors of weight regularizers. Settings that
    change shapes or structure (units, layers) raise a ValueError: search over them
    with one fit per setting.

    Args:
        build_fn: returns a compiled model; called with each setting's keyword arguments.
        x: input data (arrays, as for `fit`).
        y: targets.
        seeds: one integer seed per model.
        hyperparameters: a list of keyword-argument dicts (one per model), or a dict
            of lists (every combination, as scikit-learn's `ParameterGrid`).
        batch_size: rows per batch (default 32).
        epochs: epochs to train.
        verbose: 0 (silent) or 1 (one line per epoch with each model's logs).
        validation_split: the last fraction of the rows, held out for validation.
        validation_data: `(x_val, y_val)` to validate on after each epoch.
        shuffle: whether each epoch takes the rows in a new order.
        sample_weight: per-row weights for every model, `(rows,)`, or one row of
            weights per model, `(K, rows)`.

    Returns:
        A `ModelGroup`: `models`, `histories`, `hyperparameters`.

    Raises:
        ValueError: models that cannot share one program (the message names the
            difference), or inconsistent arguments.

    Example:
        >>> import numpy as np, lamina as keras
        >>> x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1); y = 3 * x + 1
        >>> def build(learning_rate=0.01):
        ...     model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
        ...     model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
        ...     return model
        >>> group = keras.models.train_many(
        ...     build, x, y, hyperparameters={"learning_rate": [0.01, 0.1]}, epochs=20,
        ...     seeds=[0, 0])
        >>> [len(h.history["loss"]) for h in group.histories]
        [20, 20]
        >>> bool(group.histories[1].history["loss"][-1] < group.histories[0].history["loss"][-1])
        True
    """
    return train_group(build_fn, x, y, seeds=seeds, hyperparameters=hyperparameters,
                       batch_size=batch_size, epochs=epochs, verbose=verbose,
                       validation_split=validation_split, validation_data=validation_data,
                       shuffle=shuffle, sample_weight=sample_weight)


def train_group(build_fn: Callable[..., Any], x: Any, y: Any = None, *,
                seeds: Iterable[int] | None = None, hyperparameters: Any = None,
                batch_size: int | None = None, epochs: int = 1, verbose: int = 0,
                validation_split: float = 0.0, validation_data: Any = None,
                shuffle: bool = True, sample_weight: Any = None,
                best: Any = None) -> ModelGroup:
    """`train_many`, and with `best` (an objective: `.name`, `.better(a, b)`) each
    model ends with the weights of its best epoch by that log, as a tuner keeps them."""
    batch_size = check_batch_size(batch_size, "batch_size")
    seeds, hyperparameters = _settings(seeds, hyperparameters)
    weights = None
    if sample_weight is not None and np.ndim(sample_weight) == 2 and \
            np.shape(sample_weight)[0] == len(hyperparameters):
        weights, sample_weight = np.asarray(sample_weight, np.float32), None
    def adapters(**masked: bool) -> tuple:
        return data_mod.fit_adapters(
            x, y, sample_weight, batch_size=batch_size, steps_per_epoch=None,
            shuffle=shuffle, class_weight=None, validation_split=validation_split,
            validation_data=validation_data, validation_batch_size=batch_size,
            validation_steps=None, **masked)

    train, val = adapters()
    if not isinstance(train, data_mod.ArrayAdapter):
        raise ValueError("train_many() trains on arrays held on the device; x is a stream "
                         "of batches. Pass NumPy arrays (x, y).")
    if weights is not None:
        weights = weights[:, :train.rows]  # validation_split cuts the last rows
    models = build_group(build_fn, seeds, hyperparameters, train.peek().x)
    if any(padding(models[0]).values()):  # cut the data as fit cuts it for these models
        train, val = adapters(**padding(models[0]))
    group = fit_group(models, train, None if weights is None else np.asarray(weights),
                      val=val, epochs=epochs, verbose=verbose, shuffle=shuffle, best=best)
    return ModelGroup(models, group, hyperparameters)


def fit_group(models: list, train: Any, weights: Any, *, val: Any = None,
              epochs: int, verbose: int, shuffle: bool, test_rows: Any = None,
              validation_freq: int = 1, best: Any = None, folds: list | None = None) -> list:
    """Train `models` together on the adapter's arrays; returns their histories.

    `weights` is None or `(K, rows)`; `val` an adapter of shared validation rows, or
    `test_rows` a `(orders, extra, has_extra, plan)` of each model's own held-out rows;
    `best` an objective whose best epoch's weights each model ends with; `folds`
    (with an adapter whose last batch is masked, and `weights` 1 on each model's
    rows) each model's training rows, which it alone trains on, as `fit` on them would.
    """
    kept = None
    run = GroupRun(models)
    plan, padded = train.plan, train.padded_rows
    if folds is not None:
        plan, padded = plan_padded(max(len(f) for f in folds), plan.batch_size, masked=True)
    histories = new_histories(models, epochs, plan.total_steps, verbose)
    w = None if weights is None else jnp.asarray(
        np.asarray(weights)[:, np.arange(train.padded_rows) % train.rows])  # padding copies rows
    if val is not None:
        k = len(models)
        test_rows = (jnp.broadcast_to(jnp.arange(val.padded_rows, dtype=jnp.int32)[:, None],
                                      (val.padded_rows, k)), None, None, val.plan, val.data)
    elif test_rows is not None:
        test_rows = tuple(test_rows) + (train.data,)
    for epoch in range(epochs):
        if folds is None:
            logs = run.train_epoch(train.data, w,
                                   run.orders(train.rows, padded, epoch, shuffle), plan)
        else:
            logs = run.train_epoch(train.data, w, run.fold_orders(
                folds, train.rows, padded, epoch, shuffle), plan, mask_rows=True)
        if test_rows is not None and ((epoch + 1) % validation_freq == 0 or
                                      epoch == epochs - 1):
            orders, extra, has_extra, test_plan, data = test_rows
            val_logs = run.evaluate_rows(data, orders, extra, has_extra, test_plan)
            logs = [{**a, **{f"val_{n}": v for n, v in b.items()}}
                    for a, b in zip(logs, val_logs)]
        for history, log in zip(histories, logs):
            history.on_epoch_end(epoch, log)
        if verbose:
            print_epoch(epoch, epochs, logs)
        if best is not None:
            kept = run.keep_best(logs, best, kept)
    run.finish()
    if kept is not None:
        run.restore(kept[0])
    return histories
