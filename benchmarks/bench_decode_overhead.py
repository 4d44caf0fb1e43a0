"""The overhead of one `predict` call in a decoding loop, measured in interleaved rounds.

`bench_text.py`'s (c) runs each library's whole decoding loop once, one after the
other: on a loaded 2-core machine the rows then see different loads, and 40 calls a
sequence are too few to tell 100 µs apart. Here the same decoder step (the seq2seq
example's decoder model: LSTM 64 fed one one-hot character and its states, softmax
over 30 tokens) runs in rounds of `--calls` calls, the implementations taking turns
within each round; each reports the minimum and the median over rounds of the time
per call. Rows:

- `predict`, `predict_on_batch`: Lamina's decoder model, states fed back as the NumPy
  arrays predict returns;
- `predict, Embedding ids`: the same with the character given as a token id through an
  `Embedding` (whose ids are checked on the host every call);
- `floor`: the same step as a hand-written `jax.jit` function (states stay JAX arrays);
- `keras predict` (with `--keras`): Keras 3's predict, when Keras is importable.

    python benchmarks/bench_decode_overhead.py [--rounds 10] [--calls 200] [--keras]
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
import seq2seq_decode as s2s  # noqa: E402

T, U = s2s.TOKENS, s2s.LATENT


def decoder(K, w: dict, ids: bool = False):
    """Keras's inference decoder: `[token, h, c] -> [probs, h, c]`."""
    L = K.layers
    if ids:
        token = K.Input(shape=(1,))
        x = L.Embedding(T, T, embeddings_initializer="identity")(token)
    else:
        token = x = K.Input(shape=(None, T))
    lstm, dense = L.LSTM(U, return_sequences=True, return_state=True), \
        L.Dense(T, activation="softmax")
    states = [K.Input(shape=(U,)), K.Input(shape=(U,))]
    seq, h, c = lstm(x, initial_state=states)
    model = K.Model([token] + states, [dense(seq), h, c])
    lstm.set_weights([w["decoder/kernel"], w["decoder/recurrent"], w["decoder/bias"]])
    dense.set_weights([w["dense/kernel"], w["dense/bias"]])
    return model


def floor_step(w: dict):
    import jax
    import jax.numpy as jnp

    p = {k: jnp.asarray(v) for k, v in w.items()}

    @jax.jit
    def step(p, t, h, c):
        z = t[:, 0] @ p["decoder/kernel"] + h @ p["decoder/recurrent"] + p["decoder/bias"]
        i, f, g, o = jnp.split(z, 4, -1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return jax.nn.softmax(h @ p["dense/kernel"] + p["dense/bias"])[:, None], h, c

    return lambda t, s: step(p, t, *s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--keras", action="store_true")
    args = ap.parse_args()
    import lamina

    _, w = s2s.data()
    onehot = np.zeros((1, 1, T), np.float32)
    onehot[0, 0, 3] = 1
    token_id = np.array([[3]])
    zeros = [np.zeros((1, U), np.float32)] * 2
    dm, dm_ids, floor = decoder(lamina, w), decoder(lamina, w, ids=True), floor_step(w)

    def feed(call, x):
        def run(states):
            probs, h, c = call([x] + states)
            np.asarray(probs)
            return [h, c]
        return run

    rows = {"predict": feed(lambda a: dm.predict(a, verbose=0), onehot),
            "predict_on_batch": feed(dm.predict_on_batch, onehot),
            "predict, Embedding ids": feed(lambda a: dm_ids.predict(a, verbose=0), token_id),
            "floor (jax.jit step)": feed(lambda a: floor(a[0], a[1:]), onehot)}
    if args.keras:
        keras, why = common.keras_or_reason()
        if keras is not None:
            km = decoder(keras, w)
            rows["keras predict"] = feed(lambda a: km.predict(a, verbose=0), onehot)
        else:
            print(f"Keras 3 skipped: {why}", file=sys.stderr)
    for run in rows.values():  # compile and warm up
        states = zeros
        for _ in range(20):
            states = run(states)
    times: dict[str, list[float]] = {k: [] for k in rows}
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for name, run in rows.items():
            calls = args.calls if not name.startswith("keras") else max(args.calls // 10, 10)
            states, t0 = zeros, time.perf_counter()
            for _ in range(calls):
                states = run(states)
            times[name].append((time.perf_counter() - t0) / calls * 1e6)
    floor_min = min(times["floor (jax.jit step)"])
    floor_med = statistics.median(times["floor (jax.jit step)"])
    print(f"1-minute load before/after: {load_before[0]:.1f}/{os.getloadavg()[0]:.1f}; "
          f"{args.rounds} rounds of {args.calls} calls (Keras: a tenth)\n")
    print("| call | min µs | median µs | overhead over the floor (min / median) |")
    print("|---|---|---|---|")
    for name, t in times.items():
        lo, med = min(t), statistics.median(t)
        over = "-" if name.startswith("floor") else \
            f"{lo - floor_min:.0f} / {med - floor_med:.0f} µs"
        print(f"| {name} | {lo:.0f} | {med:.0f} | {over} |")


if __name__ == "__main__":
    main()
