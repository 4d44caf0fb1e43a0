"""Masks (DESIGN.md §9): made by `Masking`, carried through Sequential, functional and
subclassed models, merged by merging layers, and ignored by losses and metrics —
checked against NumPy on padded sequences."""
import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
N, T, F = 6, 5, 3
LENGTHS = np.array([5, 3, 1, 4, 2, 5])
VALID = np.arange(T)[None, :] < LENGTHS[:, None]          # (N, T)
X = np.where(VALID[..., None], RNG.normal(size=(N, T, F)), 0.0).astype(np.float32)
Y = RNG.normal(size=(N, T, 1)).astype(np.float32)


def masked_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((T, F)), layers.Masking(0.0), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def np_masked(model, x=X, y=Y):
    kernel, bias = model.get_weights()
    err = x @ kernel + bias - y                           # (N, T, 1)
    valid = np.any(x != 0.0, axis=-1)
    return (float(np.sum(err[..., 0] ** 2 * valid) / valid.sum()),
            float(np.sum(np.abs(err[..., 0]) * valid) / valid.sum()))


def test_masking_marks_all_padding_steps():
    mask = layers.Masking(0.0).compute_mask(X)
    assert mask.shape == (N, T)
    np.testing.assert_array_equal(np.asarray(mask), VALID)


def test_masking_output_zeroes_masked_steps_and_carries_the_mask():
    x = X.copy()
    x[0, 1, :] = 7.0   # a step equal to another mask value is kept
    layer = layers.Masking(mask_value=7.0)
    out = layer(x)
    assert out.shape == (N, T, F)
    np.testing.assert_array_equal(np.asarray(out)[0, 1], 0.0)
    assert out._keras_mask.shape == (N, T) and not bool(out._keras_mask[0, 1])


def test_evaluate_loss_and_metrics_ignore_masked_steps():
    model = masked_model()
    loss, mae = model.evaluate(X, Y, batch_size=N, verbose=0)
    expected_loss, expected_mae = np_masked(model)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert mae == pytest.approx(expected_mae, rel=1e-5)
    unmasked = float(np.mean((X @ model.get_weights()[0] + model.get_weights()[1] - Y) ** 2))
    assert abs(unmasked - expected_loss) > 1e-3  # the check above can tell them apart


def test_fit_ignores_targets_at_masked_steps():
    garbage = np.where(VALID[..., None], Y, 1e3).astype(np.float32)
    a, b = masked_model(), masked_model()
    history_a = a.fit(X, Y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    history_b = b.fit(X, garbage, batch_size=4, epochs=2, verbose=0, shuffle=False)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history_a.history["loss"], history_b.history["loss"], rtol=1e-6)


def test_one_sgd_step_matches_the_masked_gradient_by_hand():
    model = masked_model()
    kernel, bias = [w.astype(np.float64) for w in model.get_weights()]
    model.fit(X, Y, batch_size=N, epochs=1, verbose=0, shuffle=False)
    err = (X @ kernel + bias - Y)[..., 0] * VALID        # (N, T)
    grad_k = 2 * np.einsum("nt,ntf->f", err, X)[:, None] / VALID.sum()
    grad_b = 2 * err.sum() / VALID.sum()
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.1 * grad_k, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], bias - 0.1 * grad_b, rtol=1e-5)


def test_functional_graph_carries_and_merges_masks():
    inputs = keras.Input((T, F))
    masked = layers.Masking(0.0)(inputs)
    hidden = layers.Dense(F)(masked)
    assert masked._keras_mask.shape == (None, T)
    assert hidden._keras_mask.shape == (None, T)       # Dense passes it on
    summed = layers.Add()([hidden, masked])
    joined = layers.Concatenate()([hidden, inputs])     # one input has no mask
    flat = layers.Flatten()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dropped = flat(summed)
    assert dropped._keras_mask is None
    assert any("does not support masking" in str(w.message) for w in caught)
    model = keras.Model(inputs, [summed, joined])
    out_sum, out_cat = model(X)
    assert out_sum.shape == (N, T, F) and out_cat.shape == (N, T, 2 * F)
    np.testing.assert_array_equal(np.asarray(out_sum._keras_mask), VALID)
    np.testing.assert_array_equal(np.asarray(out_cat._keras_mask), np.ones((N, T), bool))


def test_merging_masks_are_and_for_elementwise_layers():
    a = np.array([[True, True, False]])
    b = np.array([[True, False, False]])
    x = np.ones((1, 3, 2), np.float32)
    mask = layers.Add().compute_mask([x, x], [a, b])
    np.testing.assert_array_equal(np.asarray(mask), a & b)
    assert layers.Add().compute_mask([x, x], [None, None]) is None
    np.testing.assert_array_equal(np.asarray(layers.Multiply().compute_mask([x, x], [a, None])),
                                  a)


def test_functional_model_trains_with_masked_loss():
    inputs = keras.Input((T, F))
    outputs = layers.Dense(1)(layers.Masking(0.0)(inputs))
    keras.utils.set_random_seed(0)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(np_masked(model)[0], rel=1e-5)


def test_subclassed_model_call_carries_masks_to_the_loss():
    class Tagger(keras.Model):
        def __init__(self):
            super().__init__()
            self.masking = layers.Masking(0.0)
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(self.masking(x))

    keras.utils.set_random_seed(0)
    model = Tagger()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    loss, mae = model.evaluate(X, Y, verbose=0)
    expected_loss, expected_mae = np_masked(model)
    assert loss == pytest.approx(expected_loss, rel=1e-5)
    assert mae == pytest.approx(expected_mae, rel=1e-5)


def test_explicit_mask_argument_wins_over_the_attached_one():
    class Count(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            return inputs if mask is None else inputs * mask[..., None]

    layer = Count()
    mask = np.zeros((N, T), bool)
    out = layer(layers.Masking(0.0)(X), mask=mask)
    assert out.shape == (N, T, F) and float(np.abs(np.asarray(out)).sum()) == 0.0


def test_custom_train_step_finds_the_mask_of_its_predictions():
    from lamina.core.train import step_keys

    class Halved(keras.Sequential):
        def train_step(self, state, data):
            x, y, sample_weight = data
            y_pred, _, _ = self.stateless_forward(state.trainable, state.non_trainable, x,
                                                  training=True, rng=step_keys(state))
            loss = 0.5 * self.compute_loss(x, y, y_pred, sample_weight)
            return self.update_metrics(state, loss, y, y_pred, sample_weight)

    keras.utils.set_random_seed(0)
    model = Halved([keras.Input((T, F)), layers.Masking(0.0), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, Y, batch_size=N, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(0.5 * np_masked(model)[0], rel=1e-5)
