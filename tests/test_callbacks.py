"""Callbacks against hand-computed sequences: EarlyStopping, ReduceLROnPlateau,
LearningRateScheduler, CSVLogger, TerminateOnNaN, per-batch hooks."""
import csv
import logging
import warnings

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import callbacks


def _linear(lr=0.1, optimizer=None):
    """y = w x without bias, w starting at 1: with x=1, y=0 and mse, each SGD step
    multiplies w by (1 - 2 lr)."""
    model = keras.Sequential([keras.layers.Input((1,)),
                              keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(lr), loss="mse")
    return model


X1, Y1 = np.ones((1, 1), np.float32), np.zeros((1, 1), np.float32)


class Inject(callbacks.Callback):
    """Puts `values[epoch]` into the logs under `key`, for monitor tests."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def test_namespace_exports_the_keras_callbacks():
    for name in ["BackupAndRestore", "CSVLogger", "Callback", "EarlyStopping", "History",
                 "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
                 "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN"]:
        assert hasattr(keras.callbacks, name)


# -- EarlyStopping --------------------------------------------------------------------
def test_early_stopping_patience_stops_after_patience_bad_epochs():
    model = _linear(lr=0.0)
    values = [1.0, 0.5, 0.6, 0.7, 0.4, 0.3]
    stop = callbacks.EarlyStopping(monitor="m", patience=2)
    history = model.fit(X1, Y1, epochs=6, verbose=0, callbacks=[Inject("m", values), stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best == 0.5


def test_early_stopping_min_delta_and_auto_max_mode_for_accuracy():
    model = _linear(lr=0.0)
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.05)
    assert stop.mode == "max"
    values = [0.5, 0.52, 0.9, 0.91]  # +0.02 is below min_delta
    history = model.fit(X1, Y1, epochs=4, verbose=0,
                        callbacks=[Inject("val_accuracy", values), stop])
    assert history.epoch == [0, 1]


def test_early_stopping_baseline_stops_a_run_that_never_reaches_it():
    model = _linear(lr=0.0)
    values = [1.0, 0.9, 0.8, 0.7, 0.6]  # improves every epoch, never below 0.5
    stop = callbacks.EarlyStopping(monitor="m", patience=2, baseline=0.5)
    history = model.fit(X1, Y1, epochs=5, verbose=0, callbacks=[Inject("m", values), stop])
    assert history.epoch == [0, 1]


def test_early_stopping_baseline_beaten_within_patience_keeps_training():
    model = _linear(lr=0.0)
    values = [1.0, 0.4, 0.3, 0.2, 0.1]
    stop = callbacks.EarlyStopping(monitor="m", patience=2, baseline=0.5)
    history = model.fit(X1, Y1, epochs=5, verbose=0, callbacks=[Inject("m", values), stop])
    assert history.epoch == [0, 1, 2, 3, 4]


def test_early_stopping_restores_best_weights_without_an_early_stop():
    model = _linear(lr=0.1)
    seen = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()[0].copy()))
    values = [3.0, 1.0, 2.0, 2.5]  # best at epoch 1, patience never runs out
    stop = callbacks.EarlyStopping(monitor="m", patience=10, restore_best_weights=True)
    model.fit(X1, Y1, epochs=4, verbose=0, callbacks=[record, Inject("m", values), stop])
    w = model.get_weights()[0]
    assert w.shape == (1, 1)
    np.testing.assert_allclose(w, [[0.8 ** 2]], rtol=1e-6)  # after 2 SGD steps
    np.testing.assert_array_equal(w, seen[1])


def test_early_stopping_start_from_epoch_ignores_warmup_epochs():
    model = _linear(lr=0.0)
    values = [0.1, 0.2, 1.0, 1.1, 1.2, 1.3]
    stop = callbacks.EarlyStopping(monitor="m", patience=1, start_from_epoch=2)
    history = model.fit(X1, Y1, epochs=6, verbose=0, callbacks=[Inject("m", values), stop])
    assert history.epoch == [0, 1, 2, 3]
    assert stop.best == 1.0


def test_unknown_monitor_warns_once_with_the_available_keys_and_never_crashes():
    model = _linear(lr=0.1)
    cbs = [callbacks.EarlyStopping(monitor="val_los"),
           callbacks.ReduceLROnPlateau(monitor="val_los"),
           callbacks.ModelCheckpoint("unused.weights.safetensors", monitor="val_los",
                                     save_best_only=True, save_weights_only=True)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X1, Y1, epochs=3, verbose=0, callbacks=cbs)
    messages = [str(w.message) for w in caught if "val_los`" in str(w.message)]
    assert len(history.epoch) == 3
    assert len(messages) == 3  # one per callback, not one per epoch
    # EarlyStopping runs before ReduceLROnPlateau adds learning_rate to the logs.
    assert messages[0].endswith("Available metrics are: loss.")
    assert messages[2].endswith("Available metrics are: learning_rate,loss.")


# -- learning rate ----------------------------------------------------------------------
def test_reduce_lr_on_plateau_follows_patience_cooldown_and_min_lr_in_history():
    model = _linear(lr=0.1)
    values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    reduce = callbacks.ReduceLROnPlateau(monitor="m", factor=0.5, patience=1, cooldown=2,
                                         min_lr=0.02)
    history = model.fit(X1, Y1, epochs=7, verbose=0, callbacks=[Inject("m", values), reduce])
    # Epoch 0 sets the best; reductions at 1, 3 and 5 (floored at min_lr): the cooldown
    # counter is decremented before counting, so cooldown=2 skips one epoch (as Keras).
    lr = [np.float32(0.1)] * 2 + [np.float32(0.05)] * 2 + [np.float32(0.025)] * 2 + \
        [np.float32(0.02)]
    np.testing.assert_allclose(history.history["learning_rate"], lr, rtol=1e-6)
    assert len(history.history["learning_rate"]) == 7
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.02, rtol=1e-6)


def test_reduce_lr_on_plateau_changes_training_without_recompiling(caplog):
    model = _linear(lr=0.1)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        model.fit(X1, Y1, epochs=1, verbose=0)
    assert any("jit(run)" in r.getMessage() for r in caplog.records)  # the epoch program
    caplog.clear()
    reduce = callbacks.ReduceLROnPlateau(monitor="m", factor=0.5, patience=1)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        model.fit(X1, Y1, epochs=3, verbose=0,
                  callbacks=[Inject("m", [1.0, 1.0, 1.0]), reduce])
    assert not [r for r in caplog.records if "jit(run)" in r.getMessage()]
    # lr per epoch: 0.1 (warm-up fit), 0.1, 0.1, 0.05 -> w = 0.8 ** 3 * 0.9
    np.testing.assert_allclose(model.get_weights()[0], [[0.8 ** 3 * 0.9]], rtol=1e-6)


def test_reduce_lr_on_plateau_rejects_factor_of_one():
    with pytest.raises(ValueError, match="factor >= 1.0.*received factor=1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_learning_rate_scheduler_sets_each_epoch_rate_and_logs_it():
    model = _linear(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)
    history = model.fit(X1, Y1, epochs=3, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0], [[0.8 * 0.9 * 0.95]], rtol=1e-6)


def test_learning_rate_scheduler_accepts_one_argument_schedules_and_checks_output():
    model = _linear(lr=0.1)
    history = model.fit(X1, Y1, epochs=2, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float, but received 'fast'"):
        model.fit(X1, Y1, epochs=1, verbose=0,
                  callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")])


# -- CSVLogger ----------------------------------------------------------------------------
def test_csv_logger_writes_the_history_with_an_epoch_column(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.RandomState(0).rand(20, 2).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    path = tmp_path / "logs" / "train.csv"
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                        callbacks=[callbacks.CSVLogger(path, separator=";")])
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert list(rows[0]) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ["loss", "mae", "val_loss", "val_mae"]:
        assert [float(r[key]) for r in rows] == history.history[key]


def test_csv_logger_append_keeps_one_header(tmp_path):
    model = _linear(lr=0.1)
    path = tmp_path / "log.csv"
    model.fit(X1, Y1, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    model.fit(X1, Y1, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss"
    assert len(lines) == 5
    # The first epoch's loss is 1 (up to float32 rounding of the masked last batch).
    assert lines[1].endswith(",NA") and abs(float(lines[1].split(",")[1]) - 1.0) < 1e-6


# -- TerminateOnNaN and batch hooks -------------------------------------------------------
def test_terminate_on_nan_stops_a_diverging_run(capsys):
    x = np.linspace(1, 10, 64, dtype=np.float32).reshape(-1, 1)
    model = _linear(lr=1e6)
    history = model.fit(x, 3 * x, epochs=20, batch_size=4, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) < 20
    assert not np.isfinite(history.history["loss"][-1])
    assert "Invalid loss, terminating training" in capsys.readouterr().out


def test_batch_hook_sees_every_batch_with_running_average_logs():
    x = np.arange(10, dtype=np.float32).reshape(-1, 1)
    model = _linear(lr=0.0)  # w stays 1: the batch loss is the mean of x**2 in the batch
    seen = []
    cb = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append((b, logs)))
    history = model.fit(x, np.zeros_like(x), batch_size=4, epochs=1, verbose=0,
                        shuffle=False, callbacks=[cb])
    assert [b for b, _ in seen] == [0, 1, 2]
    sq = x[:, 0] ** 2
    expected = [sq[:4].mean(), sq[:8].mean(), sq.mean()]  # weighted by batch size
    np.testing.assert_allclose([logs["loss"] for _, logs in seen], expected, rtol=1e-6)
    assert history.history["loss"][0] == seen[-1][1]["loss"]


def test_only_batch_settings_make_fit_run_per_batch(tmp_path):
    def every(cb):
        return callbacks.CallbackList([cb]).needs_every_batch("train")

    assert not every(callbacks.TensorBoard(tmp_path))
    assert every(callbacks.TensorBoard(tmp_path, update_freq="batch"))
    assert not every(callbacks.ModelCheckpoint("m.lamina"))
    assert every(callbacks.ModelCheckpoint("m.lamina", save_freq=5))
    assert not every(callbacks.BackupAndRestore(tmp_path))
    assert every(callbacks.BackupAndRestore(tmp_path, save_freq=5))
    assert not every(callbacks.TerminateOnNaN())
    for cb in [callbacks.EarlyStopping(), callbacks.ReduceLROnPlateau(), callbacks.History(),
               callbacks.CSVLogger(tmp_path / "a.csv"),
               callbacks.LearningRateScheduler(lambda e, lr: lr)]:
        assert not callbacks.CallbackList([cb]).has_batch_hooks("train")
