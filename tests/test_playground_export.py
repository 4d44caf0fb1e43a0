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


def _run(text: str, tmp_path) -> tuple:
    path = tmp_path / "run.py"
    path.write_text(text)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=120, env={"JAX_PLATFORMS": "cpu", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r"epoch (\d+): training loss ([\d.]+), test loss ([\d.]+)", out.stdout)
    assert m, out.stdout
    return int(m.group(1)), float(m.group(2)), float(m.group(3))


def test_export_script_reproduces_session_losses(tmp_path):
    s = Session(parse_hash("#activation=relu&dataset=spiral&networkShape=5,3&seed=0.8"
                           "&learningRate=0.03&batchSize=10&noise=10&percTrainData=60"))
    s.train(3)
    s.update({"learningRate": 0.1, "batchSize": 7})  # live changes, recorded
    s.train(2)
    s.set_weight(1, "kernel", 2, 1, 0.75)
    s.set_weight(2, "bias", 0, 0, -0.25)
    s.train(4)
    text = script(s)
    assert "initial_epoch=5" in text and "model.optimizer.learning_rate = 0.1" in text
    epoch, train, test = _run(text, tmp_path)
    assert epoch == s.epoch == 9
    np.testing.assert_allclose([train, test], s.losses, rtol=1e-4, atol=2e-6)


def test_export_script_regression_with_extras(tmp_path):
    s = Session(parse_hash("#problem=regression&regDataset=reg-gauss&networkShape=4"
                           "&activation=tanh&regularization=L2&regularizationRate=0.01"
                           "&optimizer=adam&batchNorm=1&dropout=0.2&seed=0.3&xSquared=true"))
    s.train(2)
    text = script(s)
    assert "BatchNormalization()" in text and "Dropout(0.2)" in text
    assert 'activation="linear"' in text and "Adam(" in text
    epoch, train, test = _run(text, tmp_path)
    assert epoch == 2
    np.testing.assert_allclose([train, test], s.losses, rtol=1e-4, atol=2e-6)


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
