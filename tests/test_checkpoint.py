"""ModelCheckpoint: file names from the logs, best-only saves, atomic writes."""
import os

import numpy as np
import pytest
from safetensors.numpy import load_file

import lamina as keras
from lamina import callbacks


class Inject(callbacks.Callback):
    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def _model():
    keras.layers.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


_rs = np.random.RandomState(0)
X = _rs.rand(16, 2).astype(np.float32)
Y = X.sum(axis=1, keepdims=True)


def _weights_log(model):
    seen = []
    return seen, callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()))


def test_file_names_are_formatted_from_epoch_and_logs(tmp_path):
    model = _model()
    pattern = str(tmp_path / "new" / "ckpt-{epoch:02d}-{val_loss:.3f}.weights.safetensors")
    seen, record = _weights_log(model)
    history = model.fit(X, Y, epochs=3, batch_size=4, verbose=0, validation_split=0.25,
                        callbacks=[record, callbacks.ModelCheckpoint(
                            pattern, save_weights_only=True)])
    expected = [f"ckpt-{e + 1:02d}-{v:.3f}.weights.safetensors"
                for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path / "new")) == sorted(expected)
    tensors = load_file(str(tmp_path / "new" / expected[1]))
    assert tensors["dense/kernel"].shape == (2, 3)
    np.testing.assert_array_equal(tensors["dense/kernel"], seen[1][0])
    np.testing.assert_array_equal(tensors["dense_1/bias"], seen[1][3])


def test_full_model_checkpoint_loads_back_with_its_optimizer_state(tmp_path):
    model = _model()
    path = str(tmp_path / "model.lamina")
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(path, monitor="loss")])
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 8


def test_save_best_only_saves_on_improvements_only(tmp_path, capsys):
    model = _model()
    seen, record = _weights_log(model)
    path = str(tmp_path / "best.weights.safetensors")
    values = [0.5, 0.7, 0.3, 0.3, 0.4]
    cb = callbacks.ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True,
                                   save_weights_only=True, verbose=1)
    model.fit(X, Y, epochs=5, batch_size=4, verbose=0,
              callbacks=[record, Inject("score", values), cb])
    out = capsys.readouterr().out
    assert "Epoch 1: score improved from inf to 0.50000" in out
    assert "Epoch 2: score did not improve from 0.50000" in out
    assert "Epoch 3: score improved from 0.50000 to 0.30000" in out
    assert "Epoch 4: score did not improve from 0.30000" in out
    np.testing.assert_array_equal(load_file(path)["dense/kernel"], seen[2][0])
    assert cb.best == 0.3


def test_auto_mode_maximizes_accuracy_and_initial_threshold_blocks_saves(tmp_path):
    model = _model()
    path = tmp_path / "acc.weights.safetensors"
    cb = callbacks.ModelCheckpoint(str(path), monitor="val_accuracy", save_best_only=True,
                                   save_weights_only=True, initial_value_threshold=0.9)
    assert cb.mode == "max"
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[Inject("val_accuracy", [0.8, 0.85]), cb])
    assert not path.exists()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[Inject("val_accuracy", [0.8, 0.95]), cb])
    assert path.exists() and cb.best == 0.95


def test_integer_save_freq_saves_every_n_batches(tmp_path):
    model = _model()
    pattern = str(tmp_path / "b-{epoch}-{batch}.weights.safetensors")
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(pattern, save_weights_only=True, save_freq=3)])
    # 4 batches per epoch; a save after global batches 3 and 6.
    assert sorted(os.listdir(tmp_path)) == ["b-1-3.weights.safetensors",
                                            "b-2-2.weights.safetensors"]


def test_wrong_extension_and_bad_save_freq_are_rejected():
    with pytest.raises(ValueError, match=r"must end in '.weights.safetensors'.*'cp.bin'"):
        callbacks.ModelCheckpoint("cp.bin", save_weights_only=True)
    with pytest.raises(ValueError, match=r"e\.g\. 'cp\.weights\.safetensors'"):
        callbacks.ModelCheckpoint("cp.weights.bin", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in '.lamina'.*'model.bin'"):
        callbacks.ModelCheckpoint("model.bin")
    with pytest.raises(ValueError, match="save_freq='batch'"):
        callbacks.ModelCheckpoint("m.lamina", save_freq="batch")


def test_tf_keras_checkpoint_names_write_lamina_files(tmp_path):
    # Course code: ModelCheckpoint('best.h5') and ('training_1/cp.ckpt', weights only).
    model = _model()
    model_path = tmp_path / "best.h5"
    weights_path = tmp_path / "training_1" / "cp.ckpt"
    with pytest.warns(UserWarning, match="not as HDF5"):
        model.fit(X, Y, epochs=1, batch_size=4, verbose=0, callbacks=[
            callbacks.ModelCheckpoint(str(model_path)),
            callbacks.ModelCheckpoint(str(weights_path), save_weights_only=True)])
    loaded = keras.models.load_model(model_path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-6)
    tensors = load_file(str(weights_path))
    assert set(tensors) == {w.name for w in model.weights}


def test_unknown_format_field_names_the_available_keys(tmp_path):
    model = _model()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.lamina"))
    with pytest.raises(KeyError, match=r"log keys \['loss'\]"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[cb])


def test_unwritable_path_names_the_path(tmp_path):
    model = _model()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = str(blocker / "model.lamina")
    with pytest.raises(OSError, match="ModelCheckpoint could not write '.*file/model.lamina'"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])


def test_failed_save_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    model = _model()
    path = str(tmp_path / "model.lamina")
    seen, record = _weights_log(model)

    class BreakDisk(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:  # the rename of the second save fails
                def fail(src, dst):
                    raise OSError(28, "No space left on device")
                monkeypatch.setattr(os, "replace", fail)

    with pytest.raises(OSError, match="could not write .*No space left on device"):
        model.fit(X, Y, epochs=2, batch_size=4, verbose=0,
                  callbacks=[record, BreakDisk(), callbacks.ModelCheckpoint(path)])
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.lamina"]  # no temporary file left behind
    loaded = keras.models.load_model(path)
    for a, b in zip(loaded.get_weights(), seen[0]):
        np.testing.assert_array_equal(a, b)
