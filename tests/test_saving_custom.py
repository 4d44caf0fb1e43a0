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


@keras.saving.register_keras_serializable(package="Course")
class SimpleDense(keras.layers.Layer):
    """The Keras guide's layer, with no get_config of its own."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation = units, keras.activations.get(activation)

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return self.activation(jnp.matmul(inputs, self.W) + self.b)


@keras.saving.register_keras_serializable(package="Course")
class TwoLayerNet(keras.Model):
    def __init__(self, hidden=5, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(hidden, activation="tanh")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_layer_without_get_config_saves_its_constructor_arguments(tmp_path):
    layer = SimpleDense(4, activation="relu", name="simple")
    config = layer.get_config()
    assert config["units"] == 4 and config["activation"] == "relu"
    assert config["name"] == "simple"
    model = keras.Sequential([keras.layers.Input((3,)), layer, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(1).normal(size=(8, 3)).astype(np.float32)
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    model.save(tmp_path / "simple.lamina")
    loaded = keras.models.load_model(tmp_path / "simple.lamina")
    assert loaded.layers[0].units == 4
    got = loaded.predict(x, verbose=0)
    assert got.shape == (8, 1)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-6)


def test_subclassed_model_without_get_config_round_trips(tmp_path):
    model = TwoLayerNet(hidden=7)
    model.compile("sgd", "mse")
    x = np.random.default_rng(2).normal(size=(8, 3)).astype(np.float32)
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    assert model.get_config()["hidden"] == 7
    model.save(tmp_path / "net.lamina")
    loaded = keras.models.load_model(tmp_path / "net.lamina")
    assert loaded.hidden.units == 7
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_layer_with_a_function_argument_records_no_automatic_config():
    layer = SimpleDense(2, activation=jnp.tanh)
    assert "units" not in layer.get_config()
