"""LSTM inference: `evaluate` over 1,024 rows at batch 32, interleaved rounds.

The workloads of `bench_text.py` ((a) the chapter-10 text classifier, (b) the 2-layer
LSTM forecaster) with the same weights, evaluated (forward only: the loss of every
row) by each implementation in turn within each round; each reports the minimum and
the median over rounds, in milliseconds per pass over the 1,024 rows. Rows:

- `lamina`: `model.evaluate(x, y, batch_size=32)`;
- `floor, per gate`: a hand-written `jax.jit` program, one `lax.scan` over the 32
  batches, each LSTM a `lax.scan` over time whose step activates each gate's slice
  (`sigmoid(a[:, :u])`, ... as the LSTM equations are usually written);
- `floor, whole rows`: the same with `sigmoid` and `tanh` applied to the whole gate
  vector before slicing;
- `keras` (with `--keras`): Keras 3's `evaluate`, when Keras is importable.

    python benchmarks/bench_lstm_inference.py [--rounds 7] [--keras]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import sequence_workloads as sw  # noqa: E402


def keras_style(K, spec: sw.Spec):
    """The workload's model in Keras code, with the spec's weights, compiled."""
    L = K.layers
    units = sw._units(spec)
    stack = [K.Input(shape=spec.x.shape[1:])]
    flat = []
    if spec.name == "text":
        stack.append(L.Embedding(*spec.weights["embeddings"].shape))
        flat.append(spec.weights["embeddings"])
    stack += [L.LSTM(u, return_sequences=i < len(units) - 1) for i, u in enumerate(units)]
    stack.append(L.Dense(1, activation="sigmoid" if spec.loss == "bce" else None))
    model = K.Sequential(stack)
    model.compile(optimizer="adam",
                  loss="binary_crossentropy" if spec.loss == "bce" else "mse")
    flat += [spec.weights[f"lstm{i}/{k}"] for i in range(len(units))
             for k in ("kernel", "recurrent", "bias")]
    flat += [spec.weights["dense/kernel"], spec.weights["dense/bias"]]
    common.set_keras_style_weights(model, flat)
    return model


def floor(spec: sw.Spec, whole_rows: bool):
    """A jitted pass over all batches: the mean loss, as `evaluate` reports it."""
    import jax
    import jax.numpy as jnp

    units = sw._units(spec)
    p = {k: jnp.asarray(v) for k, v in spec.weights.items()}
    x = jnp.asarray(spec.x).reshape(-1, sw.BATCH, *spec.x.shape[1:])
    y = jnp.asarray(spec.y).reshape(-1, sw.BATCH, 1)

    def lstm(i, seq, last_only):
        u, kernel = units[i], p[f"lstm{i}/recurrent"]
        z = jnp.swapaxes(seq @ p[f"lstm{i}/kernel"] + p[f"lstm{i}/bias"], 0, 1)

        def step(carry, z_t):
            h, c = carry
            a = z_t + h @ kernel
            if whole_rows:
                s, t = jax.nn.sigmoid(a), jnp.tanh(a)
                i_, f, g, o = s[:, :u], s[:, u:2 * u], t[:, 2 * u:3 * u], s[:, 3 * u:]
            else:
                i_, f = jax.nn.sigmoid(a[:, :u]), jax.nn.sigmoid(a[:, u:2 * u])
                g, o = jnp.tanh(a[:, 2 * u:3 * u]), jax.nn.sigmoid(a[:, 3 * u:])
            c = f * c + i_ * g
            h = o * jnp.tanh(c)
            return (h, c), (None if last_only else h)

        zeros = jnp.zeros((seq.shape[0], u))
        (h, _), hs = jax.lax.scan(step, (zeros, zeros), z)
        return h if last_only else jnp.swapaxes(hs, 0, 1)

    def batch_loss(_, xy):
        xb, yb = xy
        h = jnp.take(p["embeddings"], xb.astype(jnp.int32), axis=0) \
            if spec.name == "text" else xb
        for i in range(len(units)):
            h = lstm(i, h, last_only=i == len(units) - 1)
        out = h @ p["dense/kernel"] + p["dense/bias"]
        if spec.loss == "bce":
            q = jnp.clip(jax.nn.sigmoid(out), 1e-7, 1 - 1e-7)
            return None, -jnp.mean(yb * jnp.log(q) + (1 - yb) * jnp.log(1 - q))
        return None, jnp.mean((out - yb) ** 2)

    run = jax.jit(lambda x, y: jnp.mean(jax.lax.scan(batch_loss, None, (x, y))[1]))
    return lambda: float(run(x, y))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--keras", action="store_true", help="add Keras 3's evaluate")
    args = p.parse_args()
    common.warm_up_jax()
    import lamina

    keras = None
    if args.keras:
        os.environ.setdefault("KERAS_BACKEND", "jax")
        try:
            import keras
        except ImportError as err:
            print(f"Keras not importable ({err}); its row is skipped", file=sys.stderr)
    for spec in (sw.text_spec(), sw.forecast_spec()):
        rows = {}
        for name, K in (("lamina", lamina), ("keras", keras)):
            if K is not None:
                model = keras_style(K, spec)
                rows[name] = (lambda m=model: m.evaluate(spec.x, spec.y, batch_size=sw.BATCH,
                                                         verbose=0))
        rows["floor, per gate"] = floor(spec, whole_rows=False)
        rows["floor, whole rows"] = floor(spec, whole_rows=True)
        losses = {name: run() for name, run in rows.items()}   # compiles each
        times: dict[str, list[float]] = {name: [] for name in rows}
        load0 = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name, run in rows.items():
                t = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - t)
        print(f"\n### ({spec.name}) evaluate over {len(spec.x)} rows, batch {sw.BATCH}: "
              f"{args.rounds} interleaved rounds, load {load0:.1f}/{os.getloadavg()[0]:.1f}\n")
        print("| implementation | min ms | median ms | loss |")
        print("|---|---|---|---|")
        for name, ts in times.items():
            loss = losses[name]
            loss = loss[0] if isinstance(loss, list) else loss
            print(f"| {name} | {1e3 * min(ts):.1f} | {1e3 * statistics.median(ts):.1f} | "
                  f"{float(loss):.5f} |")


if __name__ == "__main__":
    main()
