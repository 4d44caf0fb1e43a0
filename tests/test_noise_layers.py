"""GaussianNoise, GaussianDropout and AlphaDropout against NumPy.

Inside a `StatelessScope` with key `k`, a layer draws its key as
`jax.random.split(k)[1]` (folded with `seed` when given); the tests draw the same
random numbers and apply the Keras formulas in NumPy.
"""
import jax
import numpy as np
import pytest

import lamina as keras
from lamina.layers import AlphaDropout, GaussianDropout, GaussianNoise
from lamina.backend import StatelessScope

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _x(shape=(6, 5), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _run(layer, x, seed_key=7):
    key = jax.random.PRNGKey(seed_key)
    with StatelessScope([], rng=key):
        y = layer(x, training=True)
    layer_key = jax.random.split(key)[1]
    return np.asarray(y), layer_key


def test_gaussian_noise_adds_scaled_normal_noise_in_training():
    x = _x()
    y, key = _run(GaussianNoise(0.3), x)
    noise = np.asarray(jax.random.normal(key, x.shape))
    assert y.shape == (6, 5)
    np.testing.assert_allclose(y, x + 0.3 * noise, rtol=1e-6, atol=1e-6)


def test_gaussian_noise_seed_is_folded_into_the_key():
    x = _x()
    y, key = _run(GaussianNoise(0.3, seed=11), x)
    noise = np.asarray(jax.random.normal(jax.random.fold_in(key, 11), x.shape))
    np.testing.assert_allclose(y, x + 0.3 * noise, rtol=1e-6, atol=1e-6)


def test_gaussian_dropout_multiplies_by_unit_mean_noise():
    x = _x()
    y, key = _run(GaussianDropout(0.2), x)
    noise = np.asarray(jax.random.normal(key, x.shape))
    expected = x * (1.0 + np.sqrt(0.2 / 0.8) * noise)
    assert y.shape == (6, 5)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_alpha_dropout_formula_matches_numpy():
    rate = 0.25
    x = _x((40, 8))
    y, key = _run(AlphaDropout(rate), x)
    kept = np.asarray(jax.random.uniform(key, x.shape)) >= rate
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    expected = a * np.where(kept, x, ALPHA_P) + b
    assert y.shape == (40, 8)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    assert 0.6 < kept.mean() < 0.9


def test_alpha_dropout_keeps_mean_and_variance_of_standard_inputs():
    x = _x((4000, 50))
    y, _ = _run(AlphaDropout(0.3), x)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = np.ones((5, 3, 4), np.float32)
    y, _ = _run(AlphaDropout(0.5, noise_shape=(None, 1, 4)), x)
    assert y.shape == (5, 3, 4)
    np.testing.assert_array_equal(y[:, 0, :], y[:, 1, :])
    np.testing.assert_array_equal(y[:, 0, :], y[:, 2, :])


@pytest.mark.parametrize("layer", [GaussianNoise(0.5), GaussianDropout(0.5),
                                   AlphaDropout(0.5)])
def test_noise_layers_identity_at_inference(layer):
    x = _x()
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


@pytest.mark.parametrize("cls", [GaussianDropout, AlphaDropout])
def test_noise_layers_reject_bad_rate(cls):
    with pytest.raises(ValueError, match=r"rate in \[0, 1\).*rate=1.5"):
        cls(1.5)


def test_gaussian_noise_rejects_negative_stddev():
    with pytest.raises(ValueError, match="stddev=-1"):
        GaussianNoise(-1)


def test_noise_layers_get_config_round_trip():
    for layer in (GaussianNoise(0.1, seed=3, name="gn"), GaussianDropout(0.2, name="gd"),
                  AlphaDropout(0.3, noise_shape=(None, 1), seed=5, name="ad")):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert AlphaDropout(0.3, noise_shape=(None, 1)).get_config()["noise_shape"] == [None, 1]
    assert GaussianNoise(0.1).get_config()["stddev"] == 0.1


def test_noise_layers_train_in_fit_and_vanish_in_predict():
    keras.utils.set_random_seed(0)
    x = _x((64, 3))
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.layers.Input((3,)), GaussianNoise(0.1),
                              keras.layers.Dense(8, activation="selu"), AlphaDropout(0.1),
                              GaussianDropout(0.1), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 3
    assert all(np.isfinite(history.history["loss"]))
    w1, b1, w2, b2 = model.get_weights()
    h = x @ w1 + b1
    h = 1.0507009873554805 * np.where(h > 0, h, 1.6732632423543772 * (np.exp(h) - 1))
    pred = model.predict(x, verbose=0)
    assert pred.shape == (64, 1)
    np.testing.assert_allclose(pred, h @ w2 + b2, rtol=1e-4, atol=1e-5)
