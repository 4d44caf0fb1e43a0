"""Compilations and memory over a loop of data of varying length.

A model that is fit, evaluated and asked to predict on data whose number of rows
changes every call (learning curves, cross-validation folds, a notebook re-run on
a filtered frame) must not compile a program per length: each compiled program
stays in memory. Each iteration runs `fit` (1 epoch), `evaluate`, `predict` and
`predict_on_batch` on one length (batch 32), after one warm-up iteration; the
script prints the compilations (counted with `jax.monitoring`), the resident
memory before and after, and the time per iteration.

- Dense: a 8-64-1 ReLU network (`fit` pads its last batch), `--iterations` random
  lengths between 900 and 1,100 rows (every remainder of the last batch occurs).
- Dense+BatchNorm: BatchNormalization mixes the rows of a batch (`fit` keeps the
  exact last batch); 24 lengths `32 k + r`, k in 28..33, r in (3, 11, 19, 27): four
  sizes of the last batch.

    python benchmarks/bench_varying_sizes.py [--iterations 300] [--lib lamina|keras]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)

COMPILES = [0]


def _on_event(event: str, duration: float, **kwargs: object) -> None:
    if event == "/jax/core/compile/backend_compile_duration":
        COMPILES[0] += 1


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_model(lib: str, batch_norm: bool):
    if lib == "keras":
        import keras
    else:
        import lamina as keras
    hidden = [keras.layers.Dense(64, activation="relu")]
    if batch_norm:
        hidden = [keras.layers.Dense(64), keras.layers.BatchNormalization(),
                  keras.layers.Activation("relu")]
    model = keras.Sequential([keras.layers.Input((8,)), *hidden, keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def run(lib: str, batch_norm: bool, sizes: list[int]) -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1100, 8)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    model = make_model(lib, batch_norm)

    def one(n: int) -> None:
        model.fit(x[:n], y[:n], batch_size=32, epochs=1, verbose=0)
        model.evaluate(x[:n], y[:n], batch_size=32, verbose=0)
        model.predict(x[:n], batch_size=32, verbose=0)
        model.predict_on_batch(x[:n // 20])

    one(1000)
    start_compiles, start_rss, start = COMPILES[0], rss_mb(), time.perf_counter()
    for n in sizes:
        one(n)
    return {"lib": lib, "model": "Dense+BatchNorm" if batch_norm else "Dense",
            "iterations": len(sizes), "distinct lengths": len(set(sizes)),
            "compilations": COMPILES[0] - start_compiles,
            "rss before MB": round(start_rss), "rss after MB": round(rss_mb()),
            "ms per iteration": round(1000 * (time.perf_counter() - start) / len(sizes), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--lib", default="lamina", choices=["lamina", "keras"])
    args = parser.parse_args()
    jax.monitoring.register_event_duration_secs_listener(_on_event)
    rng = np.random.default_rng(1)
    dense = [int(n) for n in rng.integers(900, 1101, size=args.iterations)]
    batch_norm = [32 * k + r for k in range(28, 34) for r in (3, 11, 19, 27)]
    rng.shuffle(batch_norm)
    load = os.getloadavg()[0]
    rows = [run(args.lib, False, dense), run(args.lib, True, batch_norm)]
    print(f"load before: {load:.1f}, after: {os.getloadavg()[0]:.1f}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
