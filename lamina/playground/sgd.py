"""The SGD explorer: one-feature linear regression trained batch by batch.

The page animates the fitted line, the loss and the path of `(w, b)` over the
loss surface. Every batch's weights are needed, so the path comes from one
compiled scan over the shuffled batches of all epochs (the same update as
Lamina's `SGD` on `Dense(1)` with `loss="mse"`), cached per shape by `jax.jit`.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

_LIMITS = {"learning_rate": (1e-4, 2.0), "batch_size": (1, 256), "examples": (4, 512),
           "epochs": (1, 20), "seed": (0, 2**31 - 1)}
_DEFAULTS = {"learning_rate": 0.1, "batch_size": 8, "examples": 64, "epochs": 5, "seed": 0}
TRUE_W, TRUE_B, START = 2.0, 1.0, (-1.0, -1.5)


def _settings(raw: Any) -> dict:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise ValueError(f"SGD explorer settings must be an object, but received "
                         f"{type(raw).__name__}.")
    out = dict(_DEFAULTS)
    for key, value in raw.items():
        if key not in _LIMITS:
            raise ValueError(f"Unknown SGD explorer setting {str(key)[:40]!r}. Valid: "
                             f"{sorted(_LIMITS)}.")
        low, high = _LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise ValueError(f"SGD explorer setting '{key}' must be a number from {low} to "
                             f"{high}, but received {str(value)[:40]!r}.")
        out[key] = float(value) if key == "learning_rate" else int(value)
    return out


@jax.jit
def _path(x: Any, y: Any, order: Any, lr: Any) -> tuple:
    """Scan SGD over `order` (batches x batch_size indices): weights and loss per step."""

    def loss(params: Any, xb: Any, yb: Any) -> Any:
        return jnp.mean(jnp.square(params[0] * xb + params[1] - yb))

    def step(params: Any, idx: Any) -> tuple:
        grads = jax.grad(loss)(params, x[idx], y[idx])
        params = params - lr * grads
        return params, (params, loss(params, x, y))

    start = jnp.array(START, jnp.float32)
    _, (params, losses) = jax.lax.scan(step, start, order)
    return params, losses


def explore(raw: Any) -> dict:
    """The data, and the weights and full-data loss after every batch.

    Args:
        raw: `{"learning_rate", "batch_size", "examples", "epochs", "seed"}`, any subset.

    Returns:
        `{"type": "sgd", "x", "y", "path": [[w, b], ...], "loss": [...], "settings"}`;
        the path starts at the initial weights.

    Example:
        >>> out = explore({"learning_rate": 0.1, "batch_size": 4, "examples": 16})
        >>> len(out["path"]), len(out["loss"]), out["path"][0]
        (21, 21, [-1.0, -1.5])
    """
    s = _settings(raw)
    rng = np.random.default_rng(s["seed"])
    n, bs = s["examples"], min(s["batch_size"], s["examples"])
    x = rng.uniform(-1, 1, n).astype(np.float32)
    y = (TRUE_W * x + TRUE_B + rng.normal(0, 0.3, n)).astype(np.float32)
    steps = n // bs
    order = np.concatenate([rng.permutation(n)[: steps * bs].reshape(steps, bs)
                            for _ in range(s["epochs"])])
    params, losses = _path(x, y, order, np.float32(s["learning_rate"]))
    params, losses = np.asarray(params), np.asarray(losses)
    start_loss = float(np.mean((START[0] * x + START[1] - y) ** 2))
    finite = np.isfinite(losses) & np.all(np.isfinite(params), axis=1)
    keep = int(finite.argmin()) if not finite.all() else len(losses)  # stop at divergence
    return {"type": "sgd", "settings": s, "x": x.round(4).tolist(), "y": y.round(4).tolist(),
            "path": [list(START)] + params[:keep].round(5).tolist(),
            "loss": [start_loss] + losses[:keep].round(6).tolist(),
            "steps_per_epoch": steps, "diverged": keep < len(losses)}
