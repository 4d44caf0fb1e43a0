"""Workload (b): red-wine-like regression, a wide MLP, validation every epoch.

1119 training and 480 validation rows of 11 features (synthetic, with the ranges of
the red-wine quality data, min-max scaled on the training rows as the course does),
integer targets 3..8. Model 11 -> 512 -> 512 -> 512 -> 1 relu, Adam (Keras defaults),
MAE, batch 256: 4 full batches and a remainder batch of 95 an epoch, then validation.

    python benchmarks/bench_wine.py [--epochs N] [--only lamina,floor] [--json out.json]
"""
from __future__ import annotations

import time

import numpy as np

import common
from common import Result

N_TRAIN, N_VAL = 1119, 480
SIZES = [11, 512, 512, 512, 1]
BATCH = 256
LR, EPS = 1e-3, 1e-7  # Keras's Adam defaults (beta_1 0.9, beta_2 0.999)
REPEAT = 3  # rounds; each row keeps its fastest (see common.run_rows)
EPOCHS = 40
SEED = 0

# (low, high) of each red-wine column: fixed acidity, volatile acidity, citric acid,
# residual sugar, chlorides, free SO2, total SO2, density, pH, sulphates, alcohol.
RANGES = [
    (4.6, 15.9), (0.12, 1.58), (0.0, 1.0), (0.9, 15.5), (0.012, 0.611), (1.0, 72.0),
    (6.0, 289.0), (0.990, 1.004), (2.74, 4.01), (0.33, 2.0), (8.4, 14.9),
]


def wine(seed: int = SEED) -> tuple[np.ndarray, ...]:
    """Correlated features in the wine ranges; quality rises with alcohol and
    sulphates and falls with volatile acidity, rounded and clipped to 3..8."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_VAL
    mix = rng.normal(size=(11, 11)) * 0.3 + np.eye(11)
    z = rng.normal(size=(n, 11)) @ mix
    z = (z - z.mean(0)) / z.std(0)
    u = 1.0 / (1.0 + np.exp(-1.2 * z))  # squash into (0, 1), skewed tails like the data
    lo, hi = np.array(RANGES).T
    raw = lo + u * (hi - lo)
    score = 5.6 + 0.45 * z[:, 10] - 0.35 * z[:, 1] + 0.2 * z[:, 9] - 0.1 * z[:, 6] + 0.15 * z[:, 10] * z[:, 9]
    q = np.clip(np.rint(score + rng.normal(scale=0.55, size=n)), 3, 8)
    xt, xv = raw[:N_TRAIN], raw[N_TRAIN:]
    mn, mx = xt.min(0), xt.max(0)
    scale = lambda a: ((a - mn) / (mx - mn)).astype(np.float32)  # noqa: E731
    yt = q[:N_TRAIN, None].astype(np.float32)
    yv = q[N_TRAIN:, None].astype(np.float32)
    return scale(xt), yt, scale(xv), yv


def flat_init() -> list[np.ndarray]:
    return [a for wb in common.dense_init(SIZES, SEED) for a in wb]


# --------------------------------------------------------------------------- Lamina / Keras


def keras_style_row(K, data, epochs: int, steps_per_execution: int | None = None) -> Result:
    xt, yt, xv, yv = data
    model = K.Sequential(
        [K.layers.Input((11,))]
        + [K.layers.Dense(u, activation="relu") for u in SIZES[1:-1]]
        + [K.layers.Dense(1)]
    )
    extra = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    model.compile(optimizer=K.optimizers.Adam(), loss="mae", **extra)
    same_init = common.set_keras_style_weights(model, flat_init())
    times, final, note = common.timed_keras_style_fit(
        K, model, xt, yt, epochs=epochs, batch_size=BATCH, validation_data=(xv, yv)
    )
    notes = [n for n in (note, "" if same_init else "own init") if n]
    if steps_per_execution:
        notes.append(f"steps_per_execution={steps_per_execution}")
    return Result("", times, final, "; ".join(notes))


# --------------------------------------------------------------------------- the floor


def floor_row(data, epochs: int) -> Result:
    """Hand-written JAX: optax Adam, data on the device once, per epoch one jitted
    lax.scan over the 4 full shuffled batches, then the remainder batch (95 rows)
    as a separate jitted step, as Lamina does, then one jitted validation pass."""
    import jax
    import jax.numpy as jnp
    import optax

    xt, yt, xv, yv = (jax.device_put(a) for a in data)
    n = xt.shape[0]
    steps, rem = divmod(n, BATCH)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in common.dense_init(SIZES, SEED)]
    opt = optax.adam(LR, b1=0.9, b2=0.999, eps=EPS)
    opt_state = opt.init(params)

    def forward(params, xb):
        h = xb
        for w, b in params[:-1]:
            h = jax.nn.relu(h @ w + b)
        w, b = params[-1]
        return h @ w + b

    def loss_fn(params, xb, yb):
        return jnp.mean(jnp.abs(forward(params, xb) - yb))

    def train_step(params, opt_state, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    @jax.jit
    def train_epoch(params, opt_state, x, y, perm):
        order = perm[: steps * BATCH].reshape(steps, BATCH)

        def body(carry, idx):
            params, opt_state = carry
            params, opt_state, loss = train_step(params, opt_state, x[idx], y[idx])
            return (params, opt_state), loss

        (params, opt_state), losses = jax.lax.scan(body, (params, opt_state), order)
        return params, opt_state, jnp.sum(losses) * BATCH, perm[steps * BATCH :]

    @jax.jit
    def remainder_step(params, opt_state, x, y, idx):
        params, opt_state, loss = train_step(params, opt_state, x[idx], y[idx])
        return params, opt_state, loss * idx.shape[0]

    @jax.jit
    def evaluate(params, x, y):
        return loss_fn(params, x, y)

    stamps, t0 = [], time.perf_counter()
    for epoch in range(epochs):
        params, opt_state, loss_sum, rest = train_epoch(
            params, opt_state, xt, yt, jax.device_put(common.host_permutation(SEED, epoch, n)))
        if rem:
            params, opt_state, rem_sum = remainder_step(params, opt_state, xt, yt, rest)
            loss_sum = loss_sum + rem_sum
        val = evaluate(params, xv, yv)
        loss, val_loss = float(loss_sum) / n, float(val)  # the epoch's logs reach the host
        stamps.append(time.perf_counter())
    return Result(
        "",
        np.diff([t0] + stamps).tolist(),
        {"loss": loss, "val_loss": val_loss},
        f"remainder batch of {rem} as a 2nd jitted step",
    )


# --------------------------------------------------------------------------- PyTorch


def torch_row(torch, data, epochs: int) -> Result:
    nn = torch.nn
    torch.manual_seed(SEED)
    layers = []
    for i, (w, b) in enumerate(common.dense_init(SIZES, SEED)):
        lin = nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=EPS)
    loss_fn = nn.L1Loss()
    xt, yt, xv, yv = (torch.from_numpy(a) for a in data)
    n = len(xt)
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n)
        xs, ys = xt[perm], yt[perm]
        total = torch.zeros(())
        for i in range(0, n, BATCH):
            xb, yb = xs[i : i + BATCH], ys[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
        model.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(model(xv), yv))
        loss = float(total) / n
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": loss, "val_loss": val_loss})


# --------------------------------------------------------------------------- scikit-learn


def sklearn_row(nn_mod, data, epochs: int) -> Result:
    """MLPRegressor with the same layers, Adam and batch; one partial_fit per epoch
    and a predict on the validation rows. It has no MAE loss: it trains squared
    error, so only its val_loss (the MAE of its predictions) is comparable."""
    xt, yt, xv, yv = data
    model = nn_mod.MLPRegressor(
        hidden_layer_sizes=tuple(SIZES[1:-1]),
        activation="relu",
        solver="adam",
        learning_rate_init=LR,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=EPS,
        alpha=0.0,
        batch_size=BATCH,
        shuffle=True,
        random_state=SEED,
    )
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        model.partial_fit(xt, yt.ravel())
        val_loss = float(np.mean(np.abs(model.predict(xv) - yv.ravel())))
        stamps.append(time.perf_counter())
    return Result(
        "", np.diff([t0] + stamps).tolist(), {"val_loss": val_loss}, "trains squared error (no MAE); own init"
    )


def main() -> None:
    args = common.parse_args(EPOCHS, __doc__, REPEAT)
    data = wine()
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    skl, skl_why = common.sklearn_or_reason()
    E = args.epochs
    steps = int(np.ceil(N_TRAIN / BATCH))
    rows = {
        "lamina": (lambda: keras_style_row(lam, data, E)) if lam else (lambda: common.skipped("lamina", lam_why)),
        "floor": lambda: floor_row(data, E),
        "keras": (lambda: keras_style_row(keras, data, E)) if keras else (lambda: common.skipped("keras", keras_why)),
        "keras_spe": (lambda: keras_style_row(keras, data, E, steps)) if keras else (lambda: common.skipped("keras_spe", keras_why)),
        "torch": (lambda: torch_row(torch, data, E)) if torch else (lambda: common.skipped("torch", torch_why)),
        "sklearn": (lambda: sklearn_row(skl, data, E)) if skl else (lambda: common.skipped("sklearn", skl_why)),
    }
    results = common.run_rows(args, rows)
    problem = (
        f"Problem: wine-like, {N_TRAIN} train + {N_VAL} validation rows x 11, 11-512-512-512-1 relu, "
        f"Adam, MAE, batch {BATCH} ({steps} steps/epoch incl. a remainder of {N_TRAIN % BATCH}), "
        f"validation every epoch. A constant predictor of the training median scores val MAE "
        f"{np.mean(np.abs(np.median(data[1]) - data[3])):.3f}."
    )
    common.report(
        args, "wine", "(b) Wine-like regression, 11-512x3-1, batch 256, Adam, MAE + validation", E, results,
        ["loss", "val_loss"], problem,
    )


if __name__ == "__main__":
    main()
