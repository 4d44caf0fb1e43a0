"""A playground session: what changes reset, what applies live, diverged runs."""
from __future__ import annotations

import base64
import json

import numpy as np

from lamina.playground.session import GRID, NEURON_GRID, Session
from lamina.playground.state import parse_hash


def test_session_update_live_reset_and_data():
    s = Session(parse_hash("#networkShape=3,2&seed=0.4&dataset=xor"))
    s.train(2)
    assert s.update({"learningRate": 0.1, "batchSize": 5}) == "live" and s.epoch == 2
    assert s.update({"activation": "relu"}) == "reset" and s.epoch == 0
    labels = s.y_train.copy()  # xor's noise moves where labels are read, not the points
    assert s.update({"noise": 20}) == "data" and not np.array_equal(labels, s.y_train)
    assert s.update({"xSquared": True}) == "data" and s.x_train.shape == (250, 3)


def test_session_frame_shapes():
    s = Session(parse_hash("#networkShape=3,2&seed=0.4"))
    f = s.frame()
    output = np.frombuffer(base64.b64decode(f["output"]), np.uint8)
    neurons = np.frombuffer(base64.b64decode(f["neurons"]), np.uint8)
    assert output.shape == (GRID * GRID,) and neurons.shape == (5 * NEURON_GRID ** 2,)
    assert [np.shape(w["kernel"]) for w in f["weights"]] == [(2, 3), (3, 2), (2, 1)]


def test_session_losses_match_numpy_forward():
    s = Session(parse_hash("#networkShape=4&activation=tanh&seed=0.9&dataset=gauss"))
    s.train(3)
    w = [np.asarray(a, np.float64) for a in s.snapshot.weights]
    hidden = np.tanh(s.x_test @ w[0] + w[1])
    pred = np.tanh(hidden @ w[2] + w[3])[:, 0]
    np.testing.assert_allclose(s.losses[1], 0.5 * np.mean((pred - s.y_test) ** 2), rtol=1e-5)


def test_session_diverged_run_frame_is_json_safe():
    s = Session(parse_hash("#problem=regression&activation=relu&networkShape=8,8"
                           "&learningRate=10&seed=0.1"))
    s.train(20)
    frame = s.frame()
    assert not np.isfinite(s.losses[1]) and frame["loss_test"] is None
    json.dumps(frame, allow_nan=False)
    json.dumps(s.describe(), allow_nan=False)
