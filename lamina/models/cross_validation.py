"""`cross_validate`: K-fold cross-validation of a Keras build function, all folds
trained at once as one compiled program."""
from __future__ import annotations

from typing import Any, Callable

import jax.numpy as jnp
import numpy as np

from lamina import data as data_mod
from lamina.core.batching import plan_epoch
from lamina.models._inputs import check_batch_size
from lamina.models.model_group import ModelGroup, build_group, fit_group, padding


def kfold(rows: int, cv: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Contiguous folds, as scikit-learn's `KFold(n_splits=cv)` without shuffling: the
    first `rows % cv` test folds have one row more.

    Example:
        >>> [test.tolist() for _, test in kfold(5, 2)]
        [[0, 1, 2], [3, 4]]
    """
    sizes = np.full(cv, rows // cv)
    sizes[:rows % cv] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    everything = np.arange(rows)
    return [(np.concatenate([everything[:a], everything[b:]]), everything[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])]


def _splits(cv: Any, rows: int, x: Any, y: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if not 2 <= cv <= rows:
            raise ValueError(f"cross_validate() needs 2 <= cv <= the number of rows "
                             f"({rows}), but received cv={cv}. Use e.g. cv=5.")
        return kfold(rows, int(cv))
    if hasattr(cv, "split"):
        splits = list(cv.split(np.zeros((rows, 1)), y))
    else:
        try:
            splits = list(cv)
        except TypeError:
            raise TypeError(f"cv must be a number of folds, a scikit-learn splitter "
                            f"(KFold, StratifiedKFold, ...) or a list of (train, test) "
                            f"index arrays, but received {cv!r}.") from None
    if len(splits) < 1:
        raise ValueError("cross_validate() received a cv with no splits.")
    return [(np.asarray(a, np.int64), np.asarray(b, np.int64)) for a, b in splits]


def _test_rows(splits: list, batch_size: int) -> tuple:
    """Each fold's test rows as the group's evaluation takes them: `(q, K)` orders
    for the rows every fold has, and the folds' further rows one at a time."""
    sizes = [len(test) for _, test in splits]
    q, top = min(sizes), max(sizes)
    orders = jnp.asarray(np.stack([test[:q] for _, test in splits], axis=1).astype(np.int32))
    extra = has_extra = None
    if top > q:
        extra_np = np.zeros((top - q, len(splits)), np.int32)
        has = np.zeros((top - q, len(splits)), bool)
        for k, (_, test) in enumerate(splits):
            extra_np[:len(test) - q, k] = test[q:]
            has[:len(test) - q, k] = True
        extra, has_extra = jnp.asarray(extra_np), jnp.asarray(has)
    return orders, extra, has_extra, plan_epoch(q, batch_size, None)


def cross_validate(build_fn: Callable[[], Any], x: Any, y: Any = None, *, cv: Any = 5,
                   batch_size: int | None = None, epochs: int = 1, verbose: int = 0,
                   shuffle: bool = True, seed: int | None = None,
                   sample_weight: Any = None, validation_freq: int = 1) -> ModelGroup:
    """K-fold cross-validation of the model `build_fn` returns, every fold at once.

    As scikit-learn's `cross_validate` over a Keras model: one fresh model per fold,
    trained on the fold's training rows, scored on its held-out rows. Here the K
    models train together in one compiled program (the `fit` step vmapped over the
    folds), so a 5-fold cross-validation costs about what one fit costs where
    per-step dispatch dominates. Each fold trains on its own training rows only, in
    the order `model.fit(x[train], y[train])` would take them, weight for weight as
    that fit (its batches hold none of the other rows; a fold with fewer rows skips the
    group's last batch when it has none of its rows left, as its own fit would end
    earlier). A model whose rows interact in a batch (BatchNormalization), whose last
    batch `fit` runs at its exact size, cannot share one batch plan across folds of
    different sizes: it trains instead on every batch of the shuffled data with its
    held-out rows weighted 0, as `model.fit(x, y, sample_weight=in_training_fold)`
    would, so the held-out rows take part in its batch statistics. The `val_` logs and
    `scores` are exact, computed on the held-out rows alone.

    Args:
        build_fn: returns a compiled model; called once per fold.
        x: input arrays.
        y: targets.
        cv: the number of folds (contiguous, as scikit-learn's `KFold`), a
            scikit-learn splitter (`StratifiedKFold(5, shuffle=True)`, ...), or a list
            of `(train_rows, test_rows)` index arrays.
        batch_size: rows per batch (default 32).
        epochs: epochs per fold.
        verbose: 0 (silent) or 1 (one line per epoch).
        shuffle: whether each epoch takes the rows in a new order.
        seed: when given, every fold's model is built and trained after
            `lamina.utils.set_random_seed(seed)`: the same initial weights and
            shuffle for every fold, which then differ only in their data.
        sample_weight: optional per-row weights, `(rows,)`.
        validation_freq: score the held-out rows every this many epochs (and after
            the last), logged with the `val_` prefix.

    Returns:
        A `ModelGroup`: `models` (one per fold), `histories` (`loss`, metrics and
        `val_` scores per epoch) and `scores`: `{"loss": array(K), <metric>:
        array(K)}` on each fold's held-out rows after training.

    Example:
        >>> import numpy as np, lamina as keras
        >>> x = np.linspace(-1, 1, 50, dtype=np.float32).reshape(-1, 1); y = 2 * x
        >>> def build():
        ...     model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
        ...     model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        ...     return model
        >>> result = keras.models.cross_validate(build, x, y, cv=5, epochs=30, seed=0)
        >>> result.scores["loss"].shape, bool(result.scores["loss"].max() < 0.05)
        ((5,), True)
    """
    batch_size = check_batch_size(batch_size, "batch_size")

    def adapter(masked: bool = False) -> Any:
        return data_mod.fit_adapters(
            x, y, sample_weight, batch_size=batch_size, steps_per_epoch=None,
            shuffle=shuffle, class_weight=None, validation_split=0.0, validation_data=None,
            validation_batch_size=batch_size, validation_steps=None, masked=masked)[0]

    train = adapter()
    if not isinstance(train, data_mod.ArrayAdapter):
        raise ValueError("cross_validate() cuts arrays into folds, but x is a stream of "
                         "batches. Pass NumPy arrays (x, y).")
    splits = _splits(cv, train.rows, x, train.arrays.y)
    weights = np.zeros((len(splits), train.rows), np.float32)
    for k, (rows, _) in enumerate(splits):
        weights[k, rows] = 1.0
    seeds = [seed] * len(splits)
    models = build_group(build_fn, seeds, [{} for _ in splits], train.peek().x)
    folds = None
    if padding(models[0])["masked"]:  # rows that do not interact: each fold its own rows
        train = adapter(masked=True)
        folds = [rows for rows, _ in splits]
    histories = fit_group(models, train, weights, epochs=epochs, verbose=verbose,
                          shuffle=shuffle, test_rows=_test_rows(splits, batch_size),
                          validation_freq=validation_freq, folds=folds)
    last = [h.history for h in histories]
    names = [k[4:] for k in last[0] if k.startswith("val_")]
    scores = {n: np.array([h[f"val_{n}"][-1] for h in last]) for n in names}
    return ModelGroup(models, histories, [{} for _ in splits], scores)
