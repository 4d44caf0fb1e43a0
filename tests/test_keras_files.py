"""Keras's model and weight files: fixtures written by tf.keras 2.21 and Keras 3.15
(tests/fixtures/make_keras_files.py), and files written here with h5py in Keras's
layouts, checked against NumPy forward passes."""
import base64
import io
import json
import marshal
import os
import shutil
import sys
import warnings
import zipfile

import numpy as np
import pytest

import lamina as keras

h5py = pytest.importorskip("h5py")

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras")


def _expected(flavour):
    with open(os.path.join(FIXTURES, f"expected_{flavour}.json")) as f:
        exp = json.load(f)
    a, b = np.array(exp["a"], np.float32), np.array(exp["b"], np.float32)
    assert a.shape == (6, 4) and b.shape == (6, 3)
    return exp, a, b


def _sequential():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dropout(0.2),
                             keras.layers.Dense(1)])


def _functional():
    a, b = keras.Input((4,)), keras.Input((3,))
    x = keras.layers.Dense(5, activation="relu")(a)
    x = keras.layers.Dropout(0.3)(keras.layers.BatchNormalization()(x))
    x = keras.layers.Concatenate()([x, b])
    return keras.Model([a, b], keras.layers.Dense(2, activation="softmax")(x))


MODEL_FILES = [("tf2", "sequential_tf2.h5", 0.01), ("tf2", "functional_tf2.h5", 0.001),
               ("keras3", "sequential_keras3.keras", 0.01),
               ("keras3", "functional_keras3.keras", 0.001),
               ("keras3", "functional_keras3.h5", 0.001)]


@pytest.mark.parametrize("flavour,name,lr", MODEL_FILES)
def test_load_model_predicts_what_keras_recorded(flavour, name, lr):
    exp, a, b = _expected(flavour)
    model = keras.models.load_model(os.path.join(FIXTURES, name))
    sequential = name.startswith("sequential")
    out = model.predict(a if sequential else [a, b], verbose=0)
    want = np.array(exp["sequential" if sequential else "functional"], np.float32)
    assert out.shape == want.shape == ((6, 1) if sequential else (6, 2))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    assert float(model.optimizer.learning_rate) == pytest.approx(lr)
    assert model.compiled_loss._losses == ("mse" if sequential else "categorical_crossentropy")
    assert model.compiled_metrics._metrics == (["mae"] if sequential else ["accuracy"])


@pytest.mark.parametrize("flavour,name", [("tf2", "nested_tf2.h5"),
                                           ("keras3", "nested_keras3.keras")])
def test_shared_layer_and_nested_model_called_twice(flavour, name):
    """Keras numbers a nested model's calls from 1; the shared layer has two calls."""
    exp, a, _ = _expected(flavour)
    model = keras.models.load_model(os.path.join(FIXTURES, name))
    out = model.predict([a, a[::-1]], verbose=0)
    assert out.shape == (6, 1)
    np.testing.assert_allclose(out, exp["nested"], rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "RMSprop"
    assert [type(layer).__name__ for layer in model.layers].count("Sequential") == 1


def test_loaded_keras_model_trains_and_keeps_its_layer_names():
    model = keras.models.load_model(os.path.join(FIXTURES, "functional_tf2.h5"))
    assert [layer.name for layer in model.layers] == [
        "a", "dense_2", "batch_normalization_1", "dropout_1", "b", "concatenate", "dense_3"]
    _, a, b = _expected("tf2")
    history = model.fit([a, b], np.eye(2)[[0, 1, 0, 1, 0, 1]], epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]


@pytest.mark.parametrize("flavour,name", [
    ("tf2", "sequential_tf2_weights.h5"), ("tf2", "functional_tf2_weights.h5"),
    ("keras3", "sequential_keras3.weights.h5"), ("keras3", "functional_keras3.weights.h5"),
    ("keras3", "functional_keras3.keras")])
def test_load_weights_reads_keras_weight_files(flavour, name):
    exp, a, b = _expected(flavour)
    sequential = name.startswith("sequential")
    model = _sequential() if sequential else _functional()
    model.load_weights(os.path.join(FIXTURES, name))
    want = np.array(exp["sequential" if sequential else "functional"], np.float32)
    np.testing.assert_allclose(model.predict(a if sequential else [a, b], verbose=0), want,
                               rtol=1e-5, atol=1e-6)


def test_reader_is_chosen_by_content_not_name(tmp_path):
    exp, a, _ = _expected("keras3")
    odd = tmp_path / "keras_weights.bin"
    shutil.copy(os.path.join(FIXTURES, "sequential_keras3.weights.h5"), odd)
    model = _sequential()
    model.load_weights(str(odd))
    np.testing.assert_allclose(model.predict(a, verbose=0), exp["sequential"], rtol=1e-5,
                               atol=1e-6)
    lamina_h5 = str(tmp_path / "lamina_weights.h5")  # Lamina's safetensors, named .h5
    with pytest.warns(UserWarning, match="safetensors"):
        model.save_weights(lamina_h5)
    other = _sequential()
    other.load_weights(lamina_h5)
    for x, y in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(x, y)
    lamina_model = str(tmp_path / "lamina_model.h5")  # Lamina's archive, named .h5
    with pytest.warns(UserWarning, match="Lamina model archive"):
        model.save(lamina_model)
    np.testing.assert_array_equal(keras.models.load_model(lamina_model).predict(a, verbose=0),
                                  model.predict(a, verbose=0))


# -- files written with h5py in Keras 2's layout ---------------------------------------
def _write_keras2(path, layers, model_config=None, training_config=None):
    """Keras 2's HDF5 layout: `layer_names`, and per layer `weight_names` + datasets."""
    with h5py.File(path, "w") as f:
        group = f.create_group("model_weights") if model_config else f
        group.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        group.attrs["keras_version"] = b"2.2.4"
        group.attrs["backend"] = b"tensorflow"
        for name, weights in layers:
            layer_group = group.create_group(name)
            layer_group.attrs["weight_names"] = np.array(
                [w.encode() for w, _ in weights]) if weights else np.array([])
            for weight_name, array in weights:
                layer_group.create_dataset(weight_name, data=array)
        if model_config is not None:
            f.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode()


RNG = np.random.default_rng(3)
K1, B1 = RNG.normal(size=(3, 4)).astype(np.float32), RNG.normal(size=4).astype(np.float32)
K2, B2 = RNG.normal(size=(4, 2)).astype(np.float32), RNG.normal(size=2).astype(np.float32)
X = RNG.normal(size=(5, 3)).astype(np.float32)


def _numpy_forward(x):
    h = np.maximum(x @ K1 + B1, 0)
    z = h @ K2 + B2
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _dense(name, units, activation, **extra):
    config = {"name": name, "trainable": True, "units": units, "activation": activation,
              "use_bias": True,
              "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                  "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None}
    config.update(extra)
    return {"class_name": "Dense", "config": config}


KERAS2_WEIGHTS = [("input_1", []),
                  ("dense_1", [("dense_1/kernel:0", K1), ("dense_1/bias:0", B1)]),
                  ("dense_2", [("dense_2/kernel:0", K2), ("dense_2/bias:0", B2)])]


def _keras2_functional():
    """A Keras 2.2.4 functional model config ("Model", inbound nodes as lists)."""
    layers = [{"name": "input_1", "class_name": "InputLayer", "inbound_nodes": [],
               "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                          "sparse": False, "name": "input_1"}}]
    for name, units, act, src in [("dense_1", 4, "relu", "input_1"),
                                  ("dense_2", 2, "softmax", "dense_1")]:
        entry = _dense(name, units, act)
        entry.update(name=name, inbound_nodes=[[[src, 0, 0, {}]]])
        layers.append(entry)
    return {"class_name": "Model", "config": {
        "name": "model_1", "layers": layers, "input_layers": [["input_1", 0, 0]],
        "output_layers": [["dense_2", 0, 0]]}}


def test_keras2_functional_model_file_matches_numpy(tmp_path):
    path = str(tmp_path / "model.hdf5")
    training = {"loss": "categorical_crossentropy", "metrics": ["acc"],
                "optimizer_config": {"class_name": "SGD", "config": {
                    "lr": 0.05, "momentum": 0.9, "decay": 0.0, "nesterov": False}}}
    _write_keras2(path, KERAS2_WEIGHTS, _keras2_functional(), training)
    model = keras.models.load_model(path)
    out = model.predict(X, verbose=0)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(out, _numpy_forward(X), rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    assert model.compiled_metrics._metrics == ["acc"]


def test_keras2_sequential_written_as_a_list_of_layers(tmp_path):
    path = str(tmp_path / "old.h5")
    config = {"class_name": "Sequential", "config": [
        _dense("dense_1", 4, "relu", batch_input_shape=[None, 3], dtype="float32"),
        _dense("dense_2", 2, "softmax")]}
    _write_keras2(path, KERAS2_WEIGHTS[1:], config)
    model = keras.models.load_model(path)
    np.testing.assert_allclose(model.predict(X, verbose=0), _numpy_forward(X), rtol=1e-5,
                               atol=1e-6)
    assert not model.compiled


def test_load_weights_by_name_and_skip_mismatch(tmp_path):
    path = str(tmp_path / "w.h5")
    _write_keras2(path, KERAS2_WEIGHTS)
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="relu", name="dense_1")(inputs)
    extra = keras.layers.Dense(4, name="extra")(hidden)  # absent from the file
    out = keras.layers.Dense(2, activation="softmax", name="dense_2")(hidden)
    model = keras.Model(inputs, [out, extra])
    before = model.get_layer("extra").get_weights()
    with pytest.raises(ValueError, match="3 layers with weights.*by_name=True"):
        model.load_weights(path)
    model.load_weights(path, by_name=True)
    np.testing.assert_allclose(model.predict(X, verbose=0)[0], _numpy_forward(X),
                               rtol=1e-5, atol=1e-6)
    for x, y in zip(before, model.get_layer("extra").get_weights()):
        np.testing.assert_array_equal(x, y)

    wrong = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="dense_1"),
                              keras.layers.Dense(3, name="dense_2")])
    with pytest.raises(ValueError, match=r"dense_2.*\(4, 3\) in the model but \(4, 2\)"):
        wrong.load_weights(path, by_name=True)
    kept = wrong.layers[1].get_weights()
    with pytest.warns(UserWarning, match="Skipped weights"):
        wrong.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(wrong.layers[0].kernel.numpy(), K1)
    np.testing.assert_array_equal(wrong.layers[1].get_weights()[0], kept[0])


def test_weights_matched_by_name_inside_a_layer(tmp_path):
    path = str(tmp_path / "bn.h5")
    gamma, beta, mean, var = (np.full(3, v, np.float32) for v in (2.0, 0.5, 1.0, 4.0))
    _write_keras2(path, [("bn", [("bn/beta:0", beta), ("bn/moving_variance:0", var),
                                 ("bn/gamma:0", gamma), ("bn/moving_mean:0", mean)])])
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(name="bn")])
    model.load_weights(path)
    x = np.ones((2, 3), np.float32) * 3
    expected = (x - 1.0) / np.sqrt(4.0 + 1e-3) * 2.0 + 0.5
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_mixed_precision_policy_and_keras3_keys_are_translated(tmp_path):
    path = str(tmp_path / "mixed.h5")
    policy = {"module": "keras", "class_name": "DTypePolicy",
              "config": {"name": "mixed_float16"}, "registered_name": None}
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "in",
                                                "sparse": False, "ragged": False}},
        _dense("dense_1", 4, "relu", dtype=policy, quantization_config=None),
        _dense("dense_2", 2, "softmax", dtype=policy)]}}
    _write_keras2(path, KERAS2_WEIGHTS[1:], config)
    model = keras.models.load_model(path)
    assert [w.dtype for w in model.weights] == ["float32"] * 4
    np.testing.assert_allclose(model.predict(X, verbose=0), _numpy_forward(X), rtol=1e-5,
                               atol=1e-6)


# -- what is refused -------------------------------------------------------------------
def _lambda_payload(flag):
    code = compile(f"open({str(flag)!r}, 'w').write('ran')", "<file>", "exec")
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


def test_lambda_with_bytecode_is_refused_and_never_run(tmp_path):
    flag = tmp_path / "ran.txt"
    path = str(tmp_path / "lambda.h5")
    config = _keras2_functional()
    config["config"]["layers"].insert(1, {
        "name": "lambda_1", "class_name": "Lambda",
        "inbound_nodes": [[["input_1", 0, 0, {}]]],
        "config": {"name": "lambda_1", "trainable": True,
                   "function": [_lambda_payload(flag), None, None],
                   "function_type": "lambda", "module": "__main__",
                   "output_shape": None, "output_shape_type": "raw", "arguments": {}}})
    config["config"]["layers"][2]["inbound_nodes"] = [[["lambda_1", 0, 0, {}]]]
    _write_keras2(path, KERAS2_WEIGHTS, config)
    with pytest.raises(ValueError, match=r"Lambda layer 'lambda_1'.*bytecode.*"
                                         r"never runs code.*load_weights"):
        keras.models.load_model(path)
    assert not flag.exists()


def test_keras3_lambda_bytecode_in_an_archive_is_refused(tmp_path):
    flag = tmp_path / "ran.txt"
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "s",
              "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                          "config": {"batch_shape": [None, 3], "name": "in"}},
                         {"module": "keras.layers", "class_name": "Lambda", "config": {
                             "name": "lambda", "function": {
                                 "class_name": "__lambda__", "config": {
                                     "code": _lambda_payload(flag), "defaults": None,
                                     "closure": None}}, "arguments": {}}}]}}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        f.create_group("layers")
    path = str(tmp_path / "lambda.keras")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", "{}")
        zf.writestr("model.weights.h5", weights.getvalue())
    with pytest.raises(ValueError, match="Lambda layer 'lambda'.*bytecode"):
        keras.models.load_model(path)
    assert not flag.exists()


def test_lambda_with_a_named_function_uses_custom_objects(tmp_path):
    path = str(tmp_path / "named.h5")
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Lambda", "config": {
            "name": "double", "function": "double_it", "function_type": "function",
            "module": "__main__", "output_shape": None, "output_shape_type": "raw",
            "arguments": {}, "batch_input_shape": [None, 3]}}]}}
    _write_keras2(path, [("double", [])], config)

    def double_it(x):
        return x * 2

    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(path)
    model = keras.models.load_model(path, custom_objects={"double_it": double_it})
    np.testing.assert_allclose(model.predict(X, verbose=0), X * 2)


def test_unknown_keras_layer_and_unsupported_setting_are_named(tmp_path):
    path = str(tmp_path / "conv.h5")
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "ConvLSTM2D", "config": {"name": "c", "filters": 2}}]}}
    _write_keras2(path, [("c", [])], config)
    with pytest.raises(ValueError, match="layer class 'ConvLSTM2D'.*custom_objects"):
        keras.models.load_model(path)
    config["config"]["layers"] = [{"class_name": "BatchNormalization", "config": {
        "name": "bn", "renorm": True, "batch_input_shape": [None, 3]}}]
    _write_keras2(path, [("bn", [])], config)
    with pytest.raises(ValueError, match="renorm=True.*does not have"):
        keras.models.load_model(path)


def test_damaged_hdf5_files_are_clear_value_errors(tmp_path):
    good = os.path.join(FIXTURES, "sequential_tf2.h5")
    data = open(good, "rb").read()
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(data[:3000])
    with pytest.raises(ValueError, match="not a readable HDF5 file"):
        keras.models.load_model(str(truncated))

    missing = str(tmp_path / "missing.h5")
    with h5py.File(missing, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense_1"])
        f.create_group("dense_1").attrs["weight_names"] = np.array([b"dense_1/kernel:0"])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="missing.*dense_1/kernel:0"):
        model.load_weights(missing)

    text = str(tmp_path / "text.h5")
    with h5py.File(text, "w") as f:
        f.attrs["layer_names"] = np.array([b"d"])
        group = f.create_group("d")
        group.attrs["weight_names"] = np.array([b"k"])
        group.create_dataset("k", data=np.array([b"abc"]))
    with pytest.raises(ValueError, match="'d/k' has dtype .*not a number"):
        model.load_weights(text)

    bad_json = str(tmp_path / "bad_json.h5")
    with h5py.File(bad_json, "w") as f:
        f.attrs["model_config"] = b"{not json"
    with pytest.raises(ValueError, match="model_config' is not valid JSON"):
        keras.models.load_model(bad_json)

    with pytest.raises(ValueError, match="weights only.*load_weights"):
        keras.models.load_model(os.path.join(FIXTURES, "sequential_tf2_weights.h5"))


def test_links_to_other_files_are_never_followed(tmp_path):
    secret = str(tmp_path / "other.h5")
    with h5py.File(secret, "w") as f:
        f.create_dataset("kernel", data=np.ones((3, 4), np.float32))
    path = str(tmp_path / "linked.h5")
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense_1"])
        group = f.create_group("dense_1")
        group.attrs["weight_names"] = np.array([b"kernel", b"bias"])
        group["kernel"] = h5py.ExternalLink(secret, "/kernel")
        group.create_dataset("bias", data=np.zeros(4, np.float32))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="link to another file"):
        model.load_weights(path)


def test_missing_h5py_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    model = _sequential()
    with pytest.raises(ImportError, match=r"pip install 'lamina\[h5\]'"):
        model.load_weights(os.path.join(FIXTURES, "sequential_tf2_weights.h5"))


def test_damaged_keras_archive_is_a_clear_value_error(tmp_path):
    with zipfile.ZipFile(os.path.join(FIXTURES, "functional_keras3.keras")) as zf:
        config, weights = zf.read("config.json"), zf.read("model.weights.h5")
    path = str(tmp_path / "damaged.keras")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", config)
        zf.writestr("model.weights.h5", weights[:2000])
    with pytest.raises(ValueError, match="weights in .*damaged.keras' is not a readable HDF5"):
        keras.models.load_model(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", config[:100])
        zf.writestr("model.weights.h5", weights)
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        keras.models.load_model(path)


def test_save_weights_in_keras_hdf5_layout_round_trips(tmp_path):
    """tf.keras 2.21 and Keras 3.15 read these files too (checked when this was written:
    their predictions equal Lamina's within 6e-8)."""
    model = _functional()
    _, a, b = _expected("keras3")
    model.load_weights(os.path.join(FIXTURES, "functional_keras3.weights.h5"))
    path = str(tmp_path / "lamina.weights.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an HDF5 file under an HDF5 name: no warning
        model.save_weights(path, save_format="h5")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89HDF\r\n\x1a\n"
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        bn = model.layers[2].name
        assert [n.decode().split("/")[-1] for n in f[bn].attrs["weight_names"]] == [
            "gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]
        np.testing.assert_array_equal(
            f[model.layers[1].name][f"{model.layers[1].name}/kernel:0"][()],
            model.layers[1].kernel.numpy())
    other = _functional()
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict([a, b], verbose=0),
                                  model.predict([a, b], verbose=0))
    with pytest.raises(ValueError, match="never TensorFlow checkpoints"):
        model.save_weights(str(tmp_path / "ckpt"), save_format="tf")
    with pytest.raises(ValueError, match=r"save_weights\('model.weights.h5', save_format='h5'"):
        model.save(str(tmp_path / "m.h5"), save_format="h5")


def test_keras2_leaky_relu_alpha_is_read_without_a_warning(tmp_path):
    path = str(tmp_path / "leaky.h5")
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _dense("dense_1", 4, "linear", batch_input_shape=[None, 3]),
        {"class_name": "LeakyReLU", "config": {"name": "leaky", "alpha": 0.3,
                                               "trainable": True, "dtype": "float32"}}]}}
    _write_keras2(path, [KERAS2_WEIGHTS[1], ("leaky", [])], config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.models.load_model(path)
    z = X @ K1 + B1
    np.testing.assert_allclose(model.predict(X, verbose=0), np.where(z > 0, z, 0.3 * z),
                               rtol=1e-5, atol=1e-6)
