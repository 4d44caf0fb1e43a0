"""BackupAndRestore: an interrupted run resumes to the result of an uninterrupted one."""
import functools
import os

import numpy as np
import pytest

import lamina as keras
from lamina import callbacks

_rs = np.random.RandomState(0)
X = _rs.rand(50, 3).astype(np.float32)
Y = (X.sum(axis=1) > 1.5).astype(np.float32)
EPOCHS = 6


def _model(seed=0, lr=0.01):
    keras.layers.clear_session()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.5),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


class Interrupt(callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError(f"interrupted at epoch {epoch}")


def _schedule(epoch, lr):
    return 0.05 / (epoch + 1)


@functools.lru_cache(maxsize=None)
def _uninterrupted(with_schedule=False):
    """The reference run, computed once per module."""
    model = _model()
    extra = [callbacks.LearningRateScheduler(_schedule)] if with_schedule else []
    history = model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0, callbacks=extra)
    return model.get_weights(), history.history


def _assert_same(weights, reference):
    assert [w.shape for w in weights] == [w.shape for w in reference]
    for a, b in zip(weights, reference):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fresh_model", [False, True])
def test_interrupted_run_resumes_to_the_uninterrupted_result(tmp_path, fresh_model):
    weights, history = _uninterrupted()
    backup = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="interrupted at epoch 3"):
        model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), Interrupt(3)])
    assert os.listdir(backup) == ["latest.backup.safetensors"]
    if fresh_model:  # a new process: other initial weights, fresh optimizer and RNG
        model = _model(seed=123)
    resumed = model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup)])
    assert resumed.epoch == [3, 4, 5]
    for key in ["loss", "accuracy"]:
        assert resumed.history[key] == history[key][3:]
    _assert_same(model.get_weights(), weights)
    assert int(model.optimizer.iterations) == 7 * EPOCHS
    assert not os.path.exists(backup)  # deleted after success


def test_learning_rate_changes_survive_the_interruption(tmp_path):
    schedule = _schedule
    weights, history = _uninterrupted(with_schedule=True)
    backup = str(tmp_path / "b")
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0, callbacks=[
            callbacks.BackupAndRestore(backup), callbacks.LearningRateScheduler(schedule),
            Interrupt(2)])
    resumed = model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0, callbacks=[
        callbacks.BackupAndRestore(backup), callbacks.LearningRateScheduler(schedule)])
    assert resumed.history["learning_rate"] == history["learning_rate"][2:]
    _assert_same(model.get_weights(), weights)


def test_delete_checkpoint_false_keeps_the_final_backup(tmp_path):
    model = _model()
    backup = tmp_path / "keep"
    model.fit(X, Y, epochs=2, verbose=0,
              callbacks=[callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    assert os.listdir(backup) == ["latest.backup.safetensors"]
    # A finished run's backup makes a new fit to the same epoch count a no-op.
    history = model.fit(X, Y, epochs=2, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup)])
    assert history.epoch == []


def test_a_crash_while_saving_keeps_the_previous_backup(tmp_path, monkeypatch):
    weights, history = _uninterrupted()
    backup = str(tmp_path / "b")

    class CrashDuringSave(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:  # the save at the end of epoch 2 dies before the rename
                def crash(src, dst):
                    raise KeyboardInterrupt
                monkeypatch.setattr(os, "replace", crash)

    model = _model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0,
                  callbacks=[CrashDuringSave(), callbacks.BackupAndRestore(backup)])
    monkeypatch.undo()
    assert os.listdir(backup) == ["latest.backup.safetensors"]
    resumed = model.fit(X, Y, epochs=EPOCHS, batch_size=8, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup)])
    assert resumed.epoch == [2, 3, 4, 5]
    assert resumed.history["loss"] == history["loss"][2:]
    _assert_same(model.get_weights(), weights)


def test_integer_save_freq_reruns_the_interrupted_epoch_from_the_backup(tmp_path):
    backup = str(tmp_path / "b")
    model = _model()
    saved = []

    class InterruptMidEpoch(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations == 10:  # epoch 1, batch 2
                raise RuntimeError("interrupted")

    seen = callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: saved.append(model.get_weights()))
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[
            seen, callbacks.BackupAndRestore(backup, save_freq=3), InterruptMidEpoch()])
    other = _model(seed=7)
    starts = []
    other.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[
        callbacks.BackupAndRestore(backup),
        callbacks.LambdaCallback(on_train_begin=lambda logs: starts.append(
            (other._initial_epoch, other.get_weights())))])
    # The last backup was after global batch 9 (epoch 1, batch 1): epoch 1 runs again.
    assert starts[0][0] == 1
    _assert_same(starts[0][1], saved[8])


def test_a_backup_of_another_model_is_refused(tmp_path):
    backup = str(tmp_path / "b")
    model = _model()
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=3, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), Interrupt(1)])
    keras.layers.clear_session()
    other = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2),
                              keras.layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="latest.backup.safetensors"):
        other.fit(X, Y, epochs=3, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])


def test_empty_backup_dir_is_rejected():
    with pytest.raises(ValueError, match="needs a backup_dir, but received ''"):
        callbacks.BackupAndRestore("")
