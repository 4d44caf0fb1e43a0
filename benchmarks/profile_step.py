"""Where a tiny model's step spends its time: Lamina's compiled train step against
the floor's, kernel by kernel (workload (a)'s model, one batch of 10).

On a model this small every XLA kernel launched per step costs about as much as
the arithmetic in it, so the count of kernels in the step is the figure to watch.
This reads Lamina's private `model._programs` / `model._state()`; it is a diagnosis
aid, not a benchmark, and says so if those names have moved.

    python benchmarks/profile_step.py
"""
from __future__ import annotations

import collections
import re
import time

import numpy as np

import bench_spiral as spiral
import common


def entry_kernels(hlo: str) -> list[tuple[str, str, str]]:
    """(op, shape, source op name) for each kernel the compiled program launches."""
    entry = hlo[hlo.index("ENTRY"):]
    entry = entry[: entry.index("\n}")]
    out = []
    for line in entry.splitlines():
        m = re.search(r"= (\S+) (fusion|copy|dot|custom-call|while|conditional)\(", line)
        if m:
            src = re.search(r'op_name="([^"]*)"', line)
            out.append((m.group(2), m.group(1), src.group(1) if src else ""))
    return out


def median_us(fn, n: int = 500) -> float:
    import jax

    jax.block_until_ready(fn())
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t)
    return float(np.median(ts) * 1e6)


def main() -> None:
    import jax
    import jax.numpy as jnp
    import optax

    lam, why = common.lamina_or_reason()
    if lam is None:
        raise SystemExit(why)
    x, y = spiral.spiral()
    K = lam
    model = K.Sequential(
        [K.layers.Input((2,))] + [K.layers.Dense(u, activation="relu") for u in spiral.SIZES[1:-1]] + [K.layers.Dense(1)]
    )
    model.compile(optimizer=K.optimizers.SGD(spiral.LR), loss="mse")
    model.fit(x, y, batch_size=spiral.BATCH, epochs=1, verbose=0)
    xb, yb = jax.device_put(x[: spiral.BATCH]), jax.device_put(y[: spiral.BATCH])
    try:
        step = model._programs["train_step"]
        state = model._state()
        lam_hlo = step.lower(state, (xb, yb, None)).compile().as_text()
    except (AttributeError, KeyError, TypeError) as exc:
        raise SystemExit(f"Lamina's private programs have moved ({exc}); update this script.")

    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in common.dense_init(spiral.SIZES, spiral.SEED)]
    opt = optax.sgd(spiral.LR)
    opt_state = opt.init(params)

    def loss_fn(params, xb, yb):
        h = xb
        for w, b in params[:-1]:
            h = jax.nn.relu(h @ w + b)
        w, b = params[-1]
        return jnp.mean((h @ w + b - yb) ** 2)

    @jax.jit
    def floor_step(params, opt_state, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    floor_hlo = floor_step.lower(params, opt_state, xb, yb).compile().as_text()
    for name, hlo in (("lamina", lam_hlo), ("floor", floor_hlo)):
        ks = entry_kernels(hlo)
        print(f"{name}: {len(ks)} kernels per step: {dict(collections.Counter(k[0] for k in ks))}")
    print("\nLamina's kernels (op, shape, source):")
    for k in entry_kernels(lam_hlo):
        print("  ", *k)
    t_lam = median_us(lambda: step(state, (xb, yb, None)))
    t_floor = median_us(lambda: floor_step(params, opt_state, xb, yb))
    print(f"\none step as its own call: lamina {t_lam:.0f} us, floor {t_floor:.0f} us (includes dispatch)")


if __name__ == "__main__":
    main()
