"""One data interface: adapters cut epochs into pieces; the trainer drives any of them.

Also the state that persists across calls, keyed by Variable path, and written to the
Variables only when they are read.
"""
import numpy as np
import pytest

import lamina as keras
from lamina import data

RNG = np.random.default_rng(0)


def _always(total_wanted):
    return lambda done, total: total_wanted


def test_array_adapter_one_piece_per_epoch_with_a_remainder():
    adapter = data.ArrayAdapter(data.adapt_xy(np.zeros((10, 2)), np.zeros(10)), 4,
                                shuffle=True)
    pieces = list(adapter.pieces(0, lambda done, total: total, seed=3))
    assert len(pieces) == 1
    piece = pieces[0]
    assert (piece.start, piece.stop, piece.first) == (0, 3, 0)
    assert tuple(piece.plan) == (0, 4, 2, 10)  # 10 rows: batches of 4, 4 and 2
    order = np.asarray(piece.order)
    # The data is padded to 12 rows (3 batches); the padding's order entries repeat
    # real rows and are never kept.
    assert order.shape == (12,) and sorted(order[:10].tolist()) == list(range(10))
    np.testing.assert_array_equal(order[10:], order[:2])
    np.testing.assert_array_equal(order, list(adapter.pieces(0, _always(9), seed=3))[0].order)


def test_array_adapter_pads_rows_to_a_bucket_with_copies_of_real_rows():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    exact = data.ArrayAdapter(data.adapt_xy(x, np.arange(10.0)), 4)
    masked = data.ArrayAdapter(data.adapt_xy(x, np.arange(10.0)), 4, masked=True)
    assert tuple(exact.plan) == (0, 4, 2, 10) and tuple(masked.plan) == (0, 4, 0, 10)
    assert exact.steps == masked.steps == 3
    for adapter in (exact, masked):
        x_dev, y_dev, sw = adapter.data
        assert x_dev.shape == (12, 2) and y_dev.shape == (12,) and sw is None
        np.testing.assert_array_equal(np.asarray(x_dev), np.concatenate([x, x[:2]]))
    limited = data.ArrayAdapter(data.adapt_xy(x, np.arange(10.0)), 4, steps=2)
    assert tuple(limited.plan) == (2, 4, 0, None) and limited.data[0].shape == (10, 2)


def test_array_adapter_chunks_follow_the_sizes_asked_for():
    adapter = data.ArrayAdapter(data.adapt_xy(np.zeros((10, 2)), np.zeros(10)), 2)
    pieces = list(adapter.pieces(0, _always(2)))
    assert [(p.start, p.stop, p.first) for p in pieces] == [(0, 2, 0), (2, 4, 2), (4, 5, 4)]
    assert all(p.order is None for p in pieces)  # unshuffled rows are sliced, not gathered


def test_stream_adapter_stacks_batches_and_runs_a_lone_last_batch_alone():
    batches = [(np.full((4, 2), i, np.float32), np.full(4, i, np.float32)) for i in range(5)]
    batches.append((np.zeros((3, 2), np.float32), np.zeros(3, np.float32)))
    adapter = data.StreamAdapter(data.BatchStream(batches))
    pieces = list(adapter.pieces(0, _always(16)))
    assert [(p.start, p.stop, p.first, tuple(p.plan)) for p in pieces] == [
        (0, 5, 0, (data.STREAM_CHUNK, 4, 0, None)), (0, 1, 5, (0, 3, 3, None))]
    x = np.asarray(pieces[0].data[0])
    assert x.shape == (data.STREAM_CHUNK * 4, 2)
    np.testing.assert_array_equal(x[:20, 0], np.repeat(np.arange(5.0), 4))


def test_stream_adapter_one_batch_per_piece_when_asked():
    batches = [(np.ones((4, 2)), np.ones(4)) for _ in range(3)]
    pieces = list(data.StreamAdapter(data.BatchStream(batches)).pieces(0, _always(1)))
    assert [(p.first, p.batches, tuple(p.plan)) for p in pieces] == [(i, 1, (0, 4, 4, None))
                                                                     for i in range(3)]


def test_adapter_for_a_stream_with_targets_says_what_to_do():
    with pytest.raises(ValueError, match="The batches carry their own targets"):
        data.adapter_for(iter([(np.ones((2, 1)), np.ones(2))]), np.ones(2), batch_size=2)


def test_validation_split_with_a_stream_asks_for_validation_data():
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        data.fit_adapters(iter([(np.ones((2, 1)), np.ones(2))]), None, None, batch_size=2,
                          steps_per_epoch=None, shuffle=True, class_weight=None,
                          validation_split=0.5, validation_data=None,
                          validation_batch_size=2, validation_steps=None)


def _bce(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_fit_validation_loss_is_never_class_weighted():
    x = RNG.normal(size=(200, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * RNG.normal(size=200) > 0.8).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, validation_split=0.5, class_weight={0: 1, 1: 50}, epochs=2,
                        verbose=0)
    held_x, held_y = x[100:], y[100:]
    p = model.predict(held_x, verbose=0)[:, 0]
    assert p.shape == (100,)
    unweighted = _bce(held_y, p)
    weights = np.where(held_y == 1, 50.0, 1.0)
    weighted = float(np.mean(weights * -(held_y * np.log(np.clip(p, 1e-7, 1))
                                         + (1 - held_y) * np.log(np.clip(1 - p, 1e-7, 1)))))
    assert weighted > 2 * unweighted  # the two differ, so the check below can fail
    assert history.history["val_loss"][-1] == pytest.approx(unweighted, rel=1e-4)
    assert model.evaluate(held_x, held_y, verbose=0) == pytest.approx(unweighted, rel=1e-4)


def test_fit_on_a_stream_equals_fit_on_the_same_arrays():
    x = RNG.normal(size=(40, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)

    def trained(source, **kwargs):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        history = model.fit(*source, epochs=3, verbose=0, shuffle=False, **kwargs)
        return model.get_weights(), history.history["loss"]

    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return x[8 * i:8 * i + 8], y[8 * i:8 * i + 8]

    w_arrays, loss_arrays = trained((x, y), batch_size=8)
    w_stream, loss_stream = trained((Batches(),))
    for a, b in zip(w_arrays, w_stream):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_arrays, loss_stream, rtol=1e-5)


def _trained_dense():
    keras.layers.clear_session()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = RNG.normal(size=(16, 2)).astype(np.float32)
    model.fit(x, x.sum(1, keepdims=True), epochs=2, verbose=0)
    return model, x


def test_train_state_is_keyed_by_variable_path_and_persists_across_calls():
    model, x = _trained_dense()
    state = model._train.state
    assert sorted(state.trainable) == ["dense/bias", "dense/kernel"]
    assert int(state.step) == 2
    model.fit(x, x.sum(1, keepdims=True), epochs=1, verbose=0)
    assert int(model._train.state.step) == 3 and model._train.state.optimizer is not None


def test_variables_are_written_only_when_read():
    model, x = _trained_dense()
    kernel = model.layers[0].kernel
    trained = np.asarray(model._train.state.trainable["dense/kernel"])
    assert model._train.pending and kernel._holder is model._train
    assert not np.array_equal(np.asarray(kernel._value), trained)  # not written yet
    np.testing.assert_array_equal(kernel.numpy(), trained)  # reading writes back
    assert not model._train.pending


def test_an_assigned_variable_is_read_back_by_the_next_fit():
    model, x = _trained_dense()
    model.set_weights([np.zeros((2, 1), np.float32), np.zeros(1, np.float32)])
    np.testing.assert_array_equal(model._train.current().trainable["dense/kernel"],
                                  np.zeros((2, 1)))
    out = model.predict(x[:2], verbose=0)
    assert out.shape == (2, 1) and np.all(out == 0)


def test_two_models_sharing_layers_see_each_others_training():
    keras.utils.set_random_seed(0)
    dense = keras.layers.Dense(1)
    a = keras.Sequential([keras.Input((2,)), dense])
    b = keras.Sequential([keras.Input((2,)), dense])
    for m in (a, b):
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = RNG.normal(size=(8, 2)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    b.predict(x, verbose=0)  # b reads the weights before a trains them
    a.train_on_batch(x, y)
    w, bias = dense.kernel.numpy(), dense.bias.numpy()
    b.train_on_batch(x, y)  # starts from a's result, not from its own stale copy
    r = x @ w + bias - y
    assert r.shape == (8, 1)
    np.testing.assert_allclose(dense.kernel.numpy(), w - 0.1 * 2 * x.T @ r / len(x),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dense.bias.numpy(), bias - 0.1 * 2 * r.sum(0) / len(x),
                               rtol=1e-5, atol=1e-6)


def test_fit_with_a_plain_generator_as_validation_data_and_no_steps():
    x = RNG.normal(size=(20, 3)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = (b for b in [(x[:10], y[:10]), (x[10:], y[10:])])
    history = model.fit(x, y, validation_data=batches, epochs=1, verbose=0)
    w, b = model.get_weights()
    expected = float(np.mean((x @ w + b - y) ** 2))
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)
