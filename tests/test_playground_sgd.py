"""The SGD explorer: its path equals Lamina's SGD on Dense(1) batch by batch."""
from __future__ import annotations

import numpy as np
import pytest

import lamina as keras
from lamina.playground.sgd import START, explore
from lamina.plot.sgd import sgd_path


def test_sgd_path_matches_lamina_fit():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 24).astype(np.float32)
    y = (2 * x + 1 + rng.normal(0, 0.3, 24)).astype(np.float32)
    order = np.arange(24).reshape(4, 6)
    params, losses, _ = sgd_path(x, y, order, 0.2, START)
    model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
    model.set_weights([np.array([[START[0]]], np.float32), np.array([START[1]], np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="mse")
    model.fit(x[:, None], y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    kernel, bias = model.get_weights()
    assert params.shape == (4, 2) and losses.shape == (4,)
    np.testing.assert_allclose(params[-1], [kernel[0, 0], bias[0]], rtol=1e-5)
    np.testing.assert_allclose(losses[-1], np.mean((kernel[0, 0] * x + bias[0] - y) ** 2),
                               rtol=1e-5)


def test_explore_path_lengths_and_convergence():
    out = explore({"learning_rate": 0.3, "batch_size": 5, "examples": 40, "epochs": 4})
    assert len(out["path"]) == len(out["loss"]) == 1 + 4 * 8
    assert out["steps_per_epoch"] == 8 and not out["diverged"]
    w, b = out["path"][-1]
    assert abs(w - 2) < 0.4 and abs(b - 1) < 0.3 and out["loss"][-1] < out["loss"][0] / 5


def test_explore_reports_divergence():
    out = explore({"learning_rate": 2.0, "batch_size": 1, "examples": 64, "epochs": 20})
    assert out["diverged"] and all(np.isfinite(out["loss"]))


def test_explore_rejects_unknown_and_out_of_range():
    with pytest.raises(ValueError, match="Unknown SGD explorer setting 'momentum'"):
        explore({"momentum": 0.9})
    with pytest.raises(ValueError, match="batch_size"):
        explore({"batch_size": 0})
