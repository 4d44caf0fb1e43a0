"""LayerNormalization, Normalization (adapt) and Rescaling against NumPy."""
import numpy as np
import pandas as pd
import pytest

import lamina as keras
from lamina.layers import LayerNormalization, Normalization, Rescaling


def _rng(seed=0):
    return np.random.default_rng(seed)


# -- LayerNormalization -------------------------------------------------------------
def test_layer_normalization_matches_numpy_on_last_axis():
    x = _rng().normal(3.0, 2.0, size=(4, 5, 6)).astype(np.float32)
    layer = LayerNormalization(epsilon=1e-3)
    layer(x)
    gamma = _rng(1).normal(size=6).astype(np.float32)
    beta = _rng(2).normal(size=6).astype(np.float32)
    layer.set_weights([gamma, beta])
    y = np.asarray(layer(x))
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    assert y.shape == (4, 5, 6)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_layer_normalization_over_several_axes():
    x = _rng().normal(size=(3, 4, 5)).astype(np.float32)
    layer = LayerNormalization(axis=[1, 2], center=False)
    y = np.asarray(layer(x))
    assert [w.shape for w in layer.weights] == [(4, 5)]
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    assert y.shape == (3, 4, 5)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-5, atol=1e-5)


def test_layer_normalization_rms_scaling():
    x = _rng().normal(1.0, 1.0, size=(6, 3)).astype(np.float32)
    layer = LayerNormalization(rms_scaling=True, epsilon=1e-6)
    y = np.asarray(layer(x))
    assert [w.name.split("/")[1] for w in layer.weights] == ["gamma"]
    expected = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-6)
    assert y.shape == (6, 3)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_layer_normalization_same_in_training_and_inference():
    x = _rng().normal(size=(2, 4)).astype(np.float32)
    layer = LayerNormalization()
    np.testing.assert_array_equal(np.asarray(layer(x, training=True)),
                                  np.asarray(layer(x, training=False)))


def test_layer_normalization_rejects_bad_axis():
    with pytest.raises(ValueError, match="axis=3"):
        LayerNormalization(axis=3)(np.ones((2, 4), np.float32))
    with pytest.raises(TypeError, match="int or a list of ints"):
        LayerNormalization(axis="last")


def test_layer_normalization_get_config_round_trip():
    layer = LayerNormalization(axis=[-2, -1], epsilon=1e-5, center=False,
                               gamma_regularizer="l2", name="ln")
    config = layer.get_config()
    assert config["axis"] == [-2, -1] and config["epsilon"] == 1e-5
    clone = LayerNormalization.from_config(config)
    assert clone.get_config() == config


# -- Normalization ------------------------------------------------------------------
def test_normalization_adapt_matches_numpy_statistics():
    x = _rng().normal([1.0, -5.0, 100.0], [0.5, 2.0, 30.0], size=(200, 3))
    norm = Normalization()
    norm.adapt(x)
    assert norm.mean.shape == (1, 3) and norm.variance.shape == (1, 3)
    np.testing.assert_allclose(np.asarray(norm.mean)[0], x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(norm.variance)[0], x.var(axis=0), rtol=1e-5)
    y = np.asarray(norm(x.astype(np.float32)))
    assert y.shape == (200, 3)
    np.testing.assert_allclose(y, (x - x.mean(0)) / x.std(0), rtol=1e-4, atol=1e-4)


def test_normalization_stores_statistics_as_non_trainable_weights():
    x = _rng().normal(size=(10, 2))
    norm = Normalization()
    norm.adapt(x)
    assert [w.name for w in norm.non_trainable_weights] == [
        f"{norm.name}/mean", f"{norm.name}/variance", f"{norm.name}/count"]
    assert norm.trainable_weights == []
    mean, variance, count = norm.get_weights()
    np.testing.assert_allclose(mean, x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(variance, x.var(0), rtol=1e-5)
    assert int(count) == 10
    assert norm.count_params() == 5


def test_normalization_adapt_accepts_pandas_lists_and_batches():
    x = _rng().normal(size=(12, 2))
    expected = x.mean(0)
    for data in (pd.DataFrame(x, columns=["a", "b"]), x.tolist(),
                 iter([x[:5], x[5:]])):
        norm = Normalization()
        norm.adapt(data)
        np.testing.assert_allclose(np.asarray(norm.mean)[0], expected, rtol=1e-5)


def test_normalization_axis_none_uses_one_mean_and_variance():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    norm = Normalization(axis=None)
    norm.adapt(x)
    assert norm.mean.shape == (1, 1)
    y = np.asarray(norm(x))
    np.testing.assert_allclose(y, (x - 2.5) / np.sqrt(1.25), rtol=1e-6)


def test_normalization_per_channel_axis_on_3d_inputs():
    x = _rng().normal(size=(8, 5, 3)) * [1.0, 2.0, 3.0]
    norm = Normalization(axis=-1)
    norm.adapt(x)
    assert norm.mean.shape == (1, 1, 3)
    np.testing.assert_allclose(np.asarray(norm.variance).ravel(), x.var(axis=(0, 1)),
                               rtol=1e-5)


def test_normalization_given_mean_and_variance_and_invert():
    x = np.array([[2.0, 10.0], [4.0, 30.0]], np.float32)
    norm = Normalization(mean=[3.0, 20.0], variance=[1.0, 100.0])
    y = np.asarray(norm(x))
    assert y.shape == (2, 2)
    np.testing.assert_allclose(y, [[-1.0, -1.0], [1.0, 1.0]])
    assert norm.weights == []
    inv = Normalization(mean=[3.0, 20.0], variance=[1.0, 100.0], invert=True)
    np.testing.assert_allclose(np.asarray(inv(y)), x, rtol=1e-6)


def test_normalization_zero_variance_floors_the_standard_deviation():
    norm = Normalization()
    norm.adapt(np.array([[5.0], [5.0]]))
    y = np.asarray(norm(np.array([[5.0], [5.0 + 1e-6]], np.float32)))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y[1, 0], (np.float32(5.0 + 1e-6) - 5.0) / 1e-7, rtol=1e-3)


def test_normalization_identity_before_adapt():
    x = _rng().normal(size=(3, 2)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(Normalization()(x)), x, rtol=1e-6)


def test_normalization_adapt_errors_say_what_to_do():
    with pytest.raises(ValueError, match="NaN"):
        Normalization().adapt(np.array([[1.0], [np.nan]]))
    norm = Normalization()
    norm.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(4, 2\)"):
        norm.adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match="nothing to set"):
        Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 1)))
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        Normalization(mean=0.0)
    with pytest.raises(TypeError, match="numeric data"):
        Normalization().adapt(np.array([["a"], ["b"]]))


def test_normalization_get_config_round_trip():
    norm = Normalization(axis=None, mean=2.0, variance=4.0, invert=True, name="norm")
    config = norm.get_config()
    assert (config["axis"], config["mean"], config["variance"], config["invert"]) == (
        None, 2.0, 4.0, True)
    assert Normalization.from_config(config).get_config() == config


def test_normalization_in_a_model_fits_unscaled_features():
    rng = _rng()
    x = rng.normal([0.0, 500.0], [1.0, 200.0], size=(256, 2)).astype(np.float32)
    y = (x[:, 0] + (x[:, 1] - 500.0) / 200.0).astype(np.float32)
    norm = Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.layers.Input((2,)), norm, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    np.testing.assert_allclose(np.asarray(norm.mean)[0], x.mean(0), rtol=1e-5)


# -- Rescaling ----------------------------------------------------------------------
def test_rescaling_scale_and_offset():
    x = np.array([[0, 127.5, 255]], np.float32)
    y = np.asarray(Rescaling(1.0 / 127.5, offset=-1.0)(x))
    assert y.shape == (1, 3)
    np.testing.assert_allclose(y, [[-1.0, 0.0, 1.0]], atol=1e-6)


def test_rescaling_per_feature_scale_and_config():
    layer = Rescaling([1.0, 10.0], offset=0.5)
    y = np.asarray(layer(np.ones((2, 2), np.float32)))
    np.testing.assert_allclose(y, [[1.5, 10.5], [1.5, 10.5]])
    config = layer.get_config()
    assert (config["scale"], config["offset"]) == ([1.0, 10.0], 0.5)
    assert Rescaling.from_config(config).get_config() == config


def test_rescaling_rejects_non_numbers():
    with pytest.raises(TypeError, match="Rescaling"):
        Rescaling("1/255")
