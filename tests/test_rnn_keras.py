"""Weights trained in Keras load into Lamina's recurrent layers: for the same weights and
inputs (with a mask), the outputs equal those Keras 3 and tf.keras 2 computed, stored by
`tests/fixtures/make_keras_rnn.py` in `tests/fixtures/keras_rnn.json`."""
import json
import pathlib

import numpy as np
import pytest

from lamina import layers

DATA = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras_rnn.json").read_text())
X = np.asarray(DATA["x"], np.float32)
MASK = np.asarray(DATA["mask"], bool)

LAYERS = {
    "SimpleRNN": lambda: layers.SimpleRNN(2, return_sequences=True, return_state=True),
    "LSTM": lambda: layers.LSTM(2, return_sequences=True, return_state=True),
    "GRU": lambda: layers.GRU(2, return_sequences=True, return_state=True),
    "GRU_reset_before": lambda: layers.GRU(2, reset_after=False, return_sequences=True,
                                           return_state=True),
    "LSTM_backwards": lambda: layers.LSTM(2, go_backwards=True, return_sequences=True),
    "Bidirectional_LSTM": lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True)),
}


@pytest.mark.parametrize("source", ["keras_3", "tf_keras_2"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_outputs_equal_keras_for_its_weights(source, name):
    case = DATA[source]["cases"][name]
    layer = LAYERS[name]()
    layer(X)
    layer.set_weights([np.asarray(w, np.float32) for w in case["weights"]])
    out = layer(X, mask=MASK)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    assert len(outs) == len(case["outputs"])
    for got, want in zip(outs, case["outputs"]):
        want = np.asarray(want, np.float32)
        assert np.shape(got) == want.shape
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-5)
