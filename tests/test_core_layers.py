"""Dense, Activation, Dropout, BatchNormalization and Input against NumPy by hand."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)


# -- Dense ------------------------------------------------------------------------
def test_dense_computes_activation_of_affine_map():
    dense = layers.Dense(3, activation="relu", name="dense_relu")
    x = RNG.normal(size=(5, 4)).astype(np.float32)
    out = dense(x)
    assert out.shape == (5, 3)
    assert dense.kernel.shape == (4, 3) and dense.bias.shape == (3,)
    assert dense.kernel.name == "dense_relu/kernel" and dense.bias.name == "dense_relu/bias"
    np.testing.assert_array_equal(dense.bias.numpy(), np.zeros(3))
    expected = np.maximum(x @ dense.kernel.numpy() + dense.bias.numpy(), 0.0)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)
    assert dense.units == 3 and dense.activation.__name__ == "relu"
    assert dense.input_shape == (None, 4) and dense.output_shape == (None, 3)
    assert dense.count_params() == 4 * 3 + 3


def test_dense_glorot_uniform_kernel_is_within_limit():
    dense = layers.Dense(50)
    dense(np.zeros((1, 30), np.float32))
    limit = np.sqrt(6.0 / (30 + 50))
    k = dense.kernel.numpy()
    assert k.shape == (30, 50)
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.9 * limit


def test_dense_without_bias_and_on_3d_inputs():
    dense = layers.Dense(2, use_bias=False, kernel_initializer="ones")
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    out = dense(x)
    assert out.shape == (2, 3, 2) and dense.bias is None and len(dense.weights) == 1
    np.testing.assert_allclose(np.asarray(out), x @ np.ones((4, 2)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_dense_rejects_non_positive_units(units):
    with pytest.raises(ValueError, match=rf"positive integer for `units`, but received "
                                         rf"units={units!r}"):
        layers.Dense(units)


def test_dense_wrong_feature_count_names_layer_and_shapes():
    dense = layers.Dense(2, name="dense_feat")
    dense(np.zeros((1, 11), np.float32))
    with pytest.raises(ValueError, match=r"'dense_feat' expects inputs with 11 features .*"
                                         r"received a batch of shape \(32, 12\).*"
                                         r"input_shape=\[12\]"):
        dense(np.zeros((32, 12), np.float32))


def test_dense_rejects_1d_input_when_building():
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, features\), but "
                                         r"received shape \(4,\)"):
        layers.Dense(2)(np.zeros(4, np.float32))


def test_dense_unknown_activation_lists_valid_ones():
    with pytest.raises(ValueError, match=r"relux.*relu"):
        layers.Dense(2, activation="relux")


# -- Activation -------------------------------------------------------------------
@pytest.mark.parametrize("name,fn", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", np.tanh),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
])
def test_activation_layer_matches_numpy(name, fn):
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    layer = layers.Activation(name)
    out = layer(x)
    assert out.shape == (3, 4) and layer.activation.__name__ == name
    np.testing.assert_allclose(np.asarray(out), fn(x.astype(np.float64)), rtol=1e-5, atol=1e-6)
    assert layer.weights == []


# -- Dropout ----------------------------------------------------------------------
def test_dropout_is_identity_at_inference_and_scales_kept_units_in_training():
    layer = layers.Dropout(0.25)
    x = RNG.uniform(1.0, 2.0, size=(200, 50)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    out = np.asarray(layer(x, training=True))
    assert out.shape == (200, 50)
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.75, rtol=1e-6)
    # 10,000 Bernoulli(0.75) draws: the kept fraction is 0.75 within 5 standard errors.
    assert abs(kept.mean() - 0.75) < 5 * np.sqrt(0.75 * 0.25 / kept.size)


def test_dropout_noise_shape_broadcasts_the_mask():
    layer = layers.Dropout(0.5, noise_shape=(None, 1))
    out = np.asarray(layer(np.ones((64, 6), np.float32), training=True))
    assert out.shape == (64, 6)
    # Each row is all dropped or all kept (the mask has shape (64, 1)).
    assert all(len(set(row.tolist())) == 1 for row in out)
    assert set(np.unique(out).tolist()) == {0.0, 2.0}


@pytest.mark.parametrize("rate", [-0.1, 1.5, "half", None])
def test_dropout_rejects_bad_rate(rate):
    with pytest.raises(ValueError, match=rf"rate in \[0, 1\).*received rate={rate!r}"):
        layers.Dropout(rate)


def _batch_losses(per_batch_logs, batch_size):
    """Each batch's own loss from the running averages (equal batch sizes)."""
    avgs = np.array([logs["loss"] for logs in per_batch_logs], np.float64)
    totals = avgs * batch_size * np.arange(1, len(avgs) + 1)
    return np.diff(np.concatenate([[0.0], totals])) / batch_size


def test_dropout_is_active_in_fit_with_a_new_mask_each_step():
    """x = 1, a ones kernel and rate 0.5: y_pred = 2 * (number kept); with lr 0 and mse
    against 0 each batch's loss times batch/4 is a sum of squared integers, and it
    differs between batches (a new mask per step)."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((64,)), layers.Dropout(0.5),
                              layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((64, 64), np.float32), np.zeros((64, 1), np.float32)
    logs = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, l: logs.append(dict(l)))
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[cb])
    assert len(logs) == 8
    losses = _batch_losses(logs, 8)
    scaled = losses * 8 / 4
    np.testing.assert_allclose(scaled, np.round(scaled), atol=0.05)
    assert len(set(np.round(scaled).tolist())) > 4
    assert not np.allclose(losses, 64.0 ** 2)  # not the no-dropout loss
    # predict and evaluate run without dropout: exactly 64 per row.
    pred = model.predict(x, verbose=0)
    assert pred.shape == (64, 1)
    np.testing.assert_array_equal(pred, np.full((64, 1), 64.0))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), 64.0 ** 2)


# -- BatchNormalization -----------------------------------------------------------
def test_batch_normalization_training_call_uses_batch_statistics():
    bn = layers.BatchNormalization(name="bn_call")
    x = RNG.normal(3.0, 2.0, size=(16, 3)).astype(np.float32)
    out = np.asarray(bn(x, training=True))
    assert out.shape == (16, 3)
    x64 = x.astype(np.float64)
    expected = (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * x64.mean(0), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * x64.var(0), rtol=1e-5)
    assert [v.name for v in bn.trainable_weights] == ["bn_call/gamma", "bn_call/beta"]
    assert [v.name for v in bn.non_trainable_weights] == ["bn_call/moving_mean",
                                                          "bn_call/moving_variance"]


def test_batch_normalization_inference_uses_moving_statistics():
    bn = layers.BatchNormalization()
    x = RNG.normal(size=(6, 2)).astype(np.float32)
    bn(x)
    mean, var = np.array([1.0, -2.0]), np.array([4.0, 0.25])
    gamma, beta = np.array([2.0, 0.5]), np.array([0.1, -0.3])
    bn.set_weights([gamma, beta, mean, var])
    out = np.asarray(bn(x, training=False))
    expected = gamma * (x - mean) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(bn(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean.astype(np.float32))


def _np_moving_stats(x, batch_size, momentum=0.99):
    mean, var = np.zeros(x.shape[1]), np.ones(x.shape[1])
    for start in range(0, len(x), batch_size):
        b = x[start:start + batch_size].astype(np.float64)
        mean = momentum * mean + (1 - momentum) * b.mean(0)
        var = momentum * var + (1 - momentum) * b.var(0)  # population variance
    return mean, var


def test_batch_normalization_in_fit_follows_the_per_batch_recurrence():
    x = RNG.normal(2.0, 3.0, size=(10, 2)).astype(np.float32)
    y = RNG.normal(size=(10, 1)).astype(np.float32)
    bn = layers.BatchNormalization()
    model = keras.Sequential([keras.Input((2,)), bn, layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    gamma0 = bn.gamma.numpy().copy()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    mean, var = _np_moving_stats(x, 4)  # batches of 4, 4 and the remainder 2
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-5)
    assert not np.array_equal(bn.gamma.numpy(), gamma0)  # gamma trains
    # Inference after fit uses the moving statistics.
    g, b = bn.gamma.numpy(), bn.beta.numpy()
    dense = model.layers[1]
    h = g * (x - mean) / np.sqrt(var + 1e-3) + b
    expected = h @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_batch_normalization_frozen_runs_in_inference_mode_in_fit():
    x = RNG.normal(2.0, 3.0, size=(8, 2)).astype(np.float32)
    y = RNG.normal(size=(8, 1)).astype(np.float32)
    bn = layers.BatchNormalization()
    model = keras.Sequential([keras.Input((2,)), bn, layers.Dense(1)])
    bn.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(2))
    np.testing.assert_array_equal(bn.moving_variance.numpy(), np.ones(2))
    np.testing.assert_array_equal(bn.gamma.numpy(), np.ones(2))
    # And a direct training=True call normalizes with the moving statistics.
    out = np.asarray(bn(x, training=True))
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_batch_normalization_rejects_bad_axis_and_momentum():
    with pytest.raises(ValueError, match=r"axis=3, but its inputs have shape \(2, 3\)"):
        layers.BatchNormalization(axis=3)(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"momentum in \[0, 1\].*momentum=1.5"):
        layers.BatchNormalization(momentum=1.5)


# -- Input ------------------------------------------------------------------------
def test_input_declares_the_shape_with_none_batch():
    t = layers.Input(shape=(11,))
    assert t.shape == (None, 11) and t.dtype == "float32" and t.ndim == 2
    assert layers.Input(5).shape == (None, 5)
    assert layers.Input((3, 4), batch_size=8).shape == (8, 3, 4)
    layer = layers.InputLayer(shape=(7,))
    assert layer.built and layer.input_shape == (None, 7) and layer.weights == []


def test_input_rejects_bad_shapes():
    with pytest.raises(TypeError, match=r"tuple of ints.*received 'abc'"):
        layers.Input(shape="abc")
    with pytest.raises(TypeError, match=r"tuple of ints.*received '11'"):
        layers.Input(shape="11")  # not (1, 1)
    with pytest.raises(TypeError, match=r"tuple of ints.*received \(3, 'x'\)"):
        layers.Input(shape=(3, "x"))
    with pytest.raises(ValueError, match=r"positive dimensions, but received \(0, 3\)"):
        layers.Input(shape=(0, 3))
    with pytest.raises(ValueError, match="InputLayer needs shape="):
        layers.InputLayer()
