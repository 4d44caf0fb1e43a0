"""The single-batch methods in loops written by hand: after the first call with a
given input signature, each call is one compiled program with a shape check, and
the results stay those of the full path (checked against NumPy by hand)."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3)).astype(np.float32)
Y = RNG.normal(size=(6, 1)).astype(np.float32)


def linear(lr=0.1, metrics=()):
    model = keras.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", metrics=list(metrics))
    return model


def sgd_step(w, b, x, y, lr):
    """One SGD step of MSE on a linear model, by hand: `(w, b, loss before)`."""
    err = x @ w + b - y
    loss = np.mean(err ** 2)
    grad = 2 * err / err.size
    return w - lr * x.T @ grad, b - lr * grad.sum(axis=0), loss


def test_train_on_batch_repeated_calls_match_numpy_steps():
    model = linear()
    w, b = [a.astype(np.float64) for a in model.get_weights()]
    losses = []
    for i in range(4):  # float64 and (n,) targets: the same cast each call
        x, y = X[i:i + 2].astype(np.float64), Y[i:i + 2, 0].astype(np.float64)
        losses.append(model.train_on_batch(x, y))
        w, b, expected = sgd_step(w, b, x, y[:, None], 0.1)
        np.testing.assert_allclose(losses[-1], expected, rtol=1e-5)
    kernel, bias = model.get_weights()
    assert kernel.shape == (3, 1) and bias.shape == (1,)
    np.testing.assert_allclose(kernel, w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, b, rtol=1e-5, atol=1e-6)


def test_train_on_batch_reset_metrics_false_accumulates_over_calls():
    model = linear(lr=0.0, metrics=["mae"])
    w, b = model.get_weights()
    model.train_on_batch(X[:2], Y[:2])
    logs = model.train_on_batch(X[2:6], Y[2:6], reset_metrics=False, return_dict=True)
    assert list(logs) == ["loss", "mae"]
    err = X @ w + b - Y  # lr=0: the weights never move
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(err)), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], np.mean(err ** 2), rtol=1e-5)
    fresh = model.train_on_batch(X[2:6], Y[2:6], return_dict=True)
    np.testing.assert_allclose(fresh["mae"], np.mean(np.abs(err[2:6])), rtol=1e-5)


def test_train_on_batch_keeps_weights_in_the_state_until_read():
    model = linear()
    kernel = model.weights[0]
    before = np.array(kernel._value)
    model.train_on_batch(X, Y)
    model.train_on_batch(X, Y)
    assert model._train.pending  # not written back per call
    np.testing.assert_array_equal(np.asarray(kernel._value), before)
    assert not np.allclose(kernel.numpy(), before)  # a read writes back
    assert not model._train.pending


def test_single_batch_methods_check_shapes_after_the_fast_path():
    model = linear()
    model.train_on_batch(X, Y)
    model.predict_on_batch(X)
    with pytest.raises(ValueError, match="x has 6 rows but y has 5 rows"):
        model.train_on_batch(X, Y[:5])
    with pytest.raises(ValueError, match="3"):
        model.predict_on_batch(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="3"):
        model.test_on_batch(np.zeros((2, 4), np.float32), Y[:2])


def test_predict_few_rows_and_model_call_match_numpy():
    model = keras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2)])
    k1, b1, k2, b2 = model.get_weights()
    expected = np.maximum(X @ k1 + b1, 0) @ k2 + b2
    for _ in range(2):  # the second call of each takes the compiled path
        out = model.predict(X[:3], verbose=0)
        assert out.shape == (3, 2) and out.flags.writeable
        np.testing.assert_allclose(out, expected[:3], rtol=1e-5, atol=1e-6)
        called = model(X[:5])
        assert called.shape == (5, 2)
        np.testing.assert_allclose(np.asarray(called), expected[:5], rtol=1e-5, atol=1e-6)
    model.set_weights([k1, b1, 2 * k2, b2])  # a new target network: model(x) sees it
    np.testing.assert_allclose(np.asarray(model(X[:5])),
                               np.maximum(X[:5] @ k1 + b1, 0) @ (2 * k2) + b2,
                               rtol=1e-5, atol=1e-6)


def test_predict_list_of_inputs_takes_the_fast_path_and_still_checks():
    a, b = keras.Input((3,)), keras.Input((2,))
    model = keras.Model([a, b], layers.Dense(2)(layers.Concatenate()([a, b])))
    kernel, bias = model.get_weights()
    xb = RNG.normal(size=(6, 2))  # float64: cast on every call
    for i in range(3):  # from the second call the list's signature is known
        out = model.predict([X[i:i + 2], xb[i:i + 2]], verbose=0)
        assert out.shape == (2, 2)
        np.testing.assert_allclose(out, np.hstack([X[i:i + 2], xb[i:i + 2]]) @ kernel + bias,
                                   rtol=1e-5, atol=1e-6)
    assert any(kind == "predict_list" for kind, _ in model._fast_inputs._known)
    with pytest.raises(ValueError, match="rows"):
        model.predict([X[:2], xb[:3]], verbose=0)
    with pytest.raises(ValueError, match="expects inputs with 5 features"):
        model.predict([np.zeros((2, 4), np.float32), xb[:2]], verbose=0)


def test_model_call_in_training_mode_stays_eager_and_random():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Input((50,)), layers.Dropout(0.5)])
    ones = np.ones((2, 50), np.float32)
    for _ in range(2):
        np.testing.assert_array_equal(np.asarray(model(ones)), ones)
    dropped = np.asarray(model(ones, training=True))
    assert dropped.shape == (2, 50)
    assert set(np.unique(dropped)) == {0.0, 2.0}


def test_model_call_keeps_the_mask_of_its_outputs():
    model = keras.Sequential([layers.Input((4, 1)), layers.Masking(0.0)])
    tokens = np.array([[[1], [2], [0], [0]]], np.float32)
    for _ in range(2):
        out = model(tokens)
        assert out.shape == (1, 4, 1)
        np.testing.assert_array_equal(np.asarray(out._keras_mask), [[True, True, False, False]])


def test_uncompiled_predict_follows_added_layers_flags_and_weights():
    model = keras.Sequential([layers.Input((3,)), layers.Dense(2)])
    assert model.predict_on_batch(X).shape == (6, 2)
    model.add(layers.Dense(1))
    k1, b1, k2, b2 = model.get_weights()
    out = model.predict_on_batch(X)
    assert out.shape == (6, 1)
    np.testing.assert_allclose(out, (X @ k1 + b1) @ k2 + b2, rtol=1e-5, atol=1e-6)
    model.layers[0].trainable = False  # the weights move to the other list
    np.testing.assert_allclose(model.predict_on_batch(X), out, rtol=1e-6)
    model.layers[1].set_weights([k2, b2 + 1.0])
    np.testing.assert_allclose(model.predict_on_batch(X), out + 1.0, rtol=1e-5, atol=1e-6)


def test_packing_round_trips_mixed_dtypes_and_keeps_weak_types_apart():
    import jax
    import jax.numpy as jnp

    from lamina.models._packed import Packing
    tree = {"w": jnp.arange(6.0, dtype=jnp.float32).reshape(2, 3), "b": jnp.ones(3),
            "count": jnp.int32(7), "key": jnp.asarray([1, 2], jnp.uint32),
            "lr": jnp.asarray(0.5)}
    assert jax.typeof(tree["lr"]).weak_type  # a Python float's weak type
    packing = Packing(tree)
    buffers, loose = packing.pack(tree)
    assert [b.dtype for b in buffers] == [np.float32, np.int32, np.uint32]
    assert [b.shape for b in buffers] == [(9,), (1,), (2,)] and len(loose) == 1
    assert packing.size == 12
    back = jax.jit(packing.unpack)((buffers, loose))
    for k in tree:
        assert jax.typeof(back[k]) == jax.typeof(tree[k]), k
        np.testing.assert_array_equal(np.asarray(back[k]), np.asarray(tree[k]))
    assert packing.matches(back) and not packing.matches({**tree, "b": jnp.ones(4)})


def test_train_on_batch_packed_state_equals_unpacked_path(monkeypatch):
    """Adam with a metric: the packed path (small states) and the array-per-leaf path
    take the same steps, and weights, optimizer slots and metrics read back equal."""
    from lamina.models import _on_batch

    def run(limit):
        monkeypatch.setattr(_on_batch, "PACK_LIMIT", limit)
        keras.utils.set_random_seed(3)
        model = keras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                  layers.BatchNormalization(), layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
        logs = [model.train_on_batch(X[i:i + 3], Y[i:i + 3], reset_metrics=i % 2 == 0,
                                     return_dict=True) for i in range(4)]
        packed = model.__dict__["_on_batch_packed"][2] is not None
        weights = model.get_weights()          # a read in the middle writes back
        logs.append(model.train_on_batch(X, Y, return_dict=True))
        return packed, logs, weights, model.get_weights(), model.evaluate(X, Y, verbose=0)

    packed, logs, mid, end, score = run(1 << 17)
    plain, logs_ref, mid_ref, end_ref, score_ref = run(0)
    assert packed and not plain
    for a, b in zip(logs, logs_ref):
        assert a.keys() == b.keys()
        np.testing.assert_allclose(list(a.values()), list(b.values()), rtol=1e-6)
    for a, b in zip(mid + end, mid_ref + end_ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(score, score_ref, rtol=1e-6)


def test_train_on_batch_packed_then_fit_and_set_weights_continue_from_newest():
    """fit after packed calls starts from their weights; set_weights between packed
    calls is seen by the next one (against NumPy SGD steps by hand)."""
    model = linear()
    model.train_on_batch(X[:2], Y[:2])
    assert model.__dict__["_on_batch_packed"][2] is not None
    w, b = model.get_weights()
    model.fit(X[:2], Y[:2], batch_size=2, epochs=1, shuffle=False, verbose=0)
    w, b, _ = sgd_step(w.astype(np.float64), b.astype(np.float64), X[:2], Y[:2], 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    model.set_weights([np.zeros((3, 1)), np.ones(1)])
    loss = model.train_on_batch(X[:2], Y[:2])
    np.testing.assert_allclose(loss, np.mean((1.0 - Y[:2]) ** 2), rtol=1e-6)
    w, b, _ = sgd_step(np.zeros((3, 1)), np.ones(1), X[:2], Y[:2], 0.1)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5, atol=1e-6)


def test_train_on_batch_hot_path_repeats_the_step_and_sees_every_change(monkeypatch):
    """Repeated float32 batches take the hot path (one check, one call); set_weights,
    a recompile and a new batch shape leave it, and every loss equals the unpacked
    path's."""
    from lamina.models import _on_batch

    def run(limit):
        monkeypatch.setattr(_on_batch, "PACK_LIMIT", limit)
        keras.utils.set_random_seed(2)
        model = keras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                  layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
        logs = [model.train_on_batch(X[i:i + 3], Y[i:i + 3]) for i in range(3)]
        hot = model.__dict__.get("_hot_train") is not None
        model.set_weights([np.full(w.shape, 0.1, np.float32) for w in model.get_weights()])
        logs += [model.train_on_batch(X[:3], Y[:3]) for _ in range(2)]
        logs.append(model.train_on_batch(X, Y))          # another row count: same path
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        logs += [[model.train_on_batch(X[:2], Y[:2])] for _ in range(2)]
        return hot, logs, model.get_weights()

    hot, logs, weights = run(1 << 17)
    cold, logs_ref, weights_ref = run(0)
    assert hot and not cold
    assert len(logs) == len(logs_ref) == 8
    for a, b in zip(logs, logs_ref):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-6)
    # after set_weights, the first step starts from 0.1 everywhere: its loss by hand
    h = np.maximum(X[:3] @ np.full((3, 4), 0.1) + 0.1, 0)
    np.testing.assert_allclose(logs[3][0], np.mean((h @ np.full((4, 1), 0.1) + 0.1
                                                    - Y[:3]) ** 2), rtol=1e-5)
    for a, b in zip(weights, weights_ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
