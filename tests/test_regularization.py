"""Regularization as tf.keras 2 reports it, checked against NumPy by hand.

The training loss in History is the batch-size-weighted mean over batches of
`data loss + weight penalties + activity penalties / batch size + add_loss values`,
each batch computed with the weights before its update; `evaluate` adds the same
penalties (with inference-mode activations).
"""
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import constraints, regularizers
from lamina.layers import ActivityRegularization


def _data(n=13, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x @ rng.normal(size=(d, 1)) + 0.1).astype(np.float32)
    return x, y


def _two_layer_model():
    model = keras.Sequential([
        keras.layers.Input((3,)),
        keras.layers.Dense(2, kernel_regularizer=regularizers.L2(0.01),
                           bias_regularizer=regularizers.L1(0.02),
                           activity_regularizer=regularizers.L1(0.05)),
        keras.layers.Dense(1, kernel_regularizer=regularizers.L1L2(l1=0.01, l2=0.02)),
    ])
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(2, 1)),
                       rng.normal(size=1)])
    return model


def _numpy_terms(weights, x, y):
    w1, b1, w2, b2 = [np.asarray(w, np.float64) for w in weights]
    h = x @ w1 + b1
    out = h @ w2 + b2
    weight_penalty = (0.01 * np.sum(w1 ** 2) + 0.02 * np.sum(np.abs(b1))
                      + 0.01 * np.sum(np.abs(w2)) + 0.02 * np.sum(w2 ** 2))
    return h, out, weight_penalty


def test_history_loss_is_data_loss_plus_penalties_per_batch():
    x, y = _data(n=13)
    model = _two_layer_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    weights = model.get_weights()
    history = model.fit(x, y, batch_size=5, epochs=1, shuffle=False, verbose=0)
    h, out, weight_penalty = _numpy_terms(weights, x, y)
    total = 0.0
    for start in range(0, 13, 5):
        sl = slice(start, start + 5)
        n_b = len(x[sl])
        batch_loss = (np.mean((out[sl] - y[sl]) ** 2) + weight_penalty
                      + 0.05 * np.sum(np.abs(h[sl])) / n_b)
        total += n_b * batch_loss
    assert len(history.history["loss"]) == 1
    assert history.history["loss"][0] == pytest.approx(total / 13, rel=1e-5)


def test_l2_penalty_feeds_the_gradient_of_one_sgd_step():
    x, y = _data(n=16)
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(1, kernel_regularizer=regularizers.L2(0.1))])
    model.set_weights([np.array([[0.5], [-1.0], [2.0]]), np.array([0.3])])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    w, b = [np.asarray(a, np.float64) for a in model.get_weights()]
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    losses = []
    for _ in range(2):
        r = x @ w + b - y
        losses.append(np.mean(r ** 2) + 0.1 * np.sum(w ** 2))
        grad_w = 2.0 / 16 * x.T @ r + 2 * 0.1 * w
        grad_b = 2.0 / 16 * r.sum(axis=0)
        w, b = w - 0.1 * grad_w, b - 0.1 * grad_b
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    new_w, new_b = model.get_weights()
    assert new_w.shape == (3, 1) and new_b.shape == (1,)
    np.testing.assert_allclose(new_w, w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_b, b, rtol=1e-5, atol=1e-6)


def test_evaluate_on_perfect_predictions_returns_the_penalty():
    x = np.array([[1, 2], [0, 3], [2, -1], [4, 1], [-2, 2]], np.float32)
    kernel = np.array([[1.0], [2.0]], np.float32)
    y = x @ kernel
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(
        1, use_bias=False, kernel_regularizer=regularizers.L2(0.01),
        activity_regularizer=regularizers.L2(0.001))])
    model.set_weights([kernel])
    model.compile(optimizer="sgd", loss="mse")
    expected = 0.01 * np.sum(kernel ** 2) + 0.001 * np.sum(y ** 2) / len(x)
    assert model.evaluate(x, y, batch_size=2, verbose=0) == pytest.approx(expected, rel=1e-6)
    plain = keras.Sequential([keras.layers.Input((2,)),
                              keras.layers.Dense(1, use_bias=False)])
    plain.set_weights([kernel])
    plain.compile(optimizer="sgd", loss="mse")
    assert plain.evaluate(x, y, verbose=0) == 0.0


def test_validation_loss_includes_the_penalties():
    x, y = _data(n=20)
    model = _two_layer_model()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    weights = model.get_weights()
    history = model.fit(x[:15], y[:15], validation_data=(x[15:], y[15:]), batch_size=8,
                        epochs=1, verbose=0)
    h, out, weight_penalty = _numpy_terms(weights, x[15:], y[15:])
    expected = np.mean((out - y[15:]) ** 2) + weight_penalty + 0.05 * np.sum(np.abs(h)) / 5
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


def test_layer_and_model_losses_values():
    x, _ = _data(n=4)
    model = _two_layer_model()
    first, second = model.layers
    assert len(model.losses) == 3  # weight penalties only, before any call
    model(x)
    w1, b1, w2, _ = model.get_weights()
    h = x @ w1 + b1
    expected_first = [0.05 * np.sum(np.abs(h)) / 4, 0.01 * np.sum(w1 ** 2),
                      0.02 * np.sum(np.abs(b1))]
    np.testing.assert_allclose([float(v) for v in first.losses], expected_first, rtol=1e-5)
    np.testing.assert_allclose([float(v) for v in second.losses],
                               [0.01 * np.sum(np.abs(w2)) + 0.02 * np.sum(w2 ** 2)],
                               rtol=1e-5)
    np.testing.assert_allclose(sorted(float(v) for v in model.losses),
                               sorted(expected_first + [float(second.losses[0])]), rtol=1e-5)
    model(x[:2])  # a new call replaces the activity loss of the last one
    h2 = x[:2] @ w1 + b1
    assert float(first.losses[0]) == pytest.approx(0.05 * np.sum(np.abs(h2)) / 2, rel=1e-5)


class _MeanSquarePenalty(keras.layers.Layer):
    """Adds `0.5 * mean(inputs ** 2)` to the loss and passes inputs on."""

    def call(self, inputs):
        self.add_loss(0.5 * jnp.mean(jnp.square(inputs)))
        return inputs


def test_add_loss_in_a_custom_layer_joins_loss_and_gradient():
    x, y = _data(n=12)
    penalty = _MeanSquarePenalty()
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1), penalty])
    model.set_weights([np.array([[0.2], [0.4], [-0.6]]), np.array([0.1])])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    w, b = [np.asarray(a, np.float64) for a in model.get_weights()]
    out = x @ w + b
    history = model.fit(x, y, batch_size=12, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(
        np.mean((out - y) ** 2) + 0.5 * np.mean(out ** 2), rel=1e-5)
    grad_w = 2.0 / 12 * x.T @ (out - y) + 1.0 / 12 * x.T @ out
    grad_b = 2.0 / 12 * (out - y).sum(0) + 1.0 / 12 * out.sum(0)
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.05 * grad_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_b, b - 0.05 * grad_b, rtol=1e-5, atol=1e-6)
    model(x[:3])
    after = x[:3] @ new_w + new_b
    assert [float(v) for v in penalty.losses] == pytest.approx([0.5 * np.mean(after ** 2)],
                                                               rel=1e-5)
    new_out = x @ new_w + new_b
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        np.mean((new_out - y) ** 2) + 0.5 * np.mean(new_out ** 2), rel=1e-5)


def test_activity_regularization_layer_in_fit():
    x, y = _data(n=10)
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1),
                              ActivityRegularization(l1=0.1, l2=0.2)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    w, b = model.get_weights()
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    out = x @ w + b
    total = sum(len(out[s:s + 4]) * np.mean((out[s:s + 4] - y[s:s + 4]) ** 2)
                + 0.1 * np.sum(np.abs(out[s:s + 4])) + 0.2 * np.sum(out[s:s + 4] ** 2)
                for s in range(0, 10, 4))
    assert history.history["loss"][0] == pytest.approx(total / 10, rel=1e-5)
    config = model.layers[1].get_config()
    assert (config["l1"], config["l2"]) == (0.1, 0.2) and "activity_regularizer" not in config


class _KernelRecorder(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.kernels.append(self.model.layers[0].kernel.numpy().copy())
        self.biases.append(self.model.layers[0].bias.numpy().copy())

    def on_train_begin(self, logs=None):
        self.kernels, self.biases = [], []


def _record(constraint, bias_constraint=None):
    keras.utils.set_random_seed(3)
    x, y = _data(n=40, d=4, seed=2)
    y = np.concatenate([10 * y, -10 * y, y], axis=1)
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(
        3, kernel_initializer="ones", kernel_constraint=constraint,
        bias_constraint=bias_constraint)])
    model.compile(optimizer=keras.optimizers.Adam(0.5), loss="mse")
    recorder = _KernelRecorder()
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[recorder], verbose=0)
    assert len(recorder.kernels) == 10 and recorder.kernels[0].shape == (4, 3)
    return np.stack(recorder.kernels), np.stack(recorder.biases)


def test_constraints_hold_after_every_update_in_fit():
    free, free_bias = _record(None)
    norms = lambda k: np.sqrt(np.sum(k ** 2, axis=1))  # noqa: E731 (per column, axis 0)
    assert norms(free).max() > 1.0 and free.min() < 0 and free_bias.min() < 0

    kernels, _ = _record(constraints.MaxNorm(0.5))
    assert norms(kernels).max() <= 0.5 + 1e-5

    kernels, biases = _record(constraints.NonNeg(), bias_constraint=constraints.NonNeg())
    assert kernels.min() >= 0.0 and biases.min() >= 0.0

    kernels, _ = _record(constraints.UnitNorm())
    np.testing.assert_allclose(norms(kernels), 1.0, atol=1e-5)

    kernels, _ = _record(constraints.MinMaxNorm(min_value=0.5, max_value=0.8, rate=1.0))
    assert norms(kernels).min() >= 0.5 - 1e-5 and norms(kernels).max() <= 0.8 + 1e-5
