"""Shared harness for the benchmark scripts: timing, peers, tables, ratios.

Every workload script builds a list of `Result`s, one per implementation, all
trained for the same number of epochs on the same NumPy data, and hands them to
`report`. An implementation that cannot run here (a peer that is not installed,
Lamina while its `fit` is unfinished) gives a `Result` with `skipped` set and the
reason, so the scripts run in the main `.venv` too.

Timing rule, the same for everyone: the clock starts just before the first
training call (model built and compiled in the Keras sense, data in NumPy), and
an epoch ends when its logs are on the host as Python floats. The first epoch
therefore includes XLA compilation and the transfer of the data to the device;
the steady figure is the median of the epochs after the first.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

# Keras 3 reads its backend once, at import time.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, REPO)

# The names every script uses for its rows, in the order of the table.
ORDER = ["lamina", "floor", "keras", "keras_spe", "tf_keras", "torch", "sklearn"]
LABELS = {
    "lamina": "Lamina fit",
    "floor": "JAX floor (jit scan/epoch)",
    "keras": "Keras 3 (JAX) fit",
    "keras_spe": "Keras 3 (JAX) fit, steps_per_execution",
    "tf_keras": "tf.keras 2 (TensorFlow) fit",
    "torch": "PyTorch loop (2 threads)",
    "sklearn": "scikit-learn partial_fit",
}


@dataclass
class Result:
    """One implementation's run of one workload."""

    name: str
    epoch_times: list[float] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)
    note: str = ""
    skipped: str = ""
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    @property
    def first(self) -> float:
        return self.epoch_times[0]

    @property
    def steady(self) -> float:
        rest = self.epoch_times[1:] or self.epoch_times
        return statistics.median(rest)


def skipped(name: str, why: str) -> Result:
    return Result(name=name, skipped=why)


def guarded(name: str, fn: Callable[[], Result]) -> Result:
    """Runs one implementation; a failure becomes a skipped row, never a crash."""
    try:
        return fn()
    except Exception as exc:  # a peer or Lamina failing must not hide the others
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        print(f"  [{name}] failed: {msg}", file=sys.stderr)
        return skipped(name, f"failed: {msg}")


# --------------------------------------------------------------------------- peers


def lamina_or_reason():
    """Returns (lamina module, None) when its fit API is there, else (None, why)."""
    try:
        import lamina

        lamina.Sequential  # noqa: B018
        lamina.optimizers.Adam  # noqa: B018
        lamina.layers.Dense  # noqa: B018
        return lamina, None
    except Exception as exc:
        return None, f"Lamina's fit API is not importable yet ({type(exc).__name__}: {exc})"


def keras_or_reason():
    try:
        import keras

        if keras.backend.backend() != "jax":
            return None, f"Keras runs on {keras.backend.backend()!r}; set KERAS_BACKEND=jax"
        return keras, None
    except ImportError:
        return None, "keras not installed (make bench installs it into .bench-venv)"


def tf_keras_or_reason():
    """tf.keras 2 (`tf_keras` with TF_USE_LEGACY_KERAS=1), from a venv with TensorFlow."""
    try:
        import tf_keras

        return tf_keras, None
    except ImportError:
        return None, "tf-keras not installed (run this row with a Python that has tensorflow-cpu and tf-keras)"


def torch_or_reason():
    try:
        import torch

        torch.set_num_threads(2)
        return torch, None
    except ImportError:
        return None, "torch not installed (make bench installs it into .bench-venv)"


def sklearn_or_reason():
    try:
        import sklearn.neural_network  # noqa: F401

        return sklearn.neural_network, None
    except ImportError:
        return None, "scikit-learn not installed"


# --------------------------------------------------------------------------- init


def host_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The epoch's row order, drawn on the host as Lamina draws it (NumPy's shuffle of
    200,000 rows takes ~2 ms; XLA's sort-based `jax.random.permutation` 0.2-0.4 s on a
    2-core CPU), so the floor pays what Lamina pays for shuffling, no more."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, epoch]))
    return rng.permutation(n).astype(np.int32)


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)


def dense_init(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Keras's Dense defaults (glorot_uniform kernel, zero bias), shared by all rows."""
    rng = np.random.default_rng(seed)
    return [
        (glorot_uniform(rng, a, b), np.zeros((b,), np.float32))
        for a, b in zip(sizes[:-1], sizes[1:])
    ]


# --------------------------------------------------------------------------- Keras-style fit


def timed_keras_style_fit(K, model, x, y, *, epochs: int, **fit_kwargs) -> tuple[list[float], dict]:
    """`model.fit(..., verbose=0)` once for all epochs, timed per epoch by a callback.

    `K` is `keras` or `lamina`: the code is the same, as a user's would be. The
    callback turns the epoch's logs into floats, so each epoch is finished when its
    time is taken. If `K` has no `callbacks.Callback`, falls back to one
    `fit(epochs=1)` call per epoch (and says so in the note).
    """
    stamps: list[float] = []
    callback_cls = getattr(getattr(K, "callbacks", None), "Callback", None)
    if callback_cls is None:
        history: dict[str, list] = {}
        t0 = time.perf_counter()
        for _ in range(epochs):
            h = model.fit(x, y, epochs=1, verbose=0, **fit_kwargs)
            for k, v in h.history.items():
                history.setdefault(k, []).extend(float(a) for a in v)
            stamps.append(time.perf_counter())
        times = np.diff([t0] + stamps).tolist()
        return times, {k: v[-1] for k, v in history.items()}, "timed as fit(epochs=1) per epoch"

    class EpochTimer(callback_cls):
        def on_epoch_end(self, epoch, logs=None):
            for v in (logs or {}).values():
                float(v)
            stamps.append(time.perf_counter())

    t0 = time.perf_counter()
    h = model.fit(x, y, epochs=epochs, verbose=0, callbacks=[EpochTimer()], **fit_kwargs)
    times = np.diff([t0] + stamps).tolist()
    return times, {k: float(v[-1]) for k, v in h.history.items()}, ""


def set_keras_style_weights(model, weights: list[np.ndarray]) -> bool:
    """Gives `model` the shared initial weights, layer by layer, when shapes line up.

    Layer by layer because a layer's own order (kernel, bias; gamma, beta, moving
    mean, moving variance) is the same in tf.keras 2 and Keras 3, while the model's
    `weights` list is not (tf.keras 2 puts all trainable weights first).
    """
    try:
        rest = list(weights)
        plan = []
        for layer in model.layers:
            current = layer.get_weights()
            if not current:
                continue
            mine, rest = rest[: len(current)], rest[len(current) :]
            if [tuple(w.shape) for w in current] != [w.shape for w in mine]:
                return False
            plan.append((layer, mine))
        if rest:
            return False
        for layer, mine in plan:
            layer.set_weights(mine)
        return True
    except Exception:
        return False


# --------------------------------------------------------------------------- reporting


def fmt_s(t: float) -> str:
    if t >= 10:
        return f"{t:.1f}"
    if t >= 0.1:
        return f"{t:.3f}"
    return f"{t * 1000:.2f}m"


def fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def ratios(results: dict[str, Result]) -> list[tuple[str, str, str]]:
    """(what, steady ratio, first-epoch ratio) measured in this run."""
    ok = {k: r for k, r in results.items() if not r.skipped}
    out = []
    pairs = [
        ("lamina/floor", "lamina", "floor"),
        ("keras/lamina", "keras", "lamina"),
        ("keras_spe/lamina", "keras_spe", "lamina"),
        ("tf_keras/lamina", "tf_keras", "lamina"),
        ("torch/lamina", "torch", "lamina"),
        ("sklearn/lamina", "sklearn", "lamina"),
    ]
    for what, a, b in pairs:
        if a in ok and b in ok:
            out.append(
                (
                    what,
                    fmt_ratio(ok[a].steady, ok[b].steady),
                    fmt_ratio(ok[a].first, ok[b].first),
                )
            )
        else:
            gone = a if a not in ok else b
            out.append((what, f"n/a ({gone} not run)", "n/a"))
    return out


def markdown_table(title: str, epochs: int, results: dict[str, Result], loss_keys: list[str],
                   order: list[str] | None = None, labels: dict[str, str] | None = None,
                   with_ratios: bool = True) -> str:
    lines = [
        f"### {title}",
        "",
        f"{epochs} epochs each; times in seconds ('m' = milliseconds); steady = median of epochs 2..{epochs}; "
        "load = the machine's 1-minute load average before/after the row (2 cores: above ~1 means "
        "other processes shared the CPU).",
        "",
    ]
    head = "| implementation | first epoch | steady s/epoch | " + " | ".join(loss_keys) + " | load | note |"
    lines += [head, "|" + "---|" * (5 + len(loss_keys))]
    labels = labels or LABELS
    for name in order or ORDER:
        if name not in results:
            continue
        r = results[name]
        if r.skipped:
            lines.append(f"| {labels[name]} | - | - | " + " | ".join("-" for _ in loss_keys) + f" | - | skipped: {r.skipped} |")
            continue
        vals = " | ".join(f"{r.final[k]:.4f}" if k in r.final else "-" for k in loss_keys)
        load = f"{r.load[0]:.1f}/{r.load[1]:.1f}"
        lines.append(f"| {labels[name]} | {fmt_s(r.first)} | {fmt_s(r.steady)} | {vals} | {load} | {r.note} |")
    if with_ratios:
        lines += ["", "| ratio (same run) | steady | first epoch |", "|---|---|---|"]
        for what, s, f in ratios(results):
            lines.append(f"| {what} | {s} | {f} |")
    return "\n".join(lines) + "\n"


def parse_args(default_epochs: int, doc: str, default_repeat: int = 1) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--epochs", type=int, default=default_epochs)
    p.add_argument(
        "--repeat", type=int, default=default_repeat,
        help="rounds over all rows; each row keeps its fastest steady figure (first epoch: round 1)",
    )
    p.add_argument("--only", default="", help="comma-separated rows to run, e.g. lamina,floor")
    p.add_argument("--json", default="", help="also write the results to this JSON file")
    return p.parse_args()


def warm_up_jax() -> None:
    """Starts JAX's CPU client and its compiler once, before any clock runs.

    Otherwise whichever row runs first pays the start-up of the runtime (about half
    a second here) inside its first epoch.
    """
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return
    jax.jit(lambda a: a * 2 + 1)(jnp.ones((4,))).block_until_ready()


def run_rows(args, rows: dict[str, Callable[[], Result]],
             order: list[str] | None = None) -> dict[str, Result]:
    """Runs the rows in `ORDER`, `args.repeat` rounds round-robin.

    Other processes on a 2-core machine only ever add time, so with several rounds
    each row keeps the round with the smallest steady time. Its first-epoch figure
    always comes from round 1: later rounds may find compiled programs in JAX's
    in-process caches.
    """
    only = [s for s in args.only.split(",") if s]
    names = [n for n in order or ORDER if n in rows and (not only or n in only)]
    warm_up_jax()
    results: dict[str, Result] = {}
    for rnd in range(max(1, args.repeat)):
        for name in names:
            if rnd and results[name].skipped:
                continue
            print(f"  round {rnd + 1}: running {name} ...", file=sys.stderr, flush=True)
            before = os.getloadavg()[0]
            r = guarded(name, rows[name])
            r.name, r.load = name, (before, os.getloadavg()[0])
            if not r.skipped:
                print(
                    f"  {name}: first {r.first:.3f}s, steady {r.steady:.4f}s/epoch, final {r.final}",
                    file=sys.stderr,
                    flush=True,
                )
            best = results.get(name)
            if best is None:
                results[name] = r
            elif not r.skipped and r.steady < best.steady:
                r.epoch_times[0] = best.epoch_times[0]
                results[name] = r
    if args.repeat > 1:
        for r in results.values():
            if not r.skipped:
                r.note = "; ".join(x for x in (r.note, f"best of {args.repeat}") if x)
    return results


def report(args, key: str, title: str, epochs: int, results: dict[str, Result], loss_keys: list[str], problem: str) -> None:
    table = markdown_table(title, epochs, results, loss_keys)
    print(table)
    print(problem)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "key": key,
                    "title": title,
                    "epochs": epochs,
                    "problem": problem,
                    "loss_keys": loss_keys,
                    "table": table,
                    "results": {k: {**asdict(r), "first": (r.first if not r.skipped else None), "steady": (r.steady if not r.skipped else None)} for k, r in results.items()},
                },
                f,
                indent=1,
            )
