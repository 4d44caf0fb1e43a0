"""Many models as one program: `train_many` and `cross_validate` against one fit and loops.

(a) 10 seeds of the spiral workload (bench_spiral.py: 2-8-8-8-1 relu, SGD(0.03), MSE,
batch 10, 100 steps an epoch) trained by `lamina.models.train_many`, against one
Lamina fit, a loop of 10 Lamina fits, and a loop of 10 Keras 3 fits.
(b) 5-fold cross-validation of the wine workload (bench_wine.py: 11-512-512-512-1 relu,
Adam, MAE, batch 256) on its 1,599 rows by `lamina.models.cross_validate`, against one
Lamina fit of one fold (1,279 training rows, scored on its 320 held-out rows), a loop
of 5 such Lamina fits, and scikit-learn's `cross_val_score` over a Keras 3 regressor
(one fit per fold, as a KerasRegressor wrapper does).

Every time is wall-clock from before the first model is built to the trained models
(XLA compilation included), all in one process, so the ratios come from one run.

    python benchmarks/bench_many_models.py [--epochs-a 20] [--epochs-b 20] [--skip-keras]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

import common  # noqa: F401  (puts the checkout first on the path, sets KERAS_BACKEND)
from bench_spiral import BATCH as SPIRAL_BATCH
from bench_spiral import LR as SPIRAL_LR
from bench_spiral import SIZES as SPIRAL_SIZES
from bench_spiral import spiral
from bench_wine import BATCH as WINE_BATCH
from bench_wine import SIZES as WINE_SIZES
from bench_wine import wine

K_SEEDS, K_FOLDS = 10, 5


def mlp(K, sizes, optimizer, loss):
    model = K.Sequential([K.layers.Input((sizes[0],))]
                         + [K.layers.Dense(u, activation="relu") for u in sizes[1:-1]]
                         + [K.layers.Dense(sizes[-1])])
    model.compile(optimizer=optimizer(), loss=loss)
    return model


def timed(fn):
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out, (load, os.getloadavg()[0])


def spiral_rows(lam, keras, epochs: int) -> dict:
    x, y = spiral()

    def build(K=lam):
        return mlp(K, SPIRAL_SIZES, lambda: K.optimizers.SGD(SPIRAL_LR), "mse")

    def fit(K, seed):
        K.utils.set_random_seed(seed)
        m = build(K)
        return m.fit(x, y, epochs=epochs, batch_size=SPIRAL_BATCH, verbose=0).history["loss"][-1]

    rows = {}
    rows["lamina one fit"] = timed(lambda: [fit(lam, 0)])
    rows[f"lamina train_many, {K_SEEDS} seeds"] = timed(lambda: [
        h.history["loss"][-1] for h in lam.models.train_many(
            build, x, y, seeds=range(K_SEEDS), epochs=epochs,
            batch_size=SPIRAL_BATCH).histories])
    rows[f"lamina loop of {K_SEEDS} fits"] = timed(lambda: [fit(lam, s) for s in range(K_SEEDS)])
    if keras is not None:
        rows[f"keras 3 loop of {K_SEEDS} fits"] = timed(
            lambda: [fit(keras, s) for s in range(K_SEEDS)])
    return rows


def wine_rows(lam, keras, epochs: int) -> dict:
    xt, yt, xv, yv = wine()
    x, y = np.concatenate([xt, xv]), np.concatenate([yt, yv])
    from lamina.models.cross_validation import kfold
    folds = kfold(len(x), K_FOLDS)

    def build(K=lam):
        return mlp(K, WINE_SIZES, lambda: K.optimizers.Adam(), "mae")

    def fit_fold(K, k):
        K.utils.set_random_seed(0)
        train, test = folds[k]
        m = build(K)
        h = m.fit(x[train], y[train], epochs=epochs, batch_size=WINE_BATCH, verbose=0,
                  validation_data=(x[test], y[test]))
        return h.history["val_loss"][-1]

    rows = {}
    rows["lamina one fit (one fold)"] = timed(lambda: [fit_fold(lam, 0)])
    rows[f"lamina cross_validate, cv={K_FOLDS}"] = timed(lambda: list(
        lam.models.cross_validate(build, x, y, cv=K_FOLDS, epochs=epochs,
                                  batch_size=WINE_BATCH, seed=0,
                                  validation_freq=epochs).scores["loss"]))
    rows[f"lamina loop of {K_FOLDS} fold fits"] = timed(
        lambda: [fit_fold(lam, k) for k in range(K_FOLDS)])
    if keras is not None:
        rows[f"sklearn cross_val_score over keras 3, cv={K_FOLDS}"] = timed(
            lambda: sklearn_keras(keras, build, x, y, epochs))
    return rows


def sklearn_keras(keras, build, x, y, epochs: int) -> list:
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.model_selection import KFold, cross_val_score

    class KerasRegressor(BaseEstimator, RegressorMixin):
        """A minimal scikit-learn wrapper: one fresh Keras model per fit."""

        def __init__(self, epochs=1):
            self.epochs = epochs

        def fit(self, X, Y):
            keras.utils.set_random_seed(0)
            self.model_ = build(keras)
            self.model_.fit(X, Y, epochs=self.epochs, batch_size=WINE_BATCH, verbose=0)
            return self

        def predict(self, X):
            return self.model_.predict(X, batch_size=WINE_BATCH, verbose=0)[:, 0]

    scores = cross_val_score(KerasRegressor(epochs), x, y[:, 0], cv=KFold(K_FOLDS),
                             scoring="neg_mean_absolute_error")
    return list(-scores)


def report(title: str, rows: dict, base: str, group: str) -> None:
    print(f"\n{title}\n")
    print("| run | wall s | x one fit | final loss/score per model (mean) | load before/after |")
    print("|---|---|---|---|---|")
    one = rows[base][0]
    for name, (seconds, values, load) in rows.items():
        print(f"| {name} | {seconds:.2f} | {seconds / one:.2f} | {np.mean(values):.4f} "
              f"| {load[0]:.1f}/{load[1]:.1f} |")
    g = rows[group][0]
    print()
    for name, (seconds, _, _) in rows.items():
        if name not in (base, group):
            print(f"- {name} / {group}: {seconds / g:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-a", type=int, default=20)
    parser.add_argument("--epochs-b", type=int, default=20)
    parser.add_argument("--skip-keras", action="store_true")
    args = parser.parse_args()
    import lamina
    keras = None
    if not args.skip_keras:
        keras, why = common.keras_or_reason()
        if keras is None:
            print(f"Keras 3 rows skipped: {why}")
    import jax
    print(f"JAX {jax.__version__} on {jax.devices()[0].device_kind}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    a = spiral_rows(lamina, keras, args.epochs_a)
    report(f"(a) spiral, {args.epochs_a} epochs, {K_SEEDS} seeds", a, "lamina one fit",
           f"lamina train_many, {K_SEEDS} seeds")
    b = wine_rows(lamina, keras, args.epochs_b)
    report(f"(b) wine, {args.epochs_b} epochs, {K_FOLDS}-fold cross-validation", b,
           "lamina one fit (one fold)", f"lamina cross_validate, cv={K_FOLDS}")


if __name__ == "__main__":
    main()
