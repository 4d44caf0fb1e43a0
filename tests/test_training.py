"""fit / evaluate / predict semantics against NumPy loops written by hand."""
import logging

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(10, 3)).astype(np.float32)
Y = RNG.normal(size=(10, 1)).astype(np.float32)
Y_BIN = (X[:, :1] + 0.3 * RNG.normal(size=(10, 1)) > 0).astype(np.float32)


def linear_model(lr=0.1, seed=0, metrics=None, loss="mse", activation=None):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation=activation)])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss=loss, metrics=metrics)
    return model


def np_mse_step(w, b, x, y, lr, sw=None, n_norm=None):
    """One SGD step on Keras's sum_over_batch_size mse; returns (w, b, loss)."""
    sw = np.ones(len(x)) if sw is None else np.asarray(sw, np.float64)
    n = len(x) if n_norm is None else n_norm
    r = x @ w + b - y
    loss = np.sum(sw[:, None] * r ** 2) / n
    g = 2 * sw[:, None] * r / n
    return w - lr * x.T @ g, b - lr * g.sum(0), loss


def np_epoch(w, b, x, y, batch_size, lr, sw=None):
    """Full batches then the remainder batch; returns (w, b, epoch loss as Keras logs)."""
    total, count = 0.0, 0
    for start in range(0, len(x), batch_size):
        s = slice(start, start + batch_size)
        w, b, loss = np_mse_step(w, b, x[s], y[s], lr, None if sw is None else sw[s])
        total += loss * len(x[s])
        count += len(x[s])
    return w, b, total / count


def weights64(model):
    return [w.astype(np.float64) for w in model.get_weights()]


def compile_count(caplog, fn):
    """The number of XLA compilations `fn()` triggers."""
    caplog.clear()
    with jax.log_compiles(True), caplog.at_level(logging.WARNING):
        fn()
    return sum("Finished XLA compilation" in r.getMessage() for r in caplog.records)


# -- per-batch semantics ----------------------------------------------------------
def test_fit_equals_numpy_per_batch_sgd_with_remainder_batch():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    losses = []
    for _ in range(2):
        w, b, loss = np_epoch(w, b, X, Y, 4, 0.1)
        losses.append(loss)
    got_w, got_b = model.get_weights()
    assert got_w.shape == (3, 1) and got_b.shape == (1,)
    np.testing.assert_allclose(got_w, w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_b, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)


def test_fit_shuffle_is_reproducible_by_seed():
    def run(weight_seed, shuffle_seed, shuffle=True):
        model = linear_model(seed=weight_seed)
        keras.utils.set_random_seed(shuffle_seed)
        h = model.fit(X, Y, batch_size=3, epochs=3, shuffle=shuffle, verbose=0)
        return h.history["loss"], model.get_weights()[0]

    loss_a, w_a = run(0, 5)
    loss_b, w_b = run(0, 5)
    assert loss_a == loss_b  # bit for bit
    np.testing.assert_array_equal(w_a, w_b)
    loss_c, w_c = run(0, 6)
    assert loss_c != loss_a and not np.array_equal(w_a, w_c)
    loss_d, _ = run(0, 5, shuffle=False)
    assert loss_d != loss_a


def test_fit_shuffle_true_visits_every_row_once_per_epoch():
    """Full-batch gradient descent does not depend on the order of rows."""
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    model.fit(X, Y, batch_size=10, epochs=1, shuffle=True, verbose=0)
    w, b, _ = np_mse_step(w, b, X, Y, 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)


# -- History, evaluate, predict ---------------------------------------------------
@pytest.fixture(scope="module")
def classifier_run():
    model = linear_model(lr=0.5, metrics=["accuracy", "AUC"], loss="binary_crossentropy",
                         activation="sigmoid")
    history = model.fit(X, Y_BIN, batch_size=4, epochs=3, verbose=0,
                        validation_data=(X[:4], Y_BIN[:4]))
    return model, history


def test_fit_history_keys_params_and_epochs(classifier_run):
    model, history = classifier_run
    assert list(history.history) == ["loss", "accuracy", "auc", "val_loss", "val_accuracy",
                                     "val_auc"]
    assert all(len(v) == 3 for v in history.history.values())
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    assert model.metrics_names == ["loss", "accuracy", "auc"]


def test_evaluate_returns_float_list_or_dict(classifier_run):
    model, history = classifier_run
    p = 1 / (1 + np.exp(-(X @ model.get_weights()[0] + model.get_weights()[1])))
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    bce = -np.mean(Y_BIN * np.log(p) + (1 - Y_BIN) * np.log(1 - p))
    acc = np.mean((p > 0.5) == Y_BIN)
    values = model.evaluate(X, Y_BIN, batch_size=3, verbose=0)
    assert isinstance(values, list) and len(values) == 3
    np.testing.assert_allclose(values[:2], [bce, acc], rtol=1e-5)
    logs = model.evaluate(X, Y_BIN, batch_size=3, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "accuracy", "auc"] and logs["loss"] == values[0]
    # The last val_* entry is evaluate on the validation data after the last epoch.
    val = model.evaluate(X[:4], Y_BIN[:4], verbose=0, return_dict=True)
    for key in val:
        np.testing.assert_allclose(history.history[f"val_{key}"][-1], val[key], rtol=1e-6)
    single = linear_model()
    loss = single.evaluate(X, Y, batch_size=4, verbose=0)
    w, b = weights64(single)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, np.mean((X @ w + b - Y) ** 2), rtol=1e-5)


def test_predict_returns_numpy_for_n_not_divisible_by_batch_size():
    model = linear_model()
    w, b = model.get_weights()
    for n, bs in [(10, 4), (7, 32), (1, 1), (10, 10)]:
        out = model.predict(X[:n], batch_size=bs, verbose=0)
        assert isinstance(out, np.ndarray) and out.shape == (n, 1)
        np.testing.assert_allclose(out, X[:n] @ w + b, rtol=1e-5, atol=1e-6)
    out = model.predict(X, batch_size=4, steps=2, verbose=0)
    assert out.shape == (8, 1)


def test_on_batch_methods_match_numpy():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    pred = model.predict_on_batch(X)
    assert isinstance(pred, np.ndarray) and pred.shape == (10, 1)
    np.testing.assert_allclose(pred, X @ w + b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.test_on_batch(X, Y), np.mean((X @ w + b - Y) ** 2),
                               rtol=1e-5)
    loss = model.train_on_batch(X[:4], Y[:4])
    w, b, expected = np_mse_step(w, b, X[:4], Y[:4], 0.1)
    assert isinstance(loss, float)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    logs = model.train_on_batch(X[4:], Y[4:], return_dict=True)
    w, b, expected = np_mse_step(w, b, X[4:], Y[4:], 0.1)
    assert list(logs) == ["loss"]
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)


def test_model_call_honours_training_flag():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((50,)), layers.Dropout(0.5)])
    x = np.ones((4, 50), np.float32)
    out = model(x)
    assert out.shape == (4, 50)
    np.testing.assert_array_equal(np.asarray(out), x)
    np.testing.assert_array_equal(np.asarray(model(x, training=False)), x)
    trained = np.asarray(model(x, training=True))
    assert set(np.unique(trained).tolist()) == {0.0, 2.0}


# -- validation -------------------------------------------------------------------
def test_fit_validation_split_takes_the_last_fraction():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    history = model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                        validation_split=0.3)
    assert history.params["steps"] == 2  # 7 training rows
    w, b, loss = np_epoch(w, b, X[:7], Y[:7], 4, 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)
    val_loss = np.mean((X[7:] @ w + b - Y[7:]) ** 2)
    np.testing.assert_allclose(history.history["val_loss"][0], val_loss, rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"][0],
                               model.evaluate(X[7:], Y[7:], verbose=0), rtol=1e-6)


def test_fit_validation_freq_and_batch_size():
    model = linear_model()
    history = model.fit(X, Y, epochs=4, verbose=0, validation_data=(X[:5], Y[:5]),
                        validation_freq=2, validation_batch_size=2)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               model.evaluate(X[:5], Y[:5], verbose=0), rtol=1e-6)
    history = model.fit(X, Y, epochs=3, verbose=0, validation_data=(X[:5], Y[:5]),
                        validation_freq=[1, 3])
    assert len(history.history["val_loss"]) == 2


# -- weights ----------------------------------------------------------------------
def test_fit_sample_weight_follows_keras_formula_and_zero_drops_rows():
    sw = np.array([1, 2, 0, 1, 0.5, 1, 0, 3, 1, 1], np.float32)
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    history = model.fit(X, Y, sample_weight=sw, batch_size=4, epochs=1, shuffle=False,
                        verbose=0)
    w, b, loss = np_epoch(w, b, X, Y, 4, 0.1, sw=sw)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)
    # sum_over_batch_size: zero-weight rows add nothing to the sum, so the weighted loss
    # is the loss on the kept rows times kept / n.
    fresh = linear_model()
    keep = np.array([1, 1, 0, 1, 0, 1, 0, 1, 1, 0], np.float32)
    weighted = fresh.evaluate(X, Y, sample_weight=keep, batch_size=10, verbose=0)
    dropped = fresh.evaluate(X[keep == 1], Y[keep == 1], batch_size=10, verbose=0)
    np.testing.assert_allclose(weighted, dropped * keep.sum() / 10, rtol=1e-6)


def test_fit_class_weight_equals_per_row_sample_weight():
    cw = {0: 1.0, 1: 3.0}
    a = linear_model(loss="binary_crossentropy", activation="sigmoid")
    ha = a.fit(X, Y_BIN, class_weight=cw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    b = linear_model(loss="binary_crossentropy", activation="sigmoid")
    sw = np.where(Y_BIN[:, 0] == 1, 3.0, 1.0)
    hb = b.fit(X, Y_BIN, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(a.get_weights()[0], b.get_weights()[0], rtol=1e-6)
    # And against the weighted binary cross-entropy by hand for the first batch.
    c = linear_model(loss="binary_crossentropy", activation="sigmoid")
    w, bias = weights64(c)
    loss = c.train_on_batch(X[:4], Y_BIN[:4], class_weight=cw)
    p = np.clip(1 / (1 + np.exp(-(X[:4] @ w + bias))), 1e-7, 1 - 1e-7)
    per_row = -(Y_BIN[:4] * np.log(p) + (1 - Y_BIN[:4]) * np.log(1 - p))[:, 0]
    np.testing.assert_allclose(loss, np.mean(per_row * sw[:4]), rtol=1e-5)


# -- epochs and steps -------------------------------------------------------------
def test_fit_initial_epoch_runs_the_remaining_epochs():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    seen = []
    cb = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))
    history = model.fit(X, Y, batch_size=5, epochs=4, initial_epoch=2, shuffle=False,
                        verbose=0, callbacks=[cb])
    assert history.epoch == [2, 3] and seen == [2, 3]
    assert len(history.history["loss"]) == 2
    for _ in range(2):
        w, b, _ = np_epoch(w, b, X, Y, 5, 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)


def test_fit_steps_per_epoch_caps_the_batches():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    history = model.fit(X, Y, batch_size=3, epochs=1, steps_per_epoch=2, shuffle=False,
                        verbose=0)
    assert history.params["steps"] == 2
    w, b, loss = np_epoch(w, b, X[:6], Y[:6], 3, 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)
    with pytest.warns(UserWarning, match="steps_per_epoch=9 is more than the 4 batches"):
        history = model.fit(X, Y, batch_size=3, epochs=1, steps_per_epoch=9, verbose=0)
    assert history.params["steps"] == 4


def test_fit_generator_of_batches_with_steps_per_epoch():
    def batches():
        while True:
            for start in (0, 4, 8):
                yield X[start:start + 4], Y[start:start + 4]

    model = linear_model(lr=0.1)
    w, b = weights64(model)
    history = model.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    assert history.params["steps"] == 3 and history.epoch == [0, 1]
    for _ in range(2):
        w, b, _ = np_epoch(w, b, X, Y, 4, 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="pass y=None"):
        model.fit(batches(), Y, steps_per_epoch=3, verbose=0)


def test_fit_finite_generator_warns_when_it_runs_out():
    model = linear_model(lr=0.1)
    gen = ((X[i:i + 5], Y[i:i + 5]) for i in (0, 5))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(gen, steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.epoch) == 1


def test_fit_accepts_pandas_and_scipy_sparse():
    pd = pytest.importorskip("pandas")
    sparse = pytest.importorskip("scipy.sparse")
    ref = linear_model(lr=0.1)
    ref.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    frame = linear_model(lr=0.1)
    frame.fit(pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(Y[:, 0]), batch_size=4,
              epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(frame.get_weights()[0], ref.get_weights()[0], rtol=1e-6)
    out = frame.predict(pd.DataFrame(X), verbose=0)
    assert out.shape == (10, 1)
    sp = linear_model(lr=0.1)
    x_sparse = sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0))
    sp.fit(x_sparse, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    dense = linear_model(lr=0.1)
    dense.fit(x_sparse.toarray(), Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(sp.get_weights()[0], dense.get_weights()[0], rtol=1e-6)
    assert sp.predict(x_sparse, verbose=0).shape == (10, 1)


# -- compilation and the learning rate --------------------------------------------
def test_fit_second_call_on_same_shapes_compiles_nothing(caplog):
    model = linear_model()
    first = compile_count(caplog, lambda: model.fit(X, Y, batch_size=4, epochs=1, verbose=0,
                                                    validation_data=(X[:5], Y[:5])))
    assert first > 0
    assert compile_count(caplog, lambda: model.fit(
        X, Y, batch_size=4, epochs=3, verbose=0, validation_data=(X[:5], Y[:5]))) == 0
    model.evaluate(X, Y, batch_size=4, verbose=0)
    assert compile_count(caplog, lambda: model.evaluate(X, Y, batch_size=4, verbose=0)) == 0
    model.predict(X, batch_size=4, verbose=0)
    assert compile_count(caplog, lambda: model.predict(X, batch_size=4, verbose=0)) == 0


def test_fit_learning_rate_change_takes_effect_without_recompiling(caplog):
    model = linear_model(lr=0.1)
    model.fit(X, Y, batch_size=10, epochs=1, verbose=0)
    w, b = weights64(model)
    model.optimizer.learning_rate = 0.5
    assert compile_count(caplog, lambda: model.fit(X, Y, batch_size=10, epochs=1,
                                                   verbose=0)) == 0
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.5)
    w, b, _ = np_mse_step(w, b, X, Y, 0.5)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)


# -- callbacks --------------------------------------------------------------------
class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, *args):
        self.calls.append(args)

    def on_train_begin(self, logs=None):
        self._log("train_begin", self.params.get("epochs"))

    def on_epoch_begin(self, epoch, logs=None):
        self._log("epoch_begin", epoch)

    def on_train_batch_begin(self, batch, logs=None):
        self._log("batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._log("batch_end", batch, dict(logs))

    def on_test_begin(self, logs=None):
        self._log("test_begin")

    def on_test_end(self, logs=None):
        self._log("test_end", dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self._log("epoch_end", epoch, dict(logs))

    def on_train_end(self, logs=None):
        self._log("train_end", dict(logs))


def test_callbacks_are_called_in_order_with_running_average_logs():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    rec = Recorder()
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[rec],
              validation_data=(X[:3], Y[:3]))
    names = [c[0] for c in rec.calls]
    epoch = ["epoch_begin"] + ["batch_begin", "batch_end"] * 3 + ["epoch_end"]
    assert names == ["train_begin"] + epoch * 2 + ["train_end"]
    assert rec.calls[0] == ("train_begin", 2)
    assert [c[1] for c in rec.calls if c[0] == "batch_end"] == [0, 1, 2, 0, 1, 2]
    assert [c[1] for c in rec.calls if c[0] == "epoch_end"] == [0, 1]
    # Batch logs are the running average of the batch losses (weighted by batch size).
    batch_logs = [c[2] for c in rec.calls if c[0] == "batch_end"]
    total, count, expected = 0.0, 0, []
    for _ in range(2):
        total, count = 0.0, 0
        for start in (0, 4, 8):
            s = slice(start, start + 4)
            w_new, b_new, loss = np_mse_step(w, b, X[s], Y[s], 0.1)
            total += loss * len(X[s])
            count += len(X[s])
            expected.append(total / count)
            w, b = w_new, b_new
    assert all(list(logs) == ["loss"] for logs in batch_logs)
    np.testing.assert_allclose([l["loss"] for l in batch_logs], expected, rtol=1e-5)
    epoch_logs = [c[2] for c in rec.calls if c[0] == "epoch_end"]
    assert list(epoch_logs[0]) == ["loss", "val_loss"]
    np.testing.assert_allclose(epoch_logs[1]["loss"], expected[-1], rtol=1e-5)
    np.testing.assert_allclose(epoch_logs[1]["val_loss"],
                               np.mean((X[:3] @ w + b - Y[:3]) ** 2), rtol=1e-5)
    assert rec.calls[-1][1] == epoch_logs[-1]


def test_callback_sees_current_weights_at_batch_end():
    model = linear_model(lr=0.1)
    w, b = weights64(model)
    seen = []
    cb = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(model.get_weights()[0].copy()))
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=cb)
    assert len(seen) == 3
    for i, start in enumerate((0, 4, 8)):
        w, b, _ = np_mse_step(w, b, X[start:start + 4], Y[start:start + 4], 0.1)
        np.testing.assert_allclose(seen[i], w, rtol=1e-5, atol=1e-6)


def test_callbacks_in_evaluate_get_test_hooks():
    model = linear_model()
    rec = Recorder()
    loss = model.evaluate(X, Y, verbose=0, callbacks=[rec])
    assert [c[0] for c in rec.calls] == ["test_begin", "test_end"]
    assert rec.calls[1][1] == {"loss": loss}


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(TypeError, match=r"unknown hook\(s\) \['on_epoch_finish'\]"):
        keras.callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="callbacks must be Callback objects"):
        linear_model().fit(X, Y, verbose=0, callbacks=[print])


def test_callback_stop_training_ends_fit_after_the_epoch():
    model = linear_model()

    def stop(epoch, logs):
        if epoch == 1:
            model.stop_training = True

    h = model.fit(X, Y, epochs=5, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=stop)])
    assert h.epoch == [0, 1]


# -- EarlyStopping ----------------------------------------------------------------
class Scripted(keras.callbacks.Callback):
    """Replaces the monitored value with a scripted sequence and records weights."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values, self.weights = key, values, []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


def run_early_stopping(values, key="loss", **kwargs):
    model = linear_model(lr=0.05)
    script = Scripted(key, values)
    es = keras.callbacks.EarlyStopping(monitor=key, **kwargs)
    history = model.fit(X, Y, epochs=len(values), batch_size=5, verbose=0,
                        callbacks=[script, es])
    return model, history, script, es


def test_early_stopping_patience_and_min_delta():
    _, history, _, es = run_early_stopping([1.0, 0.9, 0.95, 0.92, 0.8, 0.7], patience=2)
    assert history.epoch == [0, 1, 2, 3] and es.stopped_epoch == 3 and es.best == 0.9
    # An improvement smaller than min_delta does not count.
    _, history, _, es = run_early_stopping([1.0, 0.95, 0.91, 0.5], patience=1, min_delta=0.1)
    assert history.epoch == [0, 1] and es.stopped_epoch == 1


def test_early_stopping_auto_mode_maximizes_accuracy_like_names():
    _, history, _, es = run_early_stopping([0.5, 0.6, 0.55, 0.58], key="val_accuracy",
                                           patience=1)
    assert es.mode == "max" and history.epoch == [0, 1, 2] and es.best == 0.6
    assert keras.callbacks.EarlyStopping(monitor="auc").mode == "max"
    assert keras.callbacks.EarlyStopping(monitor="val_mae").mode == "min"
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'.*'maximum'"):
        keras.callbacks.EarlyStopping(mode="maximum")


def test_early_stopping_baseline_must_be_beaten():
    _, history, _, _ = run_early_stopping([0.9, 0.8, 0.7, 0.6], patience=2, baseline=0.5)
    assert history.epoch == [0, 1]
    _, history, _, _ = run_early_stopping([0.9, 0.4, 0.45, 0.42, 0.41], patience=2,
                                          baseline=0.5)
    assert history.epoch == [0, 1, 2, 3]


def test_early_stopping_restores_best_weights_after_early_stop():
    model, history, script, es = run_early_stopping([1.0, 0.5, 0.7, 0.8, 0.9], patience=2,
                                                    restore_best_weights=True)
    assert history.epoch == [0, 1, 2, 3] and es.best_epoch == 1
    for got, best in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(got, best)
    assert not np.array_equal(script.weights[3][0], script.weights[1][0])


def test_early_stopping_restores_best_weights_without_early_stop():
    model, history, script, es = run_early_stopping([1.0, 0.5, 0.7, 0.6], patience=5,
                                                    restore_best_weights=True)
    assert history.epoch == [0, 1, 2, 3] and es.stopped_epoch == 0
    for got, best in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(got, best)


def test_early_stopping_warns_when_monitor_is_missing():
    model = linear_model()
    es = keras.callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available.*loss"):
        history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[es])
    assert history.epoch == [0, 1]


def test_loss_weights_as_a_list_of_one_for_one_output():
    model = linear_model()
    model.compile(optimizer="sgd", loss=["mse"], loss_weights=[0.5])
    w, b = model.get_weights()
    expected = 0.5 * np.mean((X @ w + b - Y) ** 2)
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(expected, rel=1e-5)
