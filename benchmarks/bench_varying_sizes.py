"""Compilations and memory over a loop of data of varying length.

A model that is fit, evaluated and asked to predict on data whose number of rows
changes every call (learning curves, cross-validation folds, a notebook re-run on
a filtered frame) must not compile a program per length: each compiled program
stays in memory. This loop runs `fit` (1 epoch), `evaluate`, `predict` and
`predict_on_batch` on a random length between 900 and 1,100 rows (batch 32, so
every remainder of the last batch occurs) for a fixed time, and prints the
compilations (counted with `jax.monitoring`) and the resident memory before and
after. Two models: a Dense one (`fit` pads its last batch) and one with
BatchNormalization (`fit` keeps the exact last batch).

    python benchmarks/bench_varying_sizes.py [--seconds 30] [--lib lamina|keras]
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


def run(lib: str, batch_norm: bool, seconds: float) -> dict:
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
    sizes = rng.integers(900, 1101, size=100000)
    calls = 0
    while time.perf_counter() - start < seconds:
        one(int(sizes[calls]))
        calls += 1
    return {"lib": lib, "model": "Dense+BatchNorm" if batch_norm else "Dense",
            "iterations": calls, "distinct lengths": len(set(sizes[:calls].tolist())),
            "compilations": COMPILES[0] - start_compiles,
            "rss before MB": round(start_rss), "rss after MB": round(rss_mb()),
            "ms per iteration": round(1000 * (time.perf_counter() - start) / calls, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--lib", default="lamina", choices=["lamina", "keras"])
    args = parser.parse_args()
    jax.monitoring.register_event_duration_secs_listener(_on_event)
    load = os.getloadavg()[0]
    rows = [run(args.lib, batch_norm, args.seconds) for batch_norm in (False, True)]
    print(f"load before: {load:.1f}, after: {os.getloadavg()[0]:.1f}")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
