"""Workload (a): TensorFlow Playground's 2-D spiral, a tiny MLP, batch 10.

1000 points, model 2 -> 8 -> 8 -> 8 -> 1 (relu, linear output), SGD(0.03), MSE on
labels +-1, batch 10 (100 steps an epoch, no remainder batch). Each step is a few
kiloflops, so this measures per-step overhead: the Python dispatch that Lamina's
one-program-per-epoch design removes.

    python benchmarks/bench_spiral.py [--epochs N] [--only lamina,floor] [--json out.json]
"""
from __future__ import annotations

import time

import numpy as np

import common
from common import Result

N_POINTS = 1000
SIZES = [2, 8, 8, 8, 1]
BATCH = 10
LR = 0.03
REPEAT = 3  # rounds; each row keeps its fastest (see common.run_rows)
EPOCHS = 30
SEED = 0


def spiral(n: int = N_POINTS, noise: float = 0.0, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The Playground's `classifySpiralData`: two arms, labels +1 and -1.

    Arm k (k = 0, 1) has points i = 0..n/2-1 with r = 5 i / (n/2) and
    t = 1.75 * 2 pi i / (n/2) + k pi, at (r sin t, r cos t) plus uniform noise.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    xs, ys = [], []
    for delta, label in ((0.0, 1.0), (np.pi, -1.0)):
        i = np.arange(half)
        r = i / half * 5.0
        t = 1.75 * i / half * 2.0 * np.pi + delta
        px = r * np.sin(t) + rng.uniform(-1, 1, half) * noise
        py = r * np.cos(t) + rng.uniform(-1, 1, half) * noise
        xs.append(np.stack([px, py], axis=1))
        ys.append(np.full((half, 1), label))
    x = np.concatenate(xs).astype(np.float32)
    y = np.concatenate(ys).astype(np.float32)
    order = rng.permutation(len(x))
    return x[order], y[order]


def flat_init() -> list[np.ndarray]:
    return [a for wb in common.dense_init(SIZES, SEED) for a in wb]


# --------------------------------------------------------------------------- Lamina / Keras


def keras_style_row(K, x, y, epochs: int, steps_per_execution: int | None = None) -> Result:
    model = K.Sequential(
        [K.layers.Input((2,))]
        + [K.layers.Dense(u, activation="relu") for u in SIZES[1:-1]]
        + [K.layers.Dense(1)]
    )
    extra = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    model.compile(optimizer=K.optimizers.SGD(LR), loss="mse", **extra)
    same_init = common.set_keras_style_weights(model, flat_init())
    times, final, note = common.timed_keras_style_fit(K, model, x, y, epochs=epochs, batch_size=BATCH)
    notes = [n for n in (note, "" if same_init else "own init") if n]
    if steps_per_execution:
        notes.append(f"steps_per_execution={steps_per_execution}")
    return Result("", times, final, "; ".join(notes))


# --------------------------------------------------------------------------- the floor


def floor_row(x_np, y_np, epochs: int) -> Result:
    """Hand-written JAX: params as arrays, optax SGD, one jitted lax.scan per epoch.

    The data go to the device once; each epoch takes a permutation drawn on the host (as
    Lamina does) and scans over the (steps, batch) index array. 1000 / 10 leaves no remainder batch
    here, so the remainder step is never called (see bench_wine.py for one that is).
    """
    import jax
    import jax.numpy as jnp
    import optax

    x, y = jax.device_put(x_np), jax.device_put(y_np)
    n = x.shape[0]
    steps = n // BATCH
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in common.dense_init(SIZES, SEED)]
    opt = optax.sgd(LR)
    opt_state = opt.init(params)

    def forward(params, xb):
        h = xb
        for w, b in params[:-1]:
            h = jax.nn.relu(h @ w + b)
        w, b = params[-1]
        return h @ w + b

    def loss_fn(params, xb, yb):
        return jnp.mean((forward(params, xb) - yb) ** 2)

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
        return params, opt_state, jnp.sum(losses) * BATCH

    stamps, t0 = [], time.perf_counter()
    for epoch in range(epochs):
        params, opt_state, loss_sum = train_epoch(params, opt_state, x, y, jax.device_put(common.host_permutation(SEED, epoch, n)))
        loss = float(loss_sum) / n  # the epoch's logs reach the host
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": loss}, "no remainder batch (1000/10)")


# --------------------------------------------------------------------------- PyTorch


def torch_row(torch, x_np, y_np, epochs: int) -> Result:
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
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.MSELoss()
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    n = len(x)
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        xs, ys = x[perm], y[perm]
        total = torch.zeros(())
        for i in range(0, n, BATCH):
            xb, yb = xs[i : i + BATCH], ys[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
        loss = float(total) / n
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": loss})


# --------------------------------------------------------------------------- scikit-learn


def sklearn_row(nn_mod, x, y, epochs: int) -> Result:
    """MLPRegressor, SGD without momentum, no L2, batch 10; one partial_fit per epoch.

    Its `loss_` is half the MSE; the table shows 2 * loss_ to compare. It draws its
    own initial weights (and random biases), so its final loss differs a little.
    """
    model = nn_mod.MLPRegressor(
        hidden_layer_sizes=tuple(SIZES[1:-1]),
        activation="relu",
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=BATCH,
        shuffle=True,
        random_state=SEED,
    )
    yy = y.ravel()
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        model.partial_fit(x, yy)
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": 2 * model.loss_}, "own init; loss = 2*loss_")


def main() -> None:
    args = common.parse_args(EPOCHS, __doc__, REPEAT)
    x, y = spiral()
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    skl, skl_why = common.sklearn_or_reason()
    E = args.epochs
    steps = int(np.ceil(len(x) / BATCH))
    rows = {
        "lamina": (lambda: keras_style_row(lam, x, y, E)) if lam else (lambda: common.skipped("lamina", lam_why)),
        "floor": lambda: floor_row(x, y, E),
        "keras": (lambda: keras_style_row(keras, x, y, E)) if keras else (lambda: common.skipped("keras", keras_why)),
        "keras_spe": (lambda: keras_style_row(keras, x, y, E, steps)) if keras else (lambda: common.skipped("keras_spe", keras_why)),
        "torch": (lambda: torch_row(torch, x, y, E)) if torch else (lambda: common.skipped("torch", torch_why)),
        "sklearn": (lambda: sklearn_row(skl, x, y, E)) if skl else (lambda: common.skipped("sklearn", skl_why)),
    }
    results = common.run_rows(args, rows)
    problem = (
        f"Problem: spiral, {len(x)} points, 2-8-8-8-1 relu, SGD lr {LR}, MSE, batch {BATCH} "
        f"({steps} steps/epoch). Final 'loss' is the last epoch's mean training loss."
    )
    common.report(args, "spiral", "(a) Spiral, 2-8-8-8-1, batch 10, SGD, MSE", E, results, ["loss"], problem)


if __name__ == "__main__":
    main()
