"""How many training steps one compiled call runs: the engine's choice, the
`steps_per_execution` override, and the same weights whatever the granularity."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import lamina as keras
from lamina.models import _dispatch as dispatch

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 6, 6, 1)).astype(np.float32)
Y = RNG.integers(0, 3, 20)


class RawConv(keras.layers.Layer):
    """A user's layer that calls XLA's convolution directly (JAX derives its gradient)."""

    def build(self, input_shape):
        self.k = self.add_weight(shape=(3, 3, 1, 2), initializer="glorot_uniform")

    def call(self, x):
        return lax.conv_general_dilated(x, jnp.asarray(self.k), (1, 1), "VALID",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))


def small_cnn(conv, steps_per_execution="auto"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.layers.Input((6, 6, 1)), conv,
                              keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model


def test_steps_per_dispatch_picks_by_the_layers():
    builtin = small_cnn(keras.layers.Conv2D(2, 3))
    raw = small_cnn(RawConv())
    forced = small_cnn(keras.layers.Conv2D(2, 3), steps_per_execution=4)
    assert dispatch.steps_per_dispatch(builtin, X[:4]) is None  # the whole epoch
    expected = 1 if jax.default_backend() == "cpu" else None
    assert dispatch.steps_per_dispatch(raw, X[:4]) == expected
    assert dispatch.steps_per_dispatch(forced, X[:4]) == 4


def test_fit_gives_the_same_weights_at_every_granularity():
    # 20 rows in batches of 8: two full batches and a last one of 4.
    runs = {}
    for setting in ("auto", 1, 2):
        model = small_cnn(keras.layers.Conv2D(2, 3), steps_per_execution=setting)
        history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        runs[setting] = (model.get_weights(), history.history["loss"])
    for setting in (1, 2):
        weights, losses = runs[setting]
        assert len(losses) == 2
        np.testing.assert_allclose(losses, runs["auto"][1], rtol=1e-5)
        for w, ref in zip(weights, runs["auto"][0]):
            assert w.shape == ref.shape
            np.testing.assert_allclose(w, ref, rtol=1e-4, atol=1e-6)


def test_steps_per_execution_rejects_other_values():
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    for bad in (0, "fast", 1.5, True):
        with pytest.raises(ValueError, match=r"'auto'.*positive integer.*received"):
            model.compile("sgd", "mse", steps_per_execution=bad)
    assert model.output_shape == (None, 1)


def test_one_step_per_call_on_padded_last_batches_matches_the_whole_epoch():
    # A dense model may pad its last batch to a bucket (masked rows): one batch per call
    # then runs that batch through the loop program, with the same result.
    x, y = X.reshape(20, 36)[:19], Y[:19]
    weights = {}
    for setting in ("auto", 1):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.layers.Input((36,)), keras.layers.Dense(3)])
        model.compile("sgd", "mse", steps_per_execution=setting)
        model.fit(x, np.eye(3)[y], batch_size=8, epochs=1, shuffle=False, verbose=0)
        weights[setting] = model.get_weights()
    for w, ref in zip(weights[1], weights["auto"]):
        assert w.shape == ref.shape
        np.testing.assert_allclose(w, ref, rtol=1e-5, atol=1e-6)
