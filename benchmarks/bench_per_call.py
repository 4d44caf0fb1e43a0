"""Host overhead per call of the single-batch methods, the cost of loops written by hand.

A GAN or a deep Q-network calls `predict_on_batch` to act and `train_on_batch` to
learn, one small batch at a time, thousands of times. This script times one call
of each method on a 4-32-2 ReLU MLP (Adam, MSE) and one row of input, in
microseconds, for Lamina, Keras 3 on JAX, tf.keras 2 and PyTorch (its equivalent
of each call, one thread), plus the floor: a hand-written `jax.jit` forward pass and Adam step
(the step over the weights and Adam's state raveled into one donated buffer, its fastest form).

Each library runs in its own process (tf.keras 2 and Keras 3 cannot share one),
started in turn for `--rounds` alternating rounds, so a change of the machine's load
hits every library alike; the table gives each library's median over the rounds and
the ratios of the medians.

    python benchmarks/bench_per_call.py [--rounds 3] [--calls 300]
    python benchmarks/bench_per_call.py --lib lamina   # one library, JSON on stdout

The peers run from the interpreters below when they exist (set them with
`--keras-python` and `--tf-python`); a missing one gives a skipped row.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
KERAS_PYTHON = "/work/main/.bench-venv/bin/python"
TF_PYTHON = "/work/tf-venv/bin/python"
OPS = ["predict", "predict_on_batch", "model(x)", "train_on_batch", "test_on_batch"]
LIBS = ["lamina", "keras", "tf_keras", "torch", "floor"]
LABELS = {"lamina": "Lamina", "keras": "Keras 3 (JAX)", "tf_keras": "tf.keras 2",
          "torch": "PyTorch", "floor": "JAX floor (jit)"}


def _time(fn, calls: int, budget_s: float = 3.0) -> float:
    """Microseconds per call: the median of 3 timed runs of `calls` calls (fewer when
    one call is slow, so that a run stays near `budget_s`)."""
    for _ in range(10):
        fn()
    start = time.perf_counter()
    fn()
    one = time.perf_counter() - start
    calls = max(5, min(calls, int(budget_s / 3 / max(one, 1e-6))))
    runs = []
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        runs.append((time.perf_counter_ns() - start) / calls / 1e3)
    return statistics.median(runs)


def _keras_style(K, calls: int) -> dict:
    """The same code for Lamina, Keras 3 and tf.keras 2 (`K` is the module)."""
    import numpy as np

    model = K.Sequential([K.layers.Input((4,)), K.layers.Dense(32, activation="relu"),
                          K.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((1, 4), dtype=np.float32)
    y = np.random.default_rng(1).random((1, 2), dtype=np.float32)
    fns = {"predict": lambda: model.predict(x, verbose=0),
           "predict_on_batch": lambda: model.predict_on_batch(x),
           "model(x)": lambda: np.asarray(model(x)),
           "train_on_batch": lambda: model.train_on_batch(x, y),
           "test_on_batch": lambda: model.test_on_batch(x, y)}
    return {op: _time(fns[op], calls) for op in OPS}


def _torch(calls: int) -> dict:
    import numpy as np
    import torch

    # One row: threads only add hand-offs (with 2, a step took ~40 ms on the loaded
    # 2-core machine).
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = np.random.default_rng(0).random((1, 4), dtype=np.float32)
    y = np.random.default_rng(1).random((1, 2), dtype=np.float32)

    def forward():
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()

    def train():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        opt.step()
        return loss.item()

    def test():
        with torch.no_grad():
            return torch.nn.functional.mse_loss(model(torch.from_numpy(x)),
                                                torch.from_numpy(y)).item()

    fns = {"predict": forward, "predict_on_batch": forward, "model(x)": forward,
           "train_on_batch": train, "test_on_batch": test}
    return {op: _time(fns[op], calls) for op in OPS}


def _floor(calls: int) -> dict:
    """A hand-written jitted forward pass on a dict of arrays, and Adam step on the
    weights and optimizer state raveled into one buffer."""
    from functools import partial

    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    rng = np.random.default_rng(0)
    params = {"k1": jnp.asarray(rng.normal(size=(4, 32)), jnp.float32),
              "b1": jnp.zeros(32), "k2": jnp.asarray(rng.normal(size=(32, 2)), jnp.float32),
              "b2": jnp.zeros(2)}
    tx = optax.adam(1e-3)
    box = [params, tx.init(params)]
    x = rng.random((1, 4), dtype=np.float32)
    y = rng.random((1, 2), dtype=np.float32)

    def forward(p, x):
        return jax.nn.relu(x @ p["k1"] + p["b1"]) @ p["k2"] + p["b2"]

    def loss(p, x, y):
        return jnp.mean((forward(p, x) - y) ** 2)

    def step(p, s, x, y):
        value, grads = jax.value_and_grad(loss)(p, x, y)
        updates, s = tx.update(grads, s, p)
        return optax.apply_updates(p, updates), s, value

    # The best hand-written step: the weights and Adam's state in one flat buffer
    # (passing 15 small arrays in and out costs more than the step itself), donated.
    from jax.flatten_util import ravel_pytree
    flat, unravel = ravel_pytree((box[0], box[1]))

    @partial(jax.jit, donate_argnums=0)
    def flat_step(flat, x, y):
        p, s, value = step(*unravel(flat), x, y)
        return ravel_pytree((p, s))[0], value

    predict, evaluate = jax.jit(forward), jax.jit(loss)
    flat_box = [flat]

    def train():
        flat_box[0], value = flat_step(flat_box[0], x, y)
        return float(value)

    fns = {"predict": lambda: np.asarray(predict(box[0], x)),
           "predict_on_batch": lambda: np.asarray(predict(box[0], x)),
           "model(x)": lambda: np.asarray(predict(box[0], x)),
           "train_on_batch": train,
           "test_on_batch": lambda: float(evaluate(box[0], x, y))}
    return {op: _time(fns[op], calls) for op in OPS}


def run_one(lib: str, calls: int) -> dict:
    if lib == "lamina":
        sys.path.insert(0, REPO)
        import lamina
        return _keras_style(lamina, calls)
    if lib == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras
        return _keras_style(keras, calls)
    if lib == "tf_keras":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        return _keras_style(tf.keras, calls)
    if lib == "torch":
        return _torch(calls)
    return _floor(calls)


def _python_for(lib: str, args: argparse.Namespace) -> str | None:
    if lib in ("lamina", "floor"):
        return sys.executable
    path = args.tf_python if lib == "tf_keras" else args.keras_python
    return path if os.path.exists(path) else None


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=LIBS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--libs", default=",".join(LIBS))
    parser.add_argument("--keras-python", default=KERAS_PYTHON)
    parser.add_argument("--tf-python", default=TF_PYTHON)
    args = parser.parse_args()
    if args.lib:
        print(json.dumps(run_one(args.lib, args.calls)))
        return
    libs = args.libs.split(",")
    results: dict[str, list[dict]] = {lib: [] for lib in libs}
    skipped: dict[str, str] = {}
    loads = [_load()]
    for r in range(args.rounds):
        for lib in libs:
            python = _python_for(lib, args)
            if python is None:
                skipped[lib] = "interpreter not found"
                continue
            proc = subprocess.run([python, os.path.abspath(__file__), "--lib", lib,
                                   "--calls", str(args.calls)], capture_output=True,
                                  text=True, cwd=REPO)
            lines = proc.stdout.strip().splitlines()
            if proc.returncode != 0 or not lines:
                skipped[lib] = (proc.stderr.strip().splitlines() or ["failed"])[-1][:120]
                continue
            results[lib].append(json.loads(lines[-1]))
            print(f"round {r + 1} {lib}: " + ", ".join(
                f"{op} {v:,.0f}" for op, v in results[lib][-1].items()), file=sys.stderr)
        loads.append(_load())
    medians = {lib: {op: statistics.median(run[op] for run in runs) for op in OPS}
               for lib, runs in results.items() if runs}
    print(f"\nmicroseconds per call, 4-32-2 MLP, one row; median of {args.rounds} alternating "
          f"rounds; 1-minute load average {min(loads):.1f}-{max(loads):.1f}\n")
    print("| call | " + " | ".join(LABELS[lib] for lib in medians) + " | Lamina / Keras 3 |")
    print("|---|" + "---|" * (len(medians) + 1))
    for op in OPS:
        ratio = (f"{medians['lamina'][op] / medians['keras'][op]:.2f}"
                 if "lamina" in medians and "keras" in medians else "-")
        print(f"| `{op}` | " + " | ".join(f"{medians[lib][op]:,.0f}" for lib in medians)
              + f" | {ratio} |")
    for lib, why in skipped.items():
        print(f"\n{LABELS[lib]} skipped: {why}")


if __name__ == "__main__":
    main()
