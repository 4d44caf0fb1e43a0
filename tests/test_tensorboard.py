"""TensorBoard event files, read back with TensorBoard's own EventAccumulator."""
import json
import os
import sys

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import lamina as keras
from lamina import callbacks


def _read(log_dir, run):
    acc = EventAccumulator(os.path.join(str(log_dir), run),
                           size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                                          "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def _model():
    keras.layers.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


_rs = np.random.RandomState(0)
X = _rs.rand(40, 3).astype(np.float32)
Y = (X.sum(axis=1) > 1.5).astype(np.float32)


def test_epoch_scalars_equal_history_in_train_and_validation_runs(tmp_path):
    model = _model()
    history = model.fit(X, Y, epochs=3, batch_size=8, verbose=0, validation_split=0.25,
                        callbacks=[callbacks.TensorBoard(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _read(tmp_path, "train"), _read(tmp_path, "validation")
    assert sorted(train.Tags()["scalars"]) == ["epoch_accuracy", "epoch_learning_rate",
                                               "epoch_loss"]
    assert sorted(val.Tags()["scalars"]) == ["epoch_accuracy", "epoch_loss"]
    h = history.history
    for tag, key in [("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")]:
        steps, values = zip(*_scalars(train, tag))
        assert steps == (0, 1, 2)
        np.testing.assert_array_equal(np.float32(values), np.float32(h[key]))
        steps, values = zip(*_scalars(val, tag))
        assert steps == (0, 1, 2)
        np.testing.assert_array_equal(np.float32(values), np.float32(h["val_" + key]))
    np.testing.assert_allclose([v for _, v in _scalars(train, "epoch_learning_rate")],
                               [0.01] * 3, rtol=1e-6)


def test_learning_rate_changes_are_logged(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1)),
        callbacks.TensorBoard(tmp_path)])
    values = [v for _, v in _scalars(_read(tmp_path, "train"), "epoch_learning_rate")]
    np.testing.assert_allclose(values, [0.1, 0.05, 0.1 / 3], rtol=1e-6)


@pytest.mark.parametrize("update_freq, every", [("batch", 1), (2, 2)])
def test_batch_scalars_are_running_averages_at_the_step_count(tmp_path, update_freq, every):
    model = _model()
    seen = {}
    record = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.setdefault("loss", []).append(logs["loss"]))
    history = model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[
        record, callbacks.TensorBoard(tmp_path, update_freq=update_freq)])
    batch_loss = _scalars(_read(tmp_path, "train"), "batch_loss")
    steps = list(range(every, 10 + 1, every))  # 5 batches per epoch, 2 epochs
    assert [s for s, _ in batch_loss] == steps
    np.testing.assert_array_equal(np.float32([v for _, v in batch_loss]),
                                  np.float32([seen["loss"][s - 1] for s in steps]))
    # The last batch of each epoch logs the epoch's value.
    assert np.float32(seen["loss"][4]) == np.float32(history.history["loss"][0])


def test_histograms_are_tagged_by_weight_name_and_hold_the_weights(tmp_path):
    model = _model()
    weights = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    model.fit(X, Y, epochs=4, batch_size=8, verbose=0, callbacks=[
        record, callbacks.TensorBoard(tmp_path, histogram_freq=2, write_images=True)])
    train = _read(tmp_path, "train")
    names = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert [w.name for w in model.weights] == names
    assert sorted(train.Tags()["histograms"]) == sorted(names)
    for i, name in enumerate(names):
        events = train.Histograms(name)
        assert [e.step for e in events] == [0, 2]
        for event, epoch in zip(events, [0, 2]):
            w = weights[epoch][i]
            assert event.histogram_value.num == w.size
            np.testing.assert_allclose(event.histogram_value.sum, w.sum(), rtol=1e-5,
                                       atol=1e-6)
            assert event.histogram_value.min == pytest.approx(w.min(), abs=1e-6)
            assert event.histogram_value.max == pytest.approx(w.max(), abs=1e-6)
    images = train.Images("dense/kernel/image")
    assert [e.step for e in images] == [0, 2]
    assert (images[0].height, images[0].width) == (4, 3)  # (3, 4) kernel, taller side first


def test_write_graph_writes_the_model_config_as_text(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path)])
    train = _read(tmp_path, "train")
    assert "keras/text_summary" in train.Tags()["tensors"]
    text = train.Tensors("keras/text_summary")[0].tensor_proto.string_val[0].decode()
    config = json.loads(text.strip("`\n"))
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]][-2:] == \
        ["Dense", "Dense"]


def test_missing_tensorboardx_raises_an_import_error_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'lamina\[tensorboard\]'"):
        callbacks.TensorBoard("logs")


def test_bad_update_freq_and_profile_batch_are_rejected():
    with pytest.raises(ValueError, match="update_freq.*received 'step'"):
        callbacks.TensorBoard("logs", update_freq="step")
    with pytest.raises(ValueError, match=r"profile_batch.*received \(5, 2\)"):
        callbacks.TensorBoard("logs", profile_batch=(5, 2))


def test_profile_batch_writes_a_jax_trace_for_the_profile_plugin(tmp_path):
    model = _model()
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0,
              callbacks=[callbacks.TensorBoard(tmp_path, profile_batch=(2, 3))])
    profile = tmp_path / "train" / "plugins" / "profile"
    runs = os.listdir(profile)
    assert len(runs) == 1
    assert any(name.endswith(".xplane.pb") for name in os.listdir(profile / runs[0]))
