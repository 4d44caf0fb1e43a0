"""model.save / load_model, save_weights / load_weights, and exact resumption."""
import json
import os
import zipfile

import jax
import numpy as np
import pytest
from safetensors.numpy import load as st_load
from safetensors.numpy import load_file

import lamina as keras
from lamina import saving


@saving.register_keras_serializable(package="SavingTests")
class Offset(keras.layers.Layer):
    def __init__(self, start=0.5, **kwargs):
        super().__init__(**kwargs)
        self.start = start

    def build(self, input_shape):
        self.b = self.add_weight(shape=(input_shape[-1],), name="b",
                                 initializer=keras.initializers.Constant(self.start))

    def call(self, inputs):
        return inputs + self.b

    def get_config(self):
        return {**super().get_config(), "start": self.start}


@saving.register_keras_serializable(package="SavingTests")
class TwoDense(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs, training=False):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _data(n=50, features=3):
    rs = np.random.RandomState(0)
    return rs.rand(n, features).astype(np.float32), rs.rand(n).astype(np.float32)


def _every_layer_model():
    return keras.Sequential([
        keras.layers.Input((3,)),
        keras.layers.Dense(8, activation="relu", kernel_regularizer="l2"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.3),
        keras.layers.Activation("tanh"),
        Offset(0.25),
        keras.layers.Dense(1),
    ])


def test_save_load_model_same_predictions(tmp_path):
    x, y = _data()
    model = _every_layer_model()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "model.lamina"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras.Sequential
    assert [type(l).__name__ for l in loaded.layers] == \
        ["Dense", "BatchNormalization", "Dropout", "Activation", "Offset", "Dense"]
    expected = model.predict(x, verbose=0)
    got = loaded.predict(x, verbose=0)
    assert got.shape == expected.shape == (50, 1)
    np.testing.assert_array_equal(got, expected)
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_save_archive_members_and_config(tmp_path):
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="d")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x, y = _data()
    model.fit(x, np.stack([y, y], axis=1), epochs=1, verbose=0)
    path = tmp_path / "m.lamina"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "model.weights.safetensors",
                                         "optimizer.safetensors"]
        config = json.loads(zf.read("config.json"))
        weights = st_load(zf.read("model.weights.safetensors"))
        training = st_load(zf.read("optimizer.safetensors"))
    assert config["format"] == "lamina.model" and config["format_version"] == 1
    assert config["lamina_version"] == keras.__version__
    assert config["model"]["class_name"] == "Sequential"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["metrics"] == ["mae"]
    assert sorted(weights) == ["d/bias", "d/kernel"]
    np.testing.assert_array_equal(weights["d/kernel"], model.get_layer("d").kernel.numpy())
    assert training["training/rng"].shape == (2,) and training["training/rng"].dtype == np.uint32
    assert int(training["training/step"]) == 2  # 50 rows, batch 32: two steps
    assert int(training["training/seed"]) == model._train.seed
    assert int(training["optimizer.count"]) == 2


def test_load_model_exact_resume_with_dropout_and_batchnorm(tmp_path):
    x, y = _data()

    def make():
        model = _every_layer_model()
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return model

    keras.utils.set_random_seed(7)
    straight = make()
    h_straight = straight.fit(x, y, epochs=4, batch_size=16, verbose=0)

    keras.utils.set_random_seed(7)
    first = make()
    first.fit(x, y, epochs=2, batch_size=16, verbose=0)
    first.save(tmp_path / "half.lamina")
    keras.utils.set_random_seed(99)  # the resumed run must not depend on the global seed
    resumed = keras.models.load_model(tmp_path / "half.lamina")
    h_resumed = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=16, verbose=0)

    assert h_resumed.history["loss"] == h_straight.history["loss"][2:]
    assert h_resumed.history["mae"] == h_straight.history["mae"][2:]
    assert len(straight.weights) == len(resumed.weights) == 9
    assert [v.name for v in resumed.weights] == [v.name for v in first.weights]
    for a, b in zip(straight.weights, resumed.weights):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(resumed.optimizer.iterations) == int(straight.optimizer.iterations) == 16


def test_load_model_subclassed_registered(tmp_path):
    x, y = _data()
    model = TwoDense(units=5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras")
    assert isinstance(loaded, TwoDense) and loaded.units == 5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.fit(x, y, epochs=1, verbose=0)  # still trainable
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_load_model_custom_objects_for_unregistered_layer(tmp_path):
    class Doubler(keras.layers.Layer):
        def call(self, inputs):
            return 2.0 * inputs

    model = keras.Sequential([keras.layers.Input((2,)), Doubler(), keras.layers.Dense(1)])
    model.save(tmp_path / "c.lamina")
    with pytest.raises(ValueError, match="Unknown layer class 'Doubler'"):
        keras.models.load_model(tmp_path / "c.lamina")
    loaded = keras.models.load_model(tmp_path / "c.lamina", custom_objects={"Doubler": Doubler})
    x = np.ones((2, 2), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_model_compile_false_uncompiled(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.lamina")
    loaded = keras.models.load_model(tmp_path / "m.lamina", compile=False)
    assert not loaded.compiled and loaded.optimizer is None


def test_save_include_optimizer_false_omits_state(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), verbose=0)
    model.save(tmp_path / "m.lamina", include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "m.lamina") as zf:
        assert "optimizer.safetensors" not in zf.namelist()
    loaded = keras.models.load_model(tmp_path / "m.lamina")
    assert loaded.compiled and int(loaded.optimizer.iterations) == 0


def test_save_h5_name_writes_a_lamina_archive_and_unknown_extension_fails(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    with pytest.warns(UserWarning, match="Lamina model archive"):
        model.save(tmp_path / "m.h5")
    with zipfile.ZipFile(tmp_path / "m.h5") as archive:
        assert "config.json" in archive.namelist()
    loaded = keras.models.load_model(tmp_path / "m.h5")
    x = np.ones((3, 2), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match=".lamina"):
        model.save(tmp_path / "m.bin")
    with pytest.raises(ValueError, match="save_format='tf'"):
        model.save(tmp_path / "m.lamina", save_format="tf")


def test_save_overwrite_false_keeps_file(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "m.lamina"
    model.save(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(path, overwrite=False)
    assert path.read_bytes() == before


def test_save_unbuilt_model_raises(tmp_path):
    model = keras.Sequential([keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not built"):
        model.save(tmp_path / "m.lamina")


def test_save_weights_readable_by_safetensors(tmp_path):
    keras.layers.clear_session()
    model = _every_layer_model()
    path = tmp_path / "m.weights.safetensors"
    model.save_weights(path)
    tensors = load_file(str(path))
    assert sorted(tensors) == sorted(v.name for v in model.weights)
    assert tensors["dense/kernel"].shape == (3, 8)
    assert tensors["batch_normalization/moving_variance"].shape == (8,)
    for v in model.weights:
        np.testing.assert_array_equal(tensors[v.name], v.numpy())


def test_load_weights_by_name_restores_values(tmp_path):
    keras.layers.clear_session()
    model = _every_layer_model()
    model.save_weights(tmp_path / "w.weights.safetensors")
    keras.layers.clear_session()
    other = _every_layer_model()
    other.load_weights(tmp_path / "w.weights.safetensors")
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_weights_from_model_archive(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(3)])
    model.save(tmp_path / "m.lamina")
    other = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(3)])
    other.layers[0].name = model.layers[0].name
    other.layers[0].kernel.name = model.layers[0].kernel.name
    other.layers[0].bias.name = model.layers[0].bias.name
    other.load_weights(tmp_path / "m.lamina")
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


def test_load_weights_by_position_when_names_differ(tmp_path):
    model = TwoDense(units=3)
    model.predict(np.ones((2, 4), np.float32), verbose=0)
    model.save_weights(tmp_path / "w.weights.safetensors")
    other = TwoDense(units=3)  # its layers get other automatic names
    other.predict(np.ones((2, 4), np.float32), verbose=0)
    assert other.weights[0].name != model.weights[0].name
    other.load_weights(tmp_path / "w.weights.safetensors")
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_weights_shape_mismatch_reported_per_layer(tmp_path):
    small = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="a"),
                              keras.layers.Dense(1, name="b")])
    small.save_weights(tmp_path / "w.weights.safetensors")
    big = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4, name="a"),
                            keras.layers.Dense(1, name="b")])
    with pytest.raises(ValueError) as info:
        big.load_weights(tmp_path / "w.weights.safetensors")
    message = str(info.value)
    assert "layer 'a'" in message and "layer 'b'" in message
    assert "'a/kernel' has shape (3, 4) in the model but (3, 2) in the file" in message
    assert "skip_mismatch=True" in message


def test_load_weights_skip_mismatch_warns_and_loads_the_rest(tmp_path):
    src = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="a"),
                            keras.layers.Dense(1, name="c")])
    src.save_weights(tmp_path / "w.weights.safetensors")
    dst = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="a"),
                            keras.layers.Dense(5, name="c")])
    before = dst.get_layer("c").kernel.numpy()
    with pytest.warns(UserWarning, match="layer 'c'"):
        dst.load_weights(tmp_path / "w.weights.safetensors", skip_mismatch=True)
    np.testing.assert_array_equal(dst.get_layer("a").kernel.numpy(),
                                  src.get_layer("a").kernel.numpy())
    np.testing.assert_array_equal(dst.get_layer("c").kernel.numpy(), before)


def test_load_weights_missing_and_extra_reported(tmp_path):
    src = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="a"),
                            keras.layers.Dense(1, name="x")])
    src.save_weights(tmp_path / "w.weights.safetensors")
    dst = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2, name="a"),
                            keras.layers.Dense(1, name="y")])
    with pytest.raises(ValueError, match="'y/kernel' \\(2, 1\\) is missing.*'x/bias'"):
        dst.load_weights(tmp_path / "w.weights.safetensors")


def test_save_weights_any_name_writes_safetensors_with_a_warning(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    with pytest.warns(UserWarning, match="safetensors weights file"):
        model.save_weights(tmp_path / "w.weights.h5")
    tensors = load_file(str(tmp_path / "w.weights.h5"))
    np.testing.assert_array_equal(tensors[model.weights[0].name], model.weights[0].numpy())
    other = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="safetensors weights file"):
        model.save_weights(tmp_path / "w.bin")
    assert sorted(load_file(str(tmp_path / "w.bin"))) == sorted(tensors)


def test_load_weights_unbuilt_model_raises(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.save_weights(tmp_path / "w.weights.safetensors")
    with pytest.raises(ValueError, match="not built"):
        keras.Sequential([keras.layers.Dense(1)]).load_weights(tmp_path / "w.weights.safetensors")


def test_save_accepts_str_and_pathlike(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.save(str(tmp_path / "a.lamina"))
    model.save(tmp_path / "b.lamina")
    assert os.path.getsize(tmp_path / "a.lamina") > 0
    assert (tmp_path / "b.lamina").exists()


@saving.register_keras_serializable(package="SavingTests")
def halve(x):
    return x / 2


def _functional_model():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = keras.layers.Dense(4, activation="relu")(a)
    h = keras.layers.Lambda(halve)(h)
    h = keras.layers.Concatenate()([h, b])
    h = keras.layers.Reshape((3, 2))(h)
    h = keras.layers.Flatten()(h)
    return keras.Model([a, b], keras.layers.Dense(1)(h))


def test_load_model_functional_same_predictions_and_resume(tmp_path):
    rs = np.random.RandomState(1)
    xa, xb = rs.rand(40, 3).astype(np.float32), rs.rand(40, 2).astype(np.float32)
    y = rs.rand(40).astype(np.float32)
    keras.utils.set_random_seed(3)
    straight = _functional_model()
    straight.compile(optimizer="rmsprop", loss="mse")
    h_straight = straight.fit([xa, xb], y, epochs=3, batch_size=8, verbose=0)
    keras.utils.set_random_seed(3)
    model = _functional_model()
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit([xa, xb], y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "f.lamina")
    loaded = keras.models.load_model(tmp_path / "f.lamina")
    assert type(loaded).__name__ == "Functional"
    np.testing.assert_array_equal(loaded.predict([xa, xb], verbose=0),
                                  model.predict([xa, xb], verbose=0))
    h = loaded.fit([xa, xb], y, epochs=3, initial_epoch=1, batch_size=8, verbose=0)
    assert h.history["loss"] == h_straight.history["loss"][1:]
    copy = keras.models.model_from_json(model.to_json())
    assert copy.predict([xa, xb], verbose=0).shape == (40, 1)


def test_save_creates_missing_folders(tmp_path):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.save(tmp_path / "saved_model" / "my_model.keras")
    model.save_weights(tmp_path / "ckpt" / "w.weights.safetensors")
    assert keras.models.load_model(tmp_path / "saved_model" / "my_model.keras").built
    assert sorted(load_file(str(tmp_path / "ckpt" / "w.weights.safetensors"))) == \
        sorted(v.name for v in model.weights)


def test_optimizer_state_by_position_from_older_files_still_loads():
    from lamina.saving import _weights

    x, y = _data()
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, np.stack([y, y], axis=1), epochs=2, verbose=0)
    saved = _weights.training_to_tensors(model)
    keys = model._train.trainable_keys
    positional = {}
    for name, value in saved.items():
        for i, key in enumerate(keys):
            name = name.replace(f"[{key!r}]", f"[{i}]")
        positional[name] = value
    assert positional.keys() != saved.keys()
    other = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
    other.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    _weights.restore_training(other, positional, "a file")
    for a, b in zip(jax.tree.leaves(model._train.state.optimizer),
                    jax.tree.leaves(other._train.state.optimizer)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert int(other._train.state.step) == int(model._train.state.step) == 4
