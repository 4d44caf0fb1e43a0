"""Training workloads of sequences, shared by `bench_text.py`: the data, one set of
initial weights, and each implementation's row (Lamina / Keras 3 / tf.keras 2 through
the same Keras code, a hand-written JAX floor, PyTorch).

- text: the book's chapter-10 classifier, Embedding(20,000 x 100) -> LSTM(10) ->
  Dense(1, sigmoid), sequences of 200 token ids (pre-padded), 1,024 rows, batch 32,
  Adam, binary crossentropy with accuracy;
- forecast: a 2-layer LSTM forecaster, windows of 30 steps of a noisy seasonal
  series -> LSTM(32, return_sequences) -> LSTM(32) -> Dense(1), 1,024 rows, batch 32,
  Adam, MSE.
"""
from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np

import common
from common import Result

SEED = 0
BATCH = 32
ROWS = 1024
LR, EPS = 1e-3, 1e-7  # Keras's Adam defaults


class Spec(NamedTuple):
    """One workload: the data and weights every row shares, and its loss."""

    name: str
    x: np.ndarray
    y: np.ndarray
    weights: dict           # name -> array, Keras's layouts
    loss: str               # "bce" or "mse"


# --------------------------------------------------------------------------- data


def text_spec(vocab: int = 20_000, dim: int = 100, units: int = 10, maxlen: int = 200) -> Spec:
    """Token ids with Zipf-like frequencies, pre-padded with 0 like pad_sequences; the
    label says whether "good" ids (1..50) outnumber "bad" ones (51..100)."""
    rng = np.random.default_rng(SEED)
    x = np.zeros((ROWS, maxlen), np.int64)
    for i, n in enumerate(rng.integers(50, maxlen + 1, ROWS)):
        x[i, maxlen - n:] = np.minimum(rng.zipf(1.3, n), vocab - 1)
    good = ((x >= 1) & (x <= 50)).sum(1)
    bad = ((x >= 51) & (x <= 100)).sum(1)
    y = (good > bad).astype(np.float32)[:, None]
    return Spec("text", x.astype(np.float32), y, _weights(rng, dim, [units], vocab), "bce")


def forecast_spec(window: int = 30, units: int = 32) -> Spec:
    """Windows of a seasonal series with trend and noise; the target is the next value."""
    rng = np.random.default_rng(SEED)
    t = np.arange(ROWS + window + 1)
    series = 0.5 * np.sin(2 * np.pi * t / 24) + 0.2 * np.sin(2 * np.pi * t / 7) + \
        0.001 * t + rng.normal(scale=0.1, size=t.shape)
    x = np.stack([series[i:i + window] for i in range(ROWS)])[..., None].astype(np.float32)
    y = series[window:window + ROWS, None].astype(np.float32)
    return Spec("forecast", x, y, _weights(rng, 1, [units, units]), "mse")


def _orthogonal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
    q = q * np.sign(np.diag(r))
    return (q if rows >= cols else q.T)[:rows, :cols].astype(np.float32)


def _weights(rng: np.random.Generator, features: int, units: list[int],
             vocab: int | None = None) -> dict:
    """Keras's initializers: uniform embeddings, glorot kernels, orthogonal recurrent
    kernels, the LSTM forget-gate bias at 1."""
    out: dict = {}
    if vocab is not None:
        out["embeddings"] = rng.uniform(-0.05, 0.05, (vocab, features)).astype(np.float32)
    fan_in = features
    for i, u in enumerate(units):
        out[f"lstm{i}/kernel"] = common.glorot_uniform(rng, fan_in, 4 * u)
        out[f"lstm{i}/recurrent"] = _orthogonal(rng, u, 4 * u)
        out[f"lstm{i}/bias"] = np.concatenate([np.zeros(u), np.ones(u), np.zeros(2 * u)]
                                              ).astype(np.float32)
        fan_in = u
    out["dense/kernel"] = common.glorot_uniform(rng, fan_in, 1)
    out["dense/bias"] = np.zeros(1, np.float32)
    return out


def _units(spec: Spec) -> list[int]:
    return [spec.weights[f"lstm{i}/recurrent"].shape[0]
            for i in range(sum(k.endswith("/recurrent") for k in spec.weights))]


# --------------------------------------------------------------------------- Keras-style


def keras_style_row(K: Any, spec: Spec, epochs: int,
                    steps_per_execution: int | None = None) -> Result:
    """The same Keras code for Lamina, Keras 3 and tf.keras 2."""
    L = K.layers
    units = _units(spec)
    if spec.name == "text":
        vocab, dim = spec.weights["embeddings"].shape
        stack = [K.Input(shape=spec.x.shape[1:]), L.Embedding(vocab, dim)]
    else:
        stack = [K.Input(shape=spec.x.shape[1:])]
    stack += [L.LSTM(u, return_sequences=i < len(units) - 1) for i, u in enumerate(units)]
    stack.append(L.Dense(1, activation="sigmoid" if spec.loss == "bce" else None))
    model = K.Sequential(stack)
    extra = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    if spec.loss == "bce":
        model.compile(optimizer=K.optimizers.Adam(LR), loss="binary_crossentropy",
                      metrics=["accuracy"], **extra)
    else:
        model.compile(optimizer=K.optimizers.Adam(LR), loss="mse", **extra)
    flat = ([spec.weights["embeddings"]] if spec.name == "text" else []) + [
        spec.weights[f"lstm{i}/{k}"] for i in range(len(units))
        for k in ("kernel", "recurrent", "bias")] + [spec.weights["dense/kernel"],
                                                     spec.weights["dense/bias"]]
    same = common.set_keras_style_weights(model, flat)
    times, final, note = common.timed_keras_style_fit(K, model, spec.x, spec.y,
                                                      epochs=epochs, batch_size=BATCH)
    notes = [n for n in (note, "" if same else "own init") if n]
    if steps_per_execution:
        notes.append(f"steps_per_execution={steps_per_execution}")
    return Result("", times, final, "; ".join(notes))


# --------------------------------------------------------------------------- the floor


def floor_row(spec: Spec, epochs: int, hand_gradient: bool = True) -> Result:
    """Hand-written JAX: the whole epoch is one jitted `lax.scan` over batches in a
    host-drawn order; each LSTM projects its inputs for all steps at once, then scans
    the recurrence; optax Adam. With `hand_gradient` the recurrence's gradient is
    written out (`lstm_floor`), else JAX differentiates the loop."""
    import jax
    import jax.numpy as jnp
    import optax

    import lstm_floor

    units = _units(spec)
    params = {k: jnp.asarray(v) for k, v in spec.weights.items()}
    opt = optax.adam(LR, eps=EPS)
    opt_state = opt.init(params)
    x, y = jax.device_put(spec.x), jax.device_put(spec.y)
    n = len(spec.x)
    steps = n // BATCH

    def lstm(p, i, seq, last_only):
        z = jnp.swapaxes(seq @ p[f"lstm{i}/kernel"] + p[f"lstm{i}/bias"], 0, 1)
        u = units[i]

        def step(carry, z_t):
            h, c = carry
            z_t = z_t + h @ p[f"lstm{i}/recurrent"]
            c = jax.nn.sigmoid(z_t[:, u:2 * u]) * c + \
                jax.nn.sigmoid(z_t[:, :u]) * jnp.tanh(z_t[:, 2 * u:3 * u])
            h = jax.nn.sigmoid(z_t[:, 3 * u:]) * jnp.tanh(c)
            return (h, c), (None if last_only else h)

        zeros = jnp.zeros((seq.shape[0], u))
        if hand_gradient:
            hs, h, _ = lstm_floor.lstm_time_major(z, p[f"lstm{i}/recurrent"], zeros, zeros)
        else:
            (h, _), hs = jax.lax.scan(step, (zeros, zeros), z)
        return h if last_only else jnp.swapaxes(hs, 0, 1)

    def forward(p, xb):
        h = jnp.take(p["embeddings"], xb.astype(jnp.int32), axis=0) \
            if spec.name == "text" else xb
        for i in range(len(units)):
            h = lstm(p, i, h, last_only=i == len(units) - 1)
        out = h @ p["dense/kernel"] + p["dense/bias"]
        return jax.nn.sigmoid(out) if spec.loss == "bce" else out

    def loss_fn(p, xb, yb):
        pred = forward(p, xb)
        if spec.loss == "bce":
            q = jnp.clip(pred, EPS, 1 - EPS)
            loss = -jnp.mean(yb * jnp.log(q) + (1 - yb) * jnp.log(1 - q))
            return loss, jnp.sum((pred > 0.5) == (yb > 0.5))
        return jnp.mean((pred - yb) ** 2), 0

    @jax.jit
    def train_epoch(p, opt_state, x, y, perm):
        order = perm[: steps * BATCH].reshape(steps, BATCH)

        def body(carry, idx):
            p, opt_state = carry
            (loss, hits), grads = jax.value_and_grad(loss_fn, has_aux=True)(p, x[idx], y[idx])
            updates, opt_state = opt.update(grads, opt_state, p)
            return (optax.apply_updates(p, updates), opt_state), (loss, hits)

        (p, opt_state), (losses, hits) = jax.lax.scan(body, (p, opt_state), order)
        return p, opt_state, jnp.mean(losses), jnp.sum(hits)

    stamps, t0 = [], time.perf_counter()
    final: dict = {}
    for epoch in range(epochs):
        perm = jax.device_put(common.host_permutation(SEED, epoch, n))
        params, opt_state, loss, hits = train_epoch(params, opt_state, x, y, perm)
        final = {"loss": float(loss)}
        if spec.loss == "bce":
            final["accuracy"] = float(hits) / (steps * BATCH)
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), final,
                  f"no remainder batch ({n}/{BATCH})" +
                  ("; gradient of the loop by hand" if hand_gradient else
                   "; JAX differentiates the loop"))


# --------------------------------------------------------------------------- PyTorch


def torch_row(torch: Any, spec: Spec, epochs: int) -> Result:
    """nn.Embedding + nn.LSTM (batch_first) + nn.Linear, the same initial weights (the
    gate order i, f, g, o is Keras's i, f, c, o; b_hh = 0), Adam(eps=1e-7)."""
    nn = torch.nn
    torch.manual_seed(SEED)
    units = _units(spec)
    w = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in spec.weights.items()}

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if spec.name == "text":
                self.emb = nn.Embedding(*spec.weights["embeddings"].shape)
            sizes = [spec.x.shape[-1] if spec.name != "text" else
                     spec.weights["embeddings"].shape[1]] + units
            self.lstms = nn.ModuleList(nn.LSTM(a, b, batch_first=True)
                                       for a, b in zip(sizes[:-1], sizes[1:]))
            self.fc = nn.Linear(units[-1], 1)

        def forward(self, xb):
            h = self.emb(xb.long()) if spec.name == "text" else xb
            for lstm in self.lstms:
                h, (last, _) = lstm(h)
            out = self.fc(last[-1])
            return torch.sigmoid(out) if spec.loss == "bce" else out

    net = Net()
    with torch.no_grad():
        if spec.name == "text":
            net.emb.weight.copy_(w["embeddings"])
        for i, lstm in enumerate(net.lstms):
            lstm.weight_ih_l0.copy_(w[f"lstm{i}/kernel"].T)
            lstm.weight_hh_l0.copy_(w[f"lstm{i}/recurrent"].T)
            lstm.bias_ih_l0.copy_(w[f"lstm{i}/bias"])
            lstm.bias_hh_l0.zero_()
        net.fc.weight.copy_(w["dense/kernel"].T)
        net.fc.bias.copy_(w["dense/bias"])
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=EPS)
    loss_fn = nn.BCELoss() if spec.loss == "bce" else nn.MSELoss()
    x, y = torch.from_numpy(spec.x), torch.from_numpy(spec.y)
    n = len(x)
    stamps, t0 = [], time.perf_counter()
    final: dict = {}
    for _ in range(epochs):
        perm = torch.randperm(n)
        total, hits = 0.0, 0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            pred = net(x[idx])
            loss = loss_fn(pred, y[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            hits += int(((pred > 0.5) == (y[idx] > 0.5)).sum())
        final = {"loss": total / n}
        if spec.loss == "bce":
            final["accuracy"] = hits / n
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), final)
