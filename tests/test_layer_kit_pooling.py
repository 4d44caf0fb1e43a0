"""The pooling layers pass the layer kit and compute maxima and means of windows as
NumPy loops do."""
import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.testing import run_layer_test

NO_WEIGHTS = dict(expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "MaxPooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 2, 3),
                         supports_masking=False, **NO_WEIGHTS),
    "MaxPooling2D": dict(init_kwargs={"pool_size": 3, "strides": 2, "padding": "same"},
                         input_shape=(2, 5, 6, 2), expected_output_shape=(2, 3, 3, 2),
                         supports_masking=False),
    "MaxPooling3D": dict(init_kwargs={"data_format": "channels_first"},
                         input_shape=(2, 2, 4, 4, 3), expected_output_shape=(2, 2, 2, 2, 1),
                         supports_masking=False),
    "AveragePooling1D": dict(init_kwargs={"pool_size": 2, "strides": 1},
                             input_shape=(2, 4, 3), expected_output_shape=(2, 3, 3),
                             supports_masking=False),
    "AveragePooling2D": dict(init_kwargs={"pool_size": (2, 3), "padding": "same"},
                             input_shape=(2, 5, 5, 2), expected_output_shape=(2, 3, 2, 2),
                             supports_masking=False),
    "AveragePooling3D": dict(input_shape=(2, 2, 2, 4, 1), expected_output_shape=(2, 1, 1, 2, 1),
                             supports_masking=False),
    "GlobalMaxPooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 3),
                               supports_masking=False),
    "GlobalMaxPooling2D": dict(init_kwargs={"keepdims": True}, input_shape=(2, 3, 4, 2),
                               expected_output_shape=(2, 1, 1, 2), supports_masking=False),
    "GlobalMaxPooling3D": dict(input_shape=(2, 2, 3, 2, 4), expected_output_shape=(2, 4),
                               supports_masking=False),
    "GlobalAveragePooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 3),
                                   supports_masking=True),
    "GlobalAveragePooling2D": dict(init_kwargs={"data_format": "channels_first"},
                                   input_shape=(2, 3, 4, 4), expected_output_shape=(2, 3),
                                   supports_masking=False),
    "GlobalAveragePooling3D": dict(init_kwargs={"keepdims": True},
                                   input_shape=(2, 2, 3, 2, 4),
                                   expected_output_shape=(2, 1, 1, 1, 4),
                                   supports_masking=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built


RNG = np.random.default_rng(0)


def np_pool(x, pool, strides, padding, mode):
    """Pooling by hand over channels-last `x`: windows that start every `strides`; with
    'same', TensorFlow's padding, and a mean over the real entries only."""
    rank = x.ndim - 2
    sizes = x.shape[1:-1]
    if padding == "valid":
        out = [(n - p) // s + 1 for n, p, s in zip(sizes, pool, strides)]
        lows = [0] * rank
    else:
        out = [-(-n // s) for n, s in zip(sizes, strides)]
        lows = [max((o - 1) * s + p - n, 0) // 2 for o, s, p, n in zip(out, strides, pool, sizes)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for idx in np.ndindex(*out):
        sl = tuple(slice(max(i * s - lo, 0), min(i * s - lo + p, n))
                   for i, s, lo, p, n in zip(idx, strides, lows, pool, sizes))
        window = x[(slice(None),) + sl + (slice(None),)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + idx] = window.max(1) if mode == "max" else window.mean(1)
    return y


@pytest.mark.parametrize("cls,kwargs,shape", [
    (layers.MaxPooling1D, dict(pool_size=3, strides=2), (2, 9, 2)),
    (layers.MaxPooling2D, dict(), (2, 7, 6, 3)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 7, 6, 3)),
    (layers.MaxPooling3D, dict(pool_size=(2, 1, 3), padding="same"), (1, 5, 4, 5, 2)),
    (layers.AveragePooling1D, dict(pool_size=2, strides=1), (2, 5, 2)),
    (layers.AveragePooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 7, 6, 3)),
    (layers.AveragePooling3D, dict(), (1, 4, 5, 4, 2)),
])
def test_pooling_matches_numpy(cls, kwargs, shape):
    x = RNG.normal(size=shape).astype(np.float32)
    layer = cls(**kwargs)
    y = np.asarray(layer(x))
    expected = np_pool(x, layer.pool_size, layer.strides, layer.padding, layer.mode)
    assert y.shape == expected.shape
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + expected.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_max_pooling_gradient_goes_to_each_window_maximum():
    x = RNG.permutation(36).reshape(1, 6, 6, 1).astype(np.float32)  # no ties
    layer = layers.MaxPooling2D(3, strides=2, padding="same")
    grad = np.asarray(jax.grad(lambda v: layer(v).sum())(x))
    expected = np.zeros_like(x)
    for i, j in np.ndindex(3, 3):  # each window sends 1 to its argmax
        rows, cols = slice(max(2 * i, 0), 2 * i + 3), slice(max(2 * j, 0), 2 * j + 3)
        window = x[0, rows, cols, 0]
        r, c = np.unravel_index(window.argmax(), window.shape)
        expected[0, rows.start + r, cols.start + c, 0] += 1
    assert grad.shape == (1, 6, 6, 1)
    np.testing.assert_array_equal(grad, expected)


def test_pooling_channels_first_and_the_short_names():
    x = RNG.normal(size=(2, 3, 4, 6)).astype(np.float32)
    y = np.asarray(keras.layers.MaxPool2D(data_format="channels_first")(x))
    expected = np_pool(np.transpose(x, (0, 2, 3, 1)), (2, 2), (2, 2), "valid", "max")
    assert keras.layers.AvgPool2D is keras.layers.AveragePooling2D
    assert keras.layers.GlobalAvgPool1D is keras.layers.GlobalAveragePooling1D
    assert y.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(y, np.transpose(expected, (0, 3, 1, 2)), rtol=1e-6)


def test_global_pooling_matches_numpy():
    x = RNG.normal(size=(2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(layers.GlobalMaxPooling2D()(x), x.max((1, 2)), rtol=1e-6)
    np.testing.assert_allclose(layers.GlobalAveragePooling2D(keepdims=True)(x),
                               x.mean((1, 2), keepdims=True), rtol=1e-6)
    first = layers.GlobalAveragePooling2D(data_format="channels_first")(x)
    assert first.shape == (2, 3)
    np.testing.assert_allclose(first, x.mean((2, 3)), rtol=1e-6)


def test_global_average_pooling1d_averages_only_unmasked_steps():
    x = RNG.normal(size=(3, 4, 2)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]], bool)
    y = np.asarray(layers.GlobalAveragePooling1D()(x, mask=mask))
    expected = np.stack([x[0, :2].mean(0), x[1].mean(0), np.zeros(2)])
    assert y.shape == (3, 2)
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-7)
    model = keras.Sequential([keras.layers.Input((4, 2)), keras.layers.Masking(0.0),
                              keras.layers.GlobalAveragePooling1D()])
    x[0, 2:] = 0.0  # Masking marks these two steps
    np.testing.assert_allclose(model.predict(x[:1], verbose=0), x[:1, :2].mean(1), rtol=1e-6)
