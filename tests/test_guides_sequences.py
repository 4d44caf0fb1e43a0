"""The sequence guides in docs/ run at small settings (their code, as the reader sees it),
and what they compute is checked against independent computations."""
from __future__ import annotations

import importlib.util
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402

from lamina.datasets import series  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("run_guide",
                                               os.path.join(ROOT, "docs", "run_guide.py"))
run_guide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_guide)


def guide(name: str, **settings) -> dict:
    return run_guide.run(os.path.join(ROOT, "docs", name), **settings)


def test_guide_forecasting_holds_out_the_end_and_plots(tmp_path):
    g = guide("forecasting.md", LENGTH=400, WINDOW=24, EPOCHS=2, FIGURES=str(tmp_path))
    values = series.seasonal(400, period=24, noise=0.2, seed=0)
    assert g["x_train"].shape == (320 - 24, 24, 1) and g["x_test"].shape == (80, 24, 1)
    # The held-out targets are exactly the last 20% of the series; the naive forecast
    # of each is the value before it.
    np.testing.assert_array_equal(g["y_test"], values[320:])
    np.testing.assert_array_equal(g["last_test"], values[319:399])
    assert g["naive_mae"] == np.float32(np.mean(np.abs(values[320:] - values[319:399])))
    assert g["forecast"].shape == (80,) and np.isfinite(g["lstm_mae"])
    assert matplotlib.image.imread(tmp_path / "forecast.png").shape == (224, 630, 4)


def test_guide_text_classification_freezes_the_vectors_read_from_the_file(tmp_path):
    g = guide("text_classification.md", NUM_TRAIN=160, NUM_TEST=40, EPOCHS=1, FEW=32,
              FIGURES=str(tmp_path))
    assert g["x_train"].shape == (160, 50) and g["x_few"].shape == (32, 50)
    # The GloVe-format file read back by NumPy's own text reader.
    table = np.loadtxt(g["glove_path"], dtype=str, comments=None)
    assert table.shape == (g["num_words"] - 1, 17)
    file_vectors = dict(zip(table[:, 0], table[:, 1:].astype(np.float32)))
    learned = g["model"].layers[0].get_weights()[0]
    for word, i in g["tokenizer"].word_index.items():
        np.testing.assert_allclose(file_vectors[word], learned[i], atol=1e-6)
    frozen = g["frozen"].layers[0].get_weights()[0]
    assert frozen.shape == (g["num_words"], 16) and not frozen[0].any()
    np.testing.assert_allclose(frozen[1:], learned[1:], atol=1e-6)
    assert g["unchanged"] and len(g["frozen"].trainable_weights) == 5
    assert 0.0 <= g["frozen_accuracy"] <= 1.0
    assert matplotlib.image.imread(tmp_path / "sentiment_lstm.png").shape[:2] == (224, 630)


def test_guide_seq2seq_inference_models_reproduce_teacher_forcing(tmp_path):
    g = guide("seq2seq.md", NUM_PAIRS=48, LATENT=8, EPOCHS=1, NUM_DECODED=2,
              FIGURES=str(tmp_path))
    enc, dec = g["encoder_input_data"][:3], g["decoder_input_data"][:3]
    assert enc.shape == (3, g["max_source"], len(g["source_chars"]))
    # The training model on the true previous characters, against the inference models
    # stepped one character at a time with the states carried by hand.
    whole = g["model"].predict([enc, dec], verbose=0)
    states = g["encoder_model"].predict(enc, verbose=0)
    steps = []
    for t in range(dec.shape[1]):
        probs, h, c = g["decoder_model"].predict([dec[:, t:t + 1]] + states, verbose=0)
        steps.append(probs[:, 0])
        states = [h, c]
    assert whole.shape == (3, dec.shape[1], len(g["target_chars"]))
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, atol=1e-5)
    assert len(g["decoded"]) == 2
    assert all(len(d) <= g["max_target"] and set(d) <= set(g["target_chars"])
               for d in g["decoded"])
