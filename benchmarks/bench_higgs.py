"""Workload (c): Higgs-like binary classification, large data, BatchNorm and Dropout.

200,000 rows x 28 features (synthetic: 21 "low-level" kinematic-like columns and 7
"high-level" nonlinear functions of them, standardized), binary labels drawn from a
nonlinear logit. Model 3 x (Dense 512 + BatchNormalization + ReLU + Dropout 0.3),
then Dense(1, sigmoid); Adam (Keras defaults), binary crossentropy, binary accuracy,
batch 512: 390 full batches and a remainder of 320 an epoch. This one is compute
bound (about 0.65 TFLOP an epoch), so it measures the compiled step, not dispatch.

    python benchmarks/bench_higgs.py [--epochs N] [--only lamina,floor] [--json out.json]
"""
from __future__ import annotations

import time

import numpy as np

import common
from common import Result

N_ROWS, N_FEATURES = 200_000, 28
WIDTH, DEPTH = 512, 3
BATCH = 512
LR, EPS = 1e-3, 1e-7  # Keras's Adam defaults
BN_MOMENTUM, BN_EPS = 0.99, 1e-3  # Keras's BatchNormalization defaults
DROPOUT = 0.3
EPOCHS = 3
SEED = 0


def higgs(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = N_ROWS
    low = rng.normal(size=(n, 21)).astype(np.float64)
    low[:, 0::4] = np.abs(low[:, 0::4]) + 0.2  # transverse-momentum-like: positive, skewed
    low[:, 0::4] *= rng.gamma(2.0, 0.5, size=(n, 1))
    p1, p2, p3 = low[:, 0], low[:, 4], low[:, 8]
    high = np.stack(
        [
            np.sqrt(p1**2 + p2**2 + 2 * p1 * p2 * np.cos(low[:, 1] - low[:, 5])),
            np.sqrt(p2**2 + p3**2 + 2 * p2 * p3 * np.cos(low[:, 5] - low[:, 9])),
            p1 * p2 * np.cosh(low[:, 2] - low[:, 6]) / 5,
            np.log1p(p1 + p2 + p3),
            low[:, 3] * low[:, 7],
            np.tanh(low[:, 10] * low[:, 11]),
            np.abs(low[:, 12] - low[:, 13]),
        ],
        axis=1,
    )
    x = np.concatenate([low, high], axis=1)
    logit = (
        1.2 * (high[:, 0] - np.median(high[:, 0]))
        - 0.8 * (high[:, 1] - np.median(high[:, 1]))
        + 0.9 * high[:, 4]
        - 0.6 * high[:, 5]
        + 0.5 * np.sin(2 * low[:, 14]) * low[:, 15]
        + 0.3 * low[:, 16] ** 2
        - 0.3
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)[:, None]
    x = ((x - x.mean(0)) / x.std(0)).astype(np.float32)
    return x, y


def init_layers(seed: int = SEED):
    """Per hidden block: kernel, bias, gamma, beta, moving mean, moving variance; then
    the output kernel and bias. Keras's initializers, in Keras's weight order."""
    sizes = [N_FEATURES] + [WIDTH] * DEPTH + [1]
    dense = common.dense_init(sizes, seed)
    blocks = [
        (w, b, np.ones(WIDTH, np.float32), np.zeros(WIDTH, np.float32), np.zeros(WIDTH, np.float32), np.ones(WIDTH, np.float32))
        for w, b in dense[:-1]
    ]
    return blocks, dense[-1]


def flat_init() -> list[np.ndarray]:
    blocks, out = init_layers()
    return [a for blk in blocks for a in blk] + list(out)


# --------------------------------------------------------------------------- Lamina / Keras


def keras_style_row(K, x, y, epochs: int, steps_per_execution: int | None = None) -> Result:
    layers = [K.layers.Input((N_FEATURES,))]
    for _ in range(DEPTH):
        layers += [
            K.layers.Dense(WIDTH),
            K.layers.BatchNormalization(),
            K.layers.Activation("relu"),
            K.layers.Dropout(DROPOUT),
        ]
    layers.append(K.layers.Dense(1, activation="sigmoid"))
    model = K.Sequential(layers)
    extra = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    model.compile(
        optimizer=K.optimizers.Adam(), loss="binary_crossentropy", metrics=["binary_accuracy"], **extra
    )
    same_init = common.set_keras_style_weights(model, flat_init())
    times, final, note = common.timed_keras_style_fit(K, model, x, y, epochs=epochs, batch_size=BATCH)
    notes = [n for n in (note, "" if same_init else "own init") if n]
    if steps_per_execution:
        notes.append(f"steps_per_execution={steps_per_execution}")
    return Result("", times, final, "; ".join(notes))


# --------------------------------------------------------------------------- the floor


def floor_row(x_np, y_np, epochs: int) -> Result:
    """Hand-written JAX: BatchNormalization (batch statistics in training, moving
    averages with momentum 0.99) and inverted Dropout written out, optax Adam, data on
    the device once, per epoch one jitted lax.scan over the 390 shuffled full batches
    and the remainder batch (320 rows) as a separate jitted step, as Lamina does."""
    import jax
    import jax.numpy as jnp
    import optax

    x, y = jax.device_put(x_np), jax.device_put(y_np)
    n = x.shape[0]
    steps, rem = divmod(n, BATCH)
    blocks, (w_out, b_out) = init_layers()
    params = {
        "blocks": [tuple(jnp.asarray(a) for a in blk[:4]) for blk in blocks],
        "out": (jnp.asarray(w_out), jnp.asarray(b_out)),
    }
    stats = [tuple(jnp.asarray(a) for a in blk[4:]) for blk in blocks]
    opt = optax.adam(LR, b1=0.9, b2=0.999, eps=EPS)
    opt_state = opt.init(params)

    def forward(params, stats, xb, key):
        h, new_stats = xb, []
        for i, ((w, b, gamma, beta), (mm, mv)) in enumerate(zip(params["blocks"], stats)):
            h = h @ w + b
            mean, var = jnp.mean(h, axis=0), jnp.var(h, axis=0)
            h = (h - mean) * jax.lax.rsqrt(var + BN_EPS) * gamma + beta
            new_stats.append((BN_MOMENTUM * mm + (1 - BN_MOMENTUM) * mean, BN_MOMENTUM * mv + (1 - BN_MOMENTUM) * var))
            h = jax.nn.relu(h)
            keep = jax.random.bernoulli(jax.random.fold_in(key, i), 1 - DROPOUT, h.shape)
            h = jnp.where(keep, h / (1 - DROPOUT), 0.0)
        w, b = params["out"]
        return jax.nn.sigmoid(h @ w + b), new_stats

    def loss_fn(params, stats, xb, yb, key):
        p, new_stats = forward(params, stats, xb, key)
        p = jnp.clip(p, 1e-7, 1 - 1e-7)
        loss = -jnp.mean(yb * jnp.log(p) + (1 - yb) * jnp.log(1 - p))
        correct = jnp.sum((p > 0.5) == (yb > 0.5))
        return loss, (new_stats, correct)

    def train_step(params, stats, opt_state, xb, yb, key):
        (loss, (stats, correct)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, stats, xb, yb, key)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), stats, opt_state, loss * xb.shape[0], correct

    @jax.jit
    def train_epoch(params, stats, opt_state, x, y, perm, ekey):
        order = perm[: steps * BATCH].reshape(steps, BATCH)

        def body(carry, inp):
            params, stats, opt_state = carry
            idx, i = inp
            params, stats, opt_state, loss, correct = train_step(
                params, stats, opt_state, x[idx], y[idx], jax.random.fold_in(ekey, i)
            )
            return (params, stats, opt_state), (loss, correct)

        (params, stats, opt_state), (losses, corrects) = jax.lax.scan(
            body, (params, stats, opt_state), (order, jnp.arange(1, steps + 1))
        )
        return params, stats, opt_state, jnp.sum(losses), jnp.sum(corrects), perm[steps * BATCH :], ekey

    @jax.jit
    def remainder_step(params, stats, opt_state, x, y, idx, ekey):
        return train_step(params, stats, opt_state, x[idx], y[idx], jax.random.fold_in(ekey, 0))

    key = jax.random.PRNGKey(SEED)
    stamps, t0 = [], time.perf_counter()
    for epoch in range(epochs):
        params, stats, opt_state, loss_sum, correct, rest, ekey = train_epoch(
            params, stats, opt_state, x, y, jax.device_put(common.host_permutation(SEED, epoch, n)),
            jax.random.fold_in(key, epoch))
        if rem:
            params, stats, opt_state, rl, rc = remainder_step(params, stats, opt_state, x, y, rest, ekey)
            loss_sum, correct = loss_sum + rl, correct + rc
        loss, acc = float(loss_sum) / n, float(correct) / n  # the epoch's logs reach the host
        stamps.append(time.perf_counter())
    return Result(
        "",
        np.diff([t0] + stamps).tolist(),
        {"loss": loss, "binary_accuracy": acc},
        f"remainder batch of {rem} as a 2nd jitted step",
    )


# --------------------------------------------------------------------------- PyTorch


def torch_row(torch, x_np, y_np, epochs: int) -> Result:
    nn = torch.nn
    torch.manual_seed(SEED)
    blocks, (w_out, b_out) = init_layers()
    layers = []
    for w, b, *_ in blocks:
        lin = nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        # torch's momentum is the weight of the new batch: 1 - Keras's momentum.
        layers += [lin, nn.BatchNorm1d(WIDTH, eps=BN_EPS, momentum=1 - BN_MOMENTUM), nn.ReLU(), nn.Dropout(DROPOUT)]
    out = nn.Linear(WIDTH, 1)
    with torch.no_grad():
        out.weight.copy_(torch.from_numpy(w_out.T))
        out.bias.copy_(torch.from_numpy(b_out))
    model = nn.Sequential(*layers, out, nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=EPS)
    loss_fn = nn.BCELoss()
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    n = len(x)
    model.train()
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        xs, ys = x[perm], y[perm]
        total, correct = torch.zeros(()), torch.zeros(())
        for i in range(0, n, BATCH):
            xb, yb = xs[i : i + BATCH], ys[i : i + BATCH]
            opt.zero_grad()
            p = model(xb)
            loss = loss_fn(p, yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
            correct += ((p.detach() > 0.5) == (yb > 0.5)).sum()
        loss, acc = float(total) / n, float(correct) / n
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": loss, "binary_accuracy": acc})


def main() -> None:
    args = common.parse_args(EPOCHS, __doc__)
    x, y = higgs()
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    E = args.epochs
    steps = int(np.ceil(N_ROWS / BATCH))
    rows = {
        "lamina": (lambda: keras_style_row(lam, x, y, E)) if lam else (lambda: common.skipped("lamina", lam_why)),
        "floor": lambda: floor_row(x, y, E),
        "keras": (lambda: keras_style_row(keras, x, y, E)) if keras else (lambda: common.skipped("keras", keras_why)),
        "keras_spe": (lambda: keras_style_row(keras, x, y, E, steps)) if keras else (lambda: common.skipped("keras_spe", keras_why)),
        "torch": (lambda: torch_row(torch, x, y, E)) if torch else (lambda: common.skipped("torch", torch_why)),
    }
    results = common.run_rows(args, rows)
    problem = (
        f"Problem: Higgs-like, {N_ROWS} x {N_FEATURES}, 3 x (Dense {WIDTH} + BN + ReLU + Dropout {DROPOUT}) + sigmoid, "
        f"Adam, binary crossentropy, batch {BATCH} ({steps} steps/epoch incl. a remainder of {N_ROWS % BATCH}); "
        f"positives {float(y.mean()):.3f} of rows. scikit-learn has no BatchNormalization or Dropout: not run."
    )
    common.report(
        args, "higgs", "(c) Higgs-like classification, 28-(512+BN+ReLU+Dropout)x3-1, batch 512, Adam, BCE", E, results,
        ["loss", "binary_accuracy"], problem,
    )


if __name__ == "__main__":
    main()
