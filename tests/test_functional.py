import json

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.models import Functional, functional_from_config


def _two_in_two_out():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = layers.Concatenate()([layers.Dense(4, activation="relu")(a), b])
    price = layers.Dense(1, name="price")(h)
    buy = layers.Dense(1, activation="sigmoid", name="buy")(h)
    return keras.Model([a, b], [price, buy], name="shop")


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    xa = rng.normal(size=(n, 3)).astype("float32")
    xb = rng.normal(size=(n, 2)).astype("float32")
    price = (xa.sum(1) + xb[:, 0]).astype("float32")
    buy = (price > 0).astype("float32")
    return xa, xb, price, buy


def test_model_call_returns_functional_with_structure():
    model = _two_in_two_out()
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert model.input_shape == [(None, 3), (None, 2)]
    assert model.output_shape == [(None, 1), (None, 1)]
    assert [t.shape for t in model.inputs] == [(None, 3), (None, 2)]
    assert model.output_names == ["price", "buy"]


def test_layers_include_input_layers_in_graph_order():
    keras.layers.clear_session()
    x = keras.Input((3,), name="x")
    h = layers.Dense(4, name="h")(x)
    out = layers.Dense(1, name="out")(h)
    model = keras.Model(x, out)
    assert [l.name for l in model.layers] == ["x", "h", "out"]
    assert model.get_layer("h") is model.layers[1]
    assert model.get_layer(index=-1).name == "out"
    with pytest.raises(ValueError, match="No layer named 'nope'"):
        model.get_layer("nope")


def test_predict_matches_numpy_forward():
    x = keras.Input((3,))
    dense = layers.Dense(2)
    model = keras.Model(x, layers.Add()([dense(x), dense(x)]))
    data = np.arange(12, dtype="float32").reshape(4, 3)
    kernel, bias = (w.numpy() for w in dense.weights)
    out = model.predict(data, verbose=0)
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out, 2 * (data @ kernel + bias), rtol=1e-5)


def test_multi_output_fit_logs_keras_names():
    model = _two_in_two_out()
    model.compile("adam", loss=["mse", "binary_crossentropy"],
                  metrics={"price": ["mae"], "buy": ["accuracy"]})
    xa, xb, price, buy = _data()
    history = model.fit([xa, xb], [price, buy], epochs=2, verbose=0, validation_split=0.25)
    assert list(history.history) == [
        "loss", "price_loss", "buy_loss", "price_mae", "buy_accuracy",
        "val_loss", "val_price_loss", "val_buy_loss", "val_price_mae", "val_buy_accuracy"]
    assert len(history.history["loss"]) == 2


def test_multi_output_total_loss_is_weighted_sum():
    model = _two_in_two_out()
    model.compile("sgd", loss={"price": "mse", "buy": "binary_crossentropy"},
                  loss_weights={"price": 0.5, "buy": 2.0})
    xa, xb, price, buy = _data()
    logs = model.evaluate({"a": xa, "b": xb}, {"price": price, "buy": buy}, verbose=0,
                          return_dict=True)
    p, q = model.predict([xa, xb], verbose=0)
    assert p.shape == (40, 1) and q.shape == (40, 1)
    mse = np.mean((p[:, 0] - price) ** 2)
    q = np.clip(q[:, 0], 1e-7, 1 - 1e-7)
    bce = -np.mean(buy * np.log(q) + (1 - buy) * np.log(1 - q))
    np.testing.assert_allclose(logs["price_loss"], mse, rtol=1e-4)
    np.testing.assert_allclose(logs["buy_loss"], bce, rtol=1e-4)
    np.testing.assert_allclose(logs["loss"], 0.5 * mse + 2.0 * bce, rtol=1e-4)


def test_dict_inputs_matched_by_input_name():
    model = _two_in_two_out()
    xa, xb, _, _ = _data()
    by_list = model.predict([xa, xb], verbose=0)
    by_dict = model.predict({"b": xb, "a": xa}, verbose=0)
    assert by_dict[0].shape == (40, 1)
    np.testing.assert_allclose(by_dict[0], by_list[0], rtol=1e-6)


def test_dict_inputs_missing_name_is_explained():
    model = _two_in_two_out()
    xa, _, _, _ = _data()
    with pytest.raises(ValueError, match=r"expects inputs named \['a', 'b'\].*missing "
                                         r"\['b'\]"):
        model.predict({"a": xa}, verbose=0)


def test_dict_outputs_use_keys_as_names():
    x = keras.Input((2,), name="x")
    model = keras.Model({"x": x}, {"y": layers.Dense(1)(x), "z": layers.Dense(2)(x)})
    assert model.output_names == ["y", "z"]
    model.compile("sgd", loss="mse")
    data = np.ones((8, 2), "float32")
    history = model.fit({"x": data}, {"y": np.zeros(8), "z": np.zeros((8, 2))}, epochs=1,
                        verbose=0)
    assert sorted(history.history) == ["loss", "y_loss", "z_loss"]
    out = model.predict({"x": data}, verbose=0)
    assert out["y"].shape == (8, 1) and out["z"].shape == (8, 2)


def test_wrong_number_of_inputs_is_explained():
    model = _two_in_two_out()
    with pytest.raises(ValueError, match=r"expects 2 inputs \['a', 'b'\], but received a "
                                         "single array"):
        model.predict(np.ones((4, 3)), verbose=0)


def test_wrong_input_width_is_explained():
    model = _two_in_two_out()
    model.compile("sgd", loss=["mse", "mse"])
    with pytest.raises(ValueError, match=r"Input 'a'.*expects data of shape \(None, 3\), "
                                         r"but received shape \(4, 5\)"):
        model.fit([np.ones((4, 5)), np.ones((4, 2))], [np.ones(4), np.ones(4)], verbose=0)


def test_shared_layer_has_one_set_of_weights():
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = layers.Dense(2)
    model = keras.Model([a, b], layers.Subtract()([shared(a), shared(b)]))
    assert len(model.weights) == 2
    assert [w.shape for w in model.weights] == [(3, 2), (2,)]
    xa, xb = np.ones((5, 3), "float32"), np.zeros((5, 3), "float32")
    kernel = shared.kernel.numpy()
    out = model.predict([xa, xb], verbose=0)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out, xa @ kernel - xb @ kernel, rtol=1e-5)


def test_shared_layer_shape_error_names_both_layers():
    a = keras.Input((3,), name="left")
    b = keras.Input((4,), name="right")
    shared = layers.Dense(2, name="shared")
    shared(a)
    with pytest.raises(ValueError, match=r"Layer 'shared' \(Dense\) cannot be called on the "
                                         r"output of 'right' \(shape \(None, 4\)\)"):
        shared(b)


def test_residual_connection_trains():
    keras.utils.set_random_seed(1)
    x = keras.Input((4,))
    h = layers.Dense(4, activation="tanh")(x)
    out = layers.Dense(1)(layers.Add()([x, h]))
    model = keras.Model(x, out)
    model.compile(keras.optimizers.Adam(0.05), loss="mse")
    data = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    target = data.sum(1)
    history = model.fit(data, target, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_wide_and_deep_trains():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,))
    deep = layers.Dense(1)(layers.Dense(16, activation="relu")(inputs))
    wide = layers.Dense(1)(inputs)
    outputs = layers.Activation("sigmoid")(layers.Add()([wide, deep]))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(256, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("float32")
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


def test_models_used_as_layers():
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    inner_in = keras.Input((2,))
    inner = keras.Model(inner_in, layers.Dense(1)(inner_in), name="head")
    x = keras.Input((3,))
    model = keras.Model(x, inner(seq(x)))
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Sequential",
                                                        "Functional"]
    assert len(model.weights) == 6
    data = np.ones((5, 3), "float32")
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               inner.predict(seq.predict(data, verbose=0), verbose=0),
                               rtol=1e-5)


def test_disconnected_graph_is_explained():
    x, other = keras.Input((3,)), keras.Input((3,), name="forgotten")
    out = layers.Add()([layers.Dense(2)(x), layers.Dense(2)(other)])
    with pytest.raises(ValueError, match="Graph disconnected: .*'forgotten'"):
        keras.Model(x, out)


def test_non_tensor_outputs_are_rejected():
    x = keras.Input((3,))
    with pytest.raises(TypeError, match="must be tensors from keras.Input"):
        keras.Model(x, np.ones(3))


def test_summary_has_connected_to_column():
    keras.layers.clear_session()
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    model = keras.Model([a, b], layers.Add(name="sum")([shared(a), shared(b)]))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in lines[2]
    assert len(lines[1]) == 98
    assert "[(None, 3)]" in text
    assert "['a[0][0]'," in text and "'b[0][0]']" in text
    assert "['shared[0][0]'," in text and "'shared[1][0]']" in text
    assert "Total params: 8" in text


def test_config_round_trip_rebuilds_graph():
    model = _two_in_two_out()
    config = json.loads(json.dumps(model.get_config()))
    clone = functional_from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert clone.output_names == ["price", "buy"]
    clone.set_weights(model.get_weights())
    xa, xb, _, _ = _data(6)
    for got, want in zip(clone.predict([xa, xb], verbose=0),
                         model.predict([xa, xb], verbose=0)):
        assert got.shape == (6, 1)
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_config_round_trip_with_shared_and_nested_models():
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(3)])
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = layers.Dense(3)
    out = layers.Concatenate()([seq(shared(a)), shared(b)])
    model = keras.Model([a, b], out)
    clone = Functional.from_config(json.loads(json.dumps(model.get_config())))
    assert len(clone.weights) == 4
    clone.set_weights(model.get_weights())
    data = [np.ones((2, 3), "float32"), np.zeros((2, 3), "float32")]
    np.testing.assert_allclose(clone.predict(data, verbose=0),
                               model.predict(data, verbose=0), rtol=1e-6)


def test_config_unknown_class_is_explained():
    x = keras.Input((2,))
    config = keras.Model(x, layers.Dense(1)(x)).get_config()
    config["layers"][1]["class_name"] = "MyDense"
    with pytest.raises(ValueError, match=r"Unknown layer class 'MyDense'.*custom_objects"):
        functional_from_config(config)


def test_dict_targets_missing_output_is_explained():
    model = _two_in_two_out()
    model.compile("sgd", loss="mse")
    xa, xb, price, _ = _data()
    with pytest.raises(ValueError, match=r"outputs are named \['price', 'buy'\]; missing "
                                         r"\['buy'\]"):
        model.fit([xa, xb], {"price": price}, verbose=0)
