"""layer.input / layer.output and model.input / model.output for feature extraction."""
import numpy as np
import pytest

import lamina as keras


def _data():
    return np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)


def test_sequential_output_of_a_hidden_layer_gives_its_activations():
    model = keras.Sequential([keras.layers.Input((4,)),
                              keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(1)])
    features = keras.Model(model.input, model.get_layer("hidden").output)
    x = _data()
    kernel, bias = model.get_layer("hidden").get_weights()
    got = features.predict(x, verbose=0)
    assert got.shape == (6, 8)
    np.testing.assert_allclose(got, np.maximum(x @ kernel + bias, 0.0), rtol=1e-5, atol=1e-6)


def test_sequential_graph_follows_added_layers():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3)])
    assert model.output.shape == (None, 3)
    model.add(keras.layers.Dense(2))
    assert model.output.shape == (None, 2)
    assert len(model.layers[0]._inbound_nodes) == 1
    assert model.inputs[0].shape == (None, 4)


def test_sequential_built_from_data_has_an_input():
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = _data()
    model.fit(x, x[:, :1], verbose=0)
    assert model.input.shape == (None, 4)
    assert model.output.shape == (None, 1)


def test_layer_output_before_any_symbolic_call_says_how_to_get_one():
    layer = keras.layers.Dense(2)
    layer(_data())
    with pytest.raises(AttributeError, match="never been called on a symbolic input"):
        layer.output


def test_functional_layer_output_builds_a_submodel():
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(5, activation="tanh", name="h")(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    sub = keras.Model(model.input, model.get_layer("h").output)
    x = _data()
    kernel, bias = model.get_layer("h").get_weights()
    got = sub.predict(x, verbose=0)
    assert got.shape == (6, 5)
    np.testing.assert_allclose(got, np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)


def test_sequential_add_after_fit_trains_without_recompiling():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3)])
    model.compile("adam", "mse")
    x = _data()
    model.fit(x, x[:, :3], epochs=1, verbose=0)
    model.add(keras.layers.Dense(1))
    history = model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x, verbose=0).shape == (6, 1)


def test_layer_output_of_a_sequential_layer_works_before_model_output():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, name="first"),
                              keras.layers.Dense(1)])
    assert model.get_layer("first").output.shape == (None, 3)
    assert model.layers[1].input.shape == (None, 3)
