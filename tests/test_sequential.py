"""Sequential: building, shape inference, user layers, summary and parameter counts."""
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers


class SimpleDense(keras.layers.Layer):
    """The user layer of the Keras guide (DESIGN.md section 2)."""

    def __init__(self, units, activation=None):
        super().__init__()
        self.units, self.activation = units, keras.activations.get(activation)

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        y = jnp.matmul(inputs, self.W) + self.b
        return self.activation(y) if self.activation else y


def test_sequential_ways_to_declare_the_input_shape():
    for model in [keras.Sequential([keras.Input((4,)), layers.Dense(2)]),
                  keras.Sequential([layers.Dense(2, input_shape=(4,))]),
                  keras.Sequential([layers.Dense(2, input_dim=4)])]:
        assert model.built
        assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
        assert model.count_params() == 10
        assert [type(l).__name__ for l in model.layers] == ["Dense"]


def test_sequential_without_input_shape_builds_from_the_first_data():
    model = keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((6, 5), np.float32)
    model.fit(x, np.zeros((6, 1), np.float32), epochs=1, verbose=0)
    assert model.built and model.layers[0].kernel.shape == (5, 3)
    assert model.output_shape == (None, 1) and model.count_params() == 5 * 3 + 3 + 3 + 1


def test_sequential_add_and_pop():
    model = keras.Sequential()
    model.add(keras.Input((3,)))
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and popped.units == 2
    assert model.output_shape == (None, 4) and model.count_params() == 16
    with pytest.raises(TypeError, match=r"expects a layer, but received 'dense' \(str\)"):
        model.add("dense")
    with pytest.raises(ValueError, match="An Input can only be the first layer"):
        model.add(keras.Input((3,)))
    with pytest.raises(ValueError, match=r"has no layers. Call `model.add\(layer\)`"):
        keras.Sequential().build_from_data(np.zeros((2, 3)))


def test_sequential_weights_and_get_layer():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="hidden"),
                              layers.Dense(1, name="out")], name="net")
    assert model.name == "net"
    assert [w.name for w in model.weights] == ["hidden/kernel", "hidden/bias", "out/kernel",
                                               "out/bias"]
    assert all(isinstance(w, keras.Variable) for w in model.weights)
    assert model.get_layer("out") is model.layers[1]
    assert model.get_layer(index=0).name == "hidden"
    with pytest.raises(ValueError, match=r"No layer named 'nope'.*\['hidden', 'out'\]"):
        model.get_layer("nope")
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    w1, b1, w2, b2 = model.get_weights()
    out = model(x)
    assert out.shape == (5, 1)
    np.testing.assert_allclose(np.asarray(out), (x @ w1 + b1) @ w2 + b2, rtol=1e-5, atol=1e-6)


def test_sequential_user_subclass_infers_shapes_and_trains_like_numpy():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), SimpleDense(4, activation="relu"),
                              SimpleDense(1)])
    assert model.output_shape == (None, 1)
    assert [l.W.shape for l in model.layers] == [(3, 4), (4, 1)]
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    w1, b1, w2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    # The first step (one batch of 16) by hand: backpropagation through relu.
    h_pre = x @ w1 + b1
    h = np.maximum(h_pre, 0)
    r = h @ w2 + b2 - y
    g_out = 2 * r / len(x)
    g_w2, g_b2 = h.T @ g_out, g_out.sum(0)
    g_h = (g_out @ w2.T) * (h_pre > 0)
    g_w1, g_b1 = x.T @ g_h, g_h.sum(0)
    loss0 = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss0, np.mean(r ** 2), rtol=1e-5)
    expected = [w1 - 0.05 * g_w1, b1 - 0.05 * g_b1, w2 - 0.05 * g_w2, b2 - 0.05 * g_b2]
    for got, want in zip(model.get_weights(), expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
    history = model.fit(x, y, batch_size=4, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * loss0


def test_sequential_summary_table_and_counts():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(8, name="d1"),
                              layers.BatchNormalization(name="bn"),
                              layers.Dropout(0.2, name="drop"),
                              layers.Dense(1, name="d2")], name="summ")
    printed = []
    model.summary(print_fn=printed.append)
    text = "\n".join(printed)
    rows = {line.split()[0]: line.split() for line in printed if line.startswith(" ")
            and not line.startswith(" Layer")}
    assert rows["d1"][1:] == ["(Dense)", "(None,", "8)", "32"]
    assert rows["bn"][1:] == ["(BatchNormalization)", "(None,", "8)", "32"]
    assert rows["drop"][1:] == ["(Dropout)", "(None,", "8)", "0"]
    assert rows["d2"][1:] == ["(Dense)", "(None,", "1)", "9"]
    # 3*8+8 + 4*8 + 8*1+1 = 73; BN's moving mean and variance (16) are non-trainable.
    assert printed[0] == 'Model: "summ"'
    assert "Total params: 73 (292.00 " in text
    assert "Trainable params: 57 (228.00 " in text
    assert "Non-trainable params: 16 (64.00 " in text
    assert model.count_params() == 73
    assert sum(w.size for w in model.trainable_weights) == 57


def test_sequential_stateless_call_uses_given_arrays():
    model = keras.Sequential([keras.Input((2,)), layers.BatchNormalization()])
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    gamma, beta = np.array([2.0, 1.0]), np.array([0.0, 1.0])
    out, (mean, var) = model.stateless_call([gamma, beta], [np.zeros(2), np.ones(2)], x,
                                            training=True)
    assert out.shape == (2, 2)
    expected = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) + beta
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(mean), 0.01 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(var), 0.99 + 0.01 * x.var(0), rtol=1e-6)
    # The model's own Variables are untouched.
    np.testing.assert_array_equal(model.layers[0].moving_mean.numpy(), np.zeros(2))
    with pytest.raises(ValueError, match=r"expects 2 trainable and 2 non-trainable arrays "
                                         r"\(its weights.*but received 1 and 2"):
        model.stateless_call([gamma], [np.zeros(2), np.ones(2)], x)
