"""Export as Python: the script, run in a fresh interpreter, gives the session's losses."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from lamina.playground.export import script
from lamina.playground.session import Session
from lamina.playground.state import parse_hash


def _run_all(texts: list, tmp_path) -> list:
    """Run exported scripts one after another in one fresh interpreter."""
    paths = []
    for n, text in enumerate(texts):
        paths.append(tmp_path / f"run_{n}.py")
        paths[-1].write_text(text)
    driver = ("import runpy, sys\n"
              "for p in sys.argv[1:]:\n    runpy.run_path(p, run_name='__main__')\n")
    out = subprocess.run([sys.executable, "-c", driver, *map(str, paths)], capture_output=True,
                         text=True, timeout=300, env={"JAX_PLATFORMS": "cpu",
                                                      "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    found = re.findall(r"epoch (\d+): training loss ([\d.]+), test loss ([\d.]+)", out.stdout)
    assert len(found) == len(texts), out.stdout
    return [(int(e), float(a), float(b)) for e, a, b in found]


def test_export_scripts_reproduce_session_losses(tmp_path):
    spiral = Session(parse_hash("#activation=relu&dataset=spiral&networkShape=5,3&seed=0.8"
                                "&learningRate=0.03&batchSize=10&noise=10&percTrainData=60"))
    spiral.train(3)
    spiral.update({"learningRate": 0.1, "batchSize": 7})  # live changes, recorded
    spiral.train(2)
    spiral.set_weight(1, "kernel", 2, 1, 0.75)
    spiral.set_weight(2, "bias", 0, 0, -0.25)
    spiral.train(4)
    first = script(spiral)
    assert "initial_epoch=5" in first and "model.optimizer.learning_rate = 0.1" in first

    regression = Session(parse_hash(
        "#problem=regression&regDataset=reg-gauss&networkShape=4&activation=tanh"
        "&regularization=L2&regularizationRate=0.01&optimizer=adam&batchNorm=1&dropout=0.2"
        "&seed=0.3&xSquared=true"))
    regression.train(2)
    second = script(regression)
    assert "BatchNormalization()" in second and "Dropout(0.2)" in second
    assert 'activation="linear"' in second and "Adam(" in second

    rate = Session(parse_hash("#dataset=circle&networkShape=3&activation=tanh&seed=0.4"
                              "&regularization=L2&regularizationRate=0.01&optimizer=adam"
                              "&batchNorm=1"))
    rate.train(2)
    rate.update({"regularizationRate": 0.1})  # live: same weights, new penalty
    rate.train(2)
    fifth = script(rate)
    assert "L2(0.01 / 2)" in fifth and "L2(0.1 / 2)" in fifth

    features = Session(parse_hash("#dataset=gauss&networkShape=3&seed=0.6&x=false&cosX=true"
                                  "&cosY=true&sinY=true&regularization=L1"
                                  "&regularizationRate=0.003&batchSize=30"))
    features.train(2)
    features.update({"learningRate": 0.3})
    features.train(1)
    features.update({"regularizationRate": 0.03})
    features.train(2)
    third = script(features)
    assert "np.cos(xy_train[:, [0, 1]])" in third and "L1(0.03)" in third

    zero = Session(parse_hash("#dataset=xor&networkShape=2&seed=0.7&initZero=true"))
    zero.train(1)
    fourth = script(zero)
    assert "zero=True" in fourth

    sessions = [spiral, regression, features, zero, rate]
    results = _run_all([first, second, third, fourth, fifth], tmp_path)
    for session, (epoch, train, test) in zip(sessions, results):
        assert epoch == session.epoch
        np.testing.assert_allclose([train, test], session.losses, rtol=1e-4, atol=2e-6)
    assert [r[0] for r in results] == [9, 2, 5, 1, 4]


def test_export_script_before_training_has_no_fit():
    s = Session(parse_hash("#networkShape=2&seed=0.1"))
    text = script(s)
    assert "model.fit(" not in text and "epoch 0" in text
    compile(text, "export.py", "exec")


def test_session_set_weight_rejects_out_of_range():
    s = Session(parse_hash("#networkShape=2&seed=0.1"))
    with pytest.raises(ValueError, match="outside kernel of shape"):
        s.set_weight(0, "kernel", 5, 0, 1.0)
    with pytest.raises(ValueError, match="finite number"):
        s.set_weight(0, "bias", 0, 0, float("inf"))
    with pytest.raises(ValueError, match="layer 0..1"):
        s.set_weight(7, "kernel", 0, 0, 1.0)
