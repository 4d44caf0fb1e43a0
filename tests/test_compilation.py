"""Data of varying length reuses a few compiled programs: `predict`, `evaluate`, `fit`
and `predict_on_batch` compile once per bucket of lengths, not once per length, and
memory stays flat over a loop of sizes."""
import math

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.models import _padding, _trainer

_COMPILES = [0]


def _on_event(event, duration, **kwargs):
    if event == "/jax/core/compile/backend_compile_duration":
        _COMPILES[0] += 1


jax.monitoring.register_event_duration_secs_listener(_on_event)


def compiles(fn):
    """The number of XLA compilations `fn()` runs."""
    before = _COMPILES[0]
    fn()
    return _COMPILES[0] - before


def bucket(batches, bits):
    """Batches rounded up to `bits` significant bits, computed independently."""
    size = 1 << (batches.bit_length() - bits) if batches.bit_length() > bits else 1
    return math.ceil(batches / size) * size


RNG = np.random.default_rng(0)
X = RNG.normal(size=(1100, 4)).astype(np.float32)
Y = (X @ np.array([1.0, -2.0, 0.5, 3.0], np.float32) + 1.0)[:, None]


def regression(*hidden, metrics=("mae",)):
    model = keras.Sequential([layers.Input((4,)), *hidden, layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=list(metrics))
    return model


def test_predict_compiles_once_per_bucket_of_lengths():
    model = regression(layers.Dense(8, activation="relu"))
    sizes = range(1000, 1100)
    expected = len({bucket(math.ceil(n / 32), 3) for n in sizes})  # 32 and 40 batches
    assert expected == 2
    outs = []
    assert compiles(lambda: outs.extend(model.predict(X[:n], verbose=0) for n in sizes)) \
        == expected
    assert [o.shape for o in outs] == [(n, 1) for n in sizes]
    np.testing.assert_allclose(outs[-1][:1000], outs[0], rtol=1e-6)


def test_predict_on_batch_compiles_once_per_bucket_of_sizes():
    model = regression()
    model.predict_on_batch(X[:40])
    outs = []
    assert compiles(lambda: outs.extend(model.predict_on_batch(X[:n])
                                        for n in range(33, 41))) == 0
    assert [o.shape for o in outs] == [(n, 1) for n in range(33, 41)]
    w, b = model.get_weights()
    np.testing.assert_allclose(outs[0], X[:33] @ w + b, rtol=1e-5, atol=1e-6)


def test_evaluate_compiles_once_per_bucket_of_lengths():
    model = regression(layers.Dense(8, activation="relu"))
    model.evaluate(X[:1000], Y[:1000], verbose=0)  # the metrics and a first bucket
    sizes = range(1001, 1100)
    expected = len({bucket(math.ceil(n / 32), 4) for n in sizes} - {32})
    assert expected == 1  # 33 to 35 batches all pad to 36
    results = []
    assert compiles(lambda: results.extend(model.evaluate(X[:n], Y[:n], verbose=0)
                                           for n in sizes)) == expected
    pred = model.predict(X[:1099], verbose=0)  # loss and mae checked by hand
    np.testing.assert_allclose(results[-1], [np.mean((pred - Y[:1099]) ** 2),
                                             np.mean(np.abs(pred - Y[:1099]))], rtol=1e-5)


def test_fit_varying_remainders_compiles_once_per_bucket_of_lengths():
    model = regression(layers.Dense(8, activation="relu"))
    model.fit(X[:1000], Y[:1000], verbose=0)  # the optimizer, metrics, a first bucket
    sizes = range(1001, 1065)  # every remainder of 32, twice
    assert len({n % 32 for n in sizes}) == 32
    expected = len({bucket(math.ceil(n / 32), 4) for n in sizes} - {32})
    assert expected == 1  # 33 and 34 batches both pad to 36
    assert compiles(lambda: [model.fit(X[:n], Y[:n], verbose=0) for n in sizes]) == expected


def test_fit_with_batch_statistics_compiles_once_per_last_batch_size():
    # BatchNormalization mixes the rows of a batch in training: the last batch keeps its
    # exact size, and only its size (not the number of rows) picks the program.
    model = regression(layers.Dense(4), layers.BatchNormalization())
    model.fit(X[:1000], Y[:1000], verbose=0)
    sizes = [1000, 968, 1001, 969, 1100]  # last batches of 8, 8, 9, 9 and 12 rows
    programs = {(bucket(math.ceil(n / 32), 4), n - 32 * (math.ceil(n / 32) - 1))
                for n in sizes}
    assert programs == {(32, 8), (32, 9), (36, 12)}  # (padded batches, last batch)
    assert compiles(lambda: [model.fit(X[:n], Y[:n], verbose=0) for n in sizes]) == \
        len(programs) - 1  # (32, 8) was compiled by the first fit


@pytest.fixture
def exact_last_batch(monkeypatch):
    """Run the last batch at its exact size, as models with batch statistics do."""
    monkeypatch.setattr(_trainer, "pads_last_batch", lambda model, training: False)


def _classifier(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([layers.Input((4,)), layers.Dense(6, activation="tanh"),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy", "AUC", keras.metrics.Precision()],
                  weighted_metrics=["accuracy"])
    return model


def _run(model):
    y = (X[:, :1] + X[:, 1:2] > 0).astype(np.float32)
    sw = np.linspace(0.5, 2.0, 1100).astype(np.float32)
    history = model.fit(X[:203], y[:203], sample_weight=sw[:203], batch_size=16, epochs=2,
                        validation_data=(X[203:310], y[203:310]), verbose=0)
    scores = model.evaluate(X[310:417], y[310:417], batch_size=16, return_dict=True,
                            verbose=0)
    return history.history, scores, model.get_weights()


def test_fit_masked_last_batch_equals_the_exact_last_batch(request):
    padded = _run(_classifier(7))
    request.getfixturevalue("exact_last_batch")
    exact = _run(_classifier(7))
    assert sorted(padded[0]) == sorted(exact[0]) and len(padded[0]["loss"]) == 2
    for key in exact[0]:
        np.testing.assert_allclose(padded[0][key], exact[0][key], rtol=2e-5, err_msg=key)
    for key in exact[1]:
        np.testing.assert_allclose(padded[1][key], exact[1][key], rtol=2e-5, err_msg=key)
    for a, b in zip(padded[2], exact[2]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _sequence_model(seed, stateful=False):
    keras.utils.set_random_seed(seed)
    tokens = keras.Input((6,), batch_size=4 if stateful else None)
    x = layers.Embedding(12, 3, mask_zero=True)(tokens)
    x = layers.LSTM(4, return_sequences=True, stateful=stateful)(x)
    x = layers.GRU(3, go_backwards=True, stateful=stateful)(x)
    model = keras.Model(tokens, layers.Dense(1, activation="sigmoid")(
        layers.Concatenate()([x, layers.SimpleRNN(2)(layers.Embedding(12, 2)(tokens))])))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def _sequence_run(model):
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 12, size=(61, 6))
    ids[::3, :2] = 0  # padded-looking rows, masked by the first Embedding
    y = (ids.sum(1) > 33).astype(np.float32)
    history = model.fit(ids[:37], y[:37], batch_size=8, epochs=1, shuffle=False,
                        validation_data=(ids[37:], y[37:]), verbose=0)
    return history.history, model.get_weights()


def test_fit_of_embedding_and_rnns_pads_the_last_batch_with_exact_results(request):
    model = _sequence_model(5)
    assert _padding.pads_last_batch(model, training=True)
    assert not _padding.pads_last_batch(_sequence_model(5, stateful=True), training=True)
    padded = _sequence_run(model)
    request.getfixturevalue("exact_last_batch")
    exact = _sequence_run(_sequence_model(5))
    assert len(padded[0]["loss"]) == 1 and sorted(padded[0]) == sorted(exact[0])
    for key in exact[0]:
        np.testing.assert_allclose(padded[0][key], exact[0][key], rtol=2e-5, err_msg=key)
    for a, b in zip(padded[1], exact[1]):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def _rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    pytest.skip("no /proc/self/status on this system")


def test_loop_of_varying_sizes_keeps_memory_flat():
    model = regression(layers.Dense(16, activation="relu"))
    sizes = [int(n) for n in np.random.default_rng(1).integers(993, 1025, size=30)]

    def loop(ns):  # 32 batches, the last of 1 to 32 rows
        for n in ns:
            model.fit(X[:n], Y[:n], verbose=0)
            model.evaluate(X[:n], Y[:n], verbose=0)
            model.predict(X[:n], verbose=0)
            model.predict_on_batch(X[:n // 20])

    loop([1000])
    before = _rss_bytes()
    assert compiles(lambda: loop(sizes)) == 0
    assert _rss_bytes() - before < 40 * 2**20
