"""Activation layers against NumPy by hand."""
import numpy as np
import pytest

from lamina import layers

X = np.array([[-3.0, -0.5, 0.0, 0.4, 1.0, 7.0]], np.float32)


def test_relu_cap_slope_and_threshold():
    out = np.asarray(layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5)(X))
    expected = np.where(X >= 6.0, 6.0, np.where(X >= 0.5, X, 0.1 * (X - 0.5)))
    assert out.shape == (1, 6)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_leaky_relu_and_tf_keras_alpha():
    np.testing.assert_allclose(np.asarray(layers.LeakyReLU()(X)), np.where(X >= 0, X, 0.3 * X),
                               rtol=1e-6)
    with pytest.warns(UserWarning, match="now `negative_slope`"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.alpha == layer.negative_slope == 0.1
    np.testing.assert_allclose(np.asarray(layer(X)), np.where(X >= 0, X, 0.1 * X), rtol=1e-6)


def test_elu_and_thresholded_relu():
    np.testing.assert_allclose(np.asarray(layers.ELU(alpha=2.0)(X)),
                               np.where(X > 0, X, 2.0 * np.expm1(X)), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(layers.ThresholdedReLU(theta=0.4)(X)),
                                  np.where(X > 0.4, X, 0.0))


def test_softmax_with_a_mask_gives_masked_positions_nothing():
    x = np.array([[[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]]], np.float32)
    out = np.asarray(layers.Softmax()(x, mask=np.array([[[True, True, False],
                                                          [True, True, True]]])))
    e = np.exp(x[0, 0, :2] - x[0, 0, :2].max())
    np.testing.assert_allclose(out[0, 0], [*(e / e.sum()), 0.0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out[0, 1], [1 / 3] * 3, rtol=1e-6)


def test_prelu_learns_one_slope_per_shared_axis():
    layer = layers.PReLU(alpha_initializer="ones", shared_axes=[1])
    x = np.arange(-6.0, 6.0, dtype=np.float32).reshape(1, 3, 4)
    layer(x)
    assert layer.alpha.shape == (1, 4)
    layer.alpha.assign(np.array([[0.1, 0.2, 0.3, 0.4]], np.float32))
    np.testing.assert_allclose(np.asarray(layer(x)),
                               np.where(x >= 0, x, np.array([0.1, 0.2, 0.3, 0.4]) * x),
                               rtol=1e-6)


@pytest.mark.parametrize("make,message", [
    (lambda: layers.ReLU(max_value=-1), "max_value"),
    (lambda: layers.LeakyReLU(negative_slope="x"), "negative_slope"),
    (lambda: layers.PReLU(shared_axes=[0])(np.ones((2, 3))), "shared_axes"),
])
def test_activation_layer_bad_arguments_say_what_to_pass(make, message):
    with pytest.raises(ValueError, match=message):
        make()
