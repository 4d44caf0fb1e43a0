"""Registered user activations, regularizers, constraints and initializers in model files."""
import jax.numpy as jnp
import numpy as np

import lamina as keras


@keras.saving.register_keras_serializable(package="Course")
def scaled_tanh(x):
    return 1.7159 * jnp.tanh(2.0 * x / 3.0)


@keras.saving.register_keras_serializable(package="Course")
class HalfL2(keras.regularizers.Regularizer):
    def __init__(self, factor=0.01):
        self.factor = factor

    def __call__(self, w):
        return 0.5 * self.factor * jnp.sum(w * w)

    def get_config(self):
        return {"factor": self.factor}


@keras.saving.register_keras_serializable(package="Course")
class ClipTo(keras.constraints.Constraint):
    def __init__(self, limit=0.5):
        self.limit = limit

    def __call__(self, w):
        return jnp.clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


def test_registered_activation_regularizer_constraint_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Input((3,)),
        keras.layers.Dense(4, activation=scaled_tanh, kernel_regularizer=HalfL2(0.1),
                           kernel_constraint=ClipTo(0.3)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "custom.lamina"
    model.save(path)
    loaded = keras.models.load_model(path)
    dense = loaded.layers[0]
    assert dense.activation is scaled_tanh
    assert isinstance(dense.kernel_regularizer, HalfL2) and dense.kernel_regularizer.factor == 0.1
    assert isinstance(dense.kernel_constraint, ClipTo) and dense.kernel_constraint.limit == 0.3
    expected = model.predict(x, verbose=0)
    got = loaded.predict(x, verbose=0)
    assert got.shape == (16, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    kernel = dense.kernel.numpy()
    penalty = 0.5 * 0.1 * float(np.sum(kernel * kernel))
    np.testing.assert_allclose(float(loaded.losses[0]), penalty, rtol=1e-5)
    assert np.abs(kernel).max() <= 0.3 + 1e-7
