"""The SGD explorer: one-feature linear regression trained batch by batch.

The page animates the fitted line, the loss and the path of `(w, b)` over the
loss surface. Every batch's weights are needed, and every slider position is a new
shape, so the path is computed with NumPy (no compilation, nothing cached) by
`lamina.plot.sgd.sgd_path`, which `animate_sgd` draws too: the same update as
Lamina's `SGD` on `Dense(1)` with `loss="mse"`, which a test checks.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.plot.sgd import sgd_path

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
    params, losses, _ = sgd_path(x, y, order, s["learning_rate"], START)
    start_loss = float(np.mean((START[0] * x + START[1] - y) ** 2))
    sane = (np.abs(losses) < 1e6) & np.all(np.abs(params) < 1e6, axis=1)  # JSON-safe
    keep = int(sane.argmin()) if not sane.all() else len(losses)  # stop at divergence
    losses, params = losses.astype(np.float64), params.astype(np.float64)
    return {"type": "sgd", "settings": s, "x": x.round(4).tolist(), "y": y.round(4).tolist(),
            "path": [list(START)] + params[:keep].round(5).tolist(),
            "loss": [start_loss] + losses[:keep].round(6).tolist(),
            "steps_per_epoch": steps, "diverged": keep < len(losses)}
