"""The seq2seq inference loop of Keras's character-level translator, shared by
`bench_text.py`: an encoder model gives the LSTM states, then a decoder model is called
with `predict` once per generated character (the argmax fed back one-hot), as the
Keras example's `decode_sequence` does. Every row decodes the same sequences with the
same (untrained) weights; each character costs one `predict` call of a small model on
a batch of one, so the loop measures the per-call overhead of `predict`.

The floor calls a jitted decoder step from the same Python loop; the difference
between a library's time per character and the floor's is that library's overhead
per `predict` call.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np

import common

TOKENS = 30      # characters in the vocabulary
LATENT = 64      # LSTM units of the encoder and decoder
ENC_LEN = 20     # characters in each input sequence
DECODE = 40      # characters generated per sequence
SEQUENCES = 6    # the first includes compilation; the rest are timed
SEED = 0


def data() -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(SEED)
    x = np.eye(TOKENS, dtype=np.float32)[rng.integers(0, TOKENS, (SEQUENCES, ENC_LEN))]
    w: dict = {}
    for part in ("encoder", "decoder"):
        w[f"{part}/kernel"] = common.glorot_uniform(rng, TOKENS, 4 * LATENT)
        w[f"{part}/recurrent"] = (rng.normal(size=(LATENT, 4 * LATENT)) /
                                  np.sqrt(LATENT)).astype(np.float32)
        w[f"{part}/bias"] = rng.normal(scale=0.1, size=4 * LATENT).astype(np.float32)
    w["dense/kernel"] = common.glorot_uniform(rng, LATENT, TOKENS)
    w["dense/bias"] = np.zeros(TOKENS, np.float32)
    return x, w


def _loop(encode: Callable, step: Callable, x: np.ndarray) -> tuple[float, list[float], list]:
    """Decode every sequence; returns (first sequence's seconds, seconds per character of
    each later sequence, the decoded ids)."""
    times, decoded = [], []
    for seq in x:
        t0 = time.perf_counter()
        states = encode(seq[None])
        target = np.zeros((1, 1, TOKENS), np.float32)
        target[0, 0, 0] = 1.0
        ids = []
        for _ in range(DECODE):
            probs, states = step(target, states)
            idx = int(np.argmax(probs[0, -1]))
            ids.append(idx)
            target = np.zeros((1, 1, TOKENS), np.float32)
            target[0, 0, idx] = 1.0
        times.append(time.perf_counter() - t0)
        decoded.append(ids)
    return times[0], [t / DECODE for t in times[1:]], decoded


def keras_style(K: Any, x: np.ndarray, w: dict) -> dict:
    """Keras's example, verbatim in spirit: training graph, then inference models."""
    L = K.layers
    encoder_inputs = K.Input(shape=(None, TOKENS))
    encoder_lstm = L.LSTM(LATENT, return_state=True)
    _, h, c = encoder_lstm(encoder_inputs)
    decoder_inputs = K.Input(shape=(None, TOKENS))
    decoder_lstm = L.LSTM(LATENT, return_sequences=True, return_state=True)
    seq, _, _ = decoder_lstm(decoder_inputs, initial_state=[h, c])
    decoder_dense = L.Dense(TOKENS, activation="softmax")
    model = K.Model([encoder_inputs, decoder_inputs], decoder_dense(seq))
    encoder_lstm.set_weights([w["encoder/kernel"], w["encoder/recurrent"], w["encoder/bias"]])
    decoder_lstm.set_weights([w["decoder/kernel"], w["decoder/recurrent"], w["decoder/bias"]])
    decoder_dense.set_weights([w["dense/kernel"], w["dense/bias"]])

    encoder_model = K.Model(encoder_inputs, [h, c])
    state_inputs = [K.Input(shape=(LATENT,)), K.Input(shape=(LATENT,))]
    seq, dh, dc = decoder_lstm(decoder_inputs, initial_state=state_inputs)
    decoder_model = K.Model([decoder_inputs] + state_inputs, [decoder_dense(seq), dh, dc])

    def encode(seq_x):
        return list(encoder_model.predict(seq_x, verbose=0))

    def step(target, states):
        probs, h, c = decoder_model.predict([target] + states, verbose=0)
        return probs, [h, c]

    first, per_char, ids = _loop(encode, step, x)
    return {"first": first, "per_char": per_char, "ids": ids}


def floor(x: np.ndarray, w: dict) -> dict:
    """Jitted encoder and decoder step, called from the same Python loop."""
    import jax
    import jax.numpy as jnp

    params = {k: jnp.asarray(v) for k, v in w.items()}

    def cell(p, part, x_t, h, c):
        z = x_t @ p[f"{part}/kernel"] + h @ p[f"{part}/recurrent"] + p[f"{part}/bias"]
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c

    @jax.jit
    def encoder(p, seq_x):
        zeros = jnp.zeros((seq_x.shape[0], LATENT))
        (h, c), _ = jax.lax.scan(lambda s, x_t: (cell(p, "encoder", x_t, *s), None),
                                 (zeros, zeros), jnp.swapaxes(seq_x, 0, 1))
        return h, c

    @jax.jit
    def decoder(p, target, h, c):
        h, c = cell(p, "decoder", target[:, 0], h, c)
        probs = jax.nn.softmax(h @ p["dense/kernel"] + p["dense/bias"])
        return probs[:, None], h, c

    def step(target, states):
        probs, h, c = decoder(params, target, *states)
        return np.asarray(probs), [h, c]

    first, per_char, ids = _loop(lambda s: list(encoder(params, s)), step, x)
    return {"first": first, "per_char": per_char, "ids": ids}


def torch_loop(torch: Any, x: np.ndarray, w: dict) -> dict:
    """nn.LSTM modules with the same weights, one forward per character, no_grad."""
    nn = torch.nn
    lstms = {}
    for part in ("encoder", "decoder"):
        lstm = nn.LSTM(TOKENS, LATENT, batch_first=True)
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(torch.from_numpy(w[f"{part}/kernel"].T.copy()))
            lstm.weight_hh_l0.copy_(torch.from_numpy(w[f"{part}/recurrent"].T.copy()))
            lstm.bias_ih_l0.copy_(torch.from_numpy(w[f"{part}/bias"]))
            lstm.bias_hh_l0.zero_()
        lstms[part] = lstm
    dense = nn.Linear(LATENT, TOKENS)
    with torch.no_grad():
        dense.weight.copy_(torch.from_numpy(w["dense/kernel"].T.copy()))
        dense.bias.copy_(torch.from_numpy(w["dense/bias"]))

    def encode(seq_x):
        with torch.no_grad():
            _, states = lstms["encoder"](torch.from_numpy(seq_x))
        return states

    def step(target, states):
        with torch.no_grad():
            seq, states = lstms["decoder"](torch.from_numpy(target), states)
            probs = torch.softmax(dense(seq), -1).numpy()
        return probs, states

    first, per_char, ids = _loop(encode, step, x)
    return {"first": first, "per_char": per_char, "ids": ids}


def table(results: dict[str, dict]) -> str:
    """Markdown: per-character time (the median over the timed sequences), ratios to
    Lamina, and each library's overhead per predict call over the floor."""
    ok = {k: r for k, r in results.items() if "skipped" not in r}
    lines = ["### (c) seq2seq inference loop: one `predict` per generated character", "",
             f"{SEQUENCES} sequences of {DECODE} characters; encoder and decoder LSTM "
             f"{LATENT}, {TOKENS} tokens, batch 1. First = the first sequence in seconds "
             "(compilation included); per char = median over the other sequences of "
             "(decoding time / characters); overhead = per char minus the floor's.", "",
             "| implementation | first sequence | per char | overhead per predict call "
             "| per char / Lamina's | same tokens as floor | load |",
             "|---|---|---|---|---|---|---|"]
    floor_per = statistics.median(ok["floor"]["per_char"]) if "floor" in ok else None
    lam_per = statistics.median(ok["lamina"]["per_char"]) if "lamina" in ok else None
    labels = {"lamina": "Lamina predict", "floor": "JAX floor (jitted step)",
              "keras": "Keras 3 (JAX) predict", "tf_keras": "tf.keras 2 predict",
              "torch": "PyTorch forward (no_grad, 1 thread)"}
    for name in ("lamina", "floor", "keras", "tf_keras", "torch"):
        if name not in results:
            continue
        r = results[name]
        if "skipped" in r:
            lines.append(f"| {labels[name]} | - | - | - | - | - | skipped: {r['skipped']} |")
            continue
        per = statistics.median(r["per_char"])
        over = "-" if floor_per is None or name == "floor" else f"{(per - floor_per) * 1e6:.0f} µs"
        ratio = "-" if lam_per is None else f"{per / lam_per:.2f}x"
        same = "-" if "floor" not in ok else str(r["ids"] == ok["floor"]["ids"])
        load = r.get("load", (0.0, 0.0))
        lines.append(f"| {labels[name]} | {r['first']:.3f} | {per * 1e6:.0f} µs | {over} | "
                     f"{ratio} | {same} | {load[0]:.1f}/{load[1]:.1f} |")
    return "\n".join(lines) + "\n"
