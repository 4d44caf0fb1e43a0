import numpy as np
import pytest

import lamina as keras
from lamina.utils._text_plot import text_curves


def test_to_categorical_matches_identity_rows():
    labels = np.array([2, 0, 1, 2])
    out = keras.utils.to_categorical(labels)
    assert out.shape == (4, 3)
    np.testing.assert_array_equal(out, np.eye(3, dtype=np.float32)[labels])


def test_to_categorical_rejects_label_beyond_num_classes():
    with pytest.raises(ValueError, match="num_classes=2"):
        keras.utils.to_categorical([0, 3], num_classes=2)


def test_to_categorical_rejects_strings():
    with pytest.raises(ValueError, match="LabelEncoder"):
        keras.utils.to_categorical(["a", "b"])


def test_normalize_gives_unit_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    out = keras.utils.normalize(x)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(np.linalg.norm(out[0]), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(out[1], [0.0, 0.0])


class _Batches(keras.utils.Sequence):
    def __init__(self, x, y, batch):
        super().__init__()
        self.x, self.y, self.batch = x, y, batch
        self.epochs_ended = 0

    def __len__(self):
        return len(self.x) // self.batch

    def __getitem__(self, i):
        s = slice(i * self.batch, (i + 1) * self.batch)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_trains_like_the_same_arrays_unshuffled():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)

    def run(data_kind):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        if data_kind == "sequence":
            seq = _Batches(x, y, 10)
            history = model.fit(seq, epochs=3, verbose=0)
            assert seq.epochs_ended == 3
        else:
            history = model.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0)
        return history.history["loss"], model.get_weights()

    loss_seq, w_seq = run("sequence")
    loss_arr, w_arr = run("arrays")
    np.testing.assert_allclose(loss_seq, loss_arr, rtol=1e-5)
    for a, b in zip(w_seq, w_arr):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_text_curves_places_first_and_last_points_on_the_extremes():
    chart = text_curves({"loss": [4.0, 2.0, 1.0]}, width=10, height=5).splitlines()
    assert chart[0].startswith("   4.000 |*")
    assert chart[4].startswith("   1.000 |")
    assert chart[4].rstrip().endswith("*")
    assert "* loss" in chart[-1]


def test_eager_loss_and_metric_results_answer_numpy_like_tf_keras():
    y_true = np.array([[0.0, 1.0], [0.0, 0.0]], np.float32)
    y_pred = np.array([[0.6, 0.4], [0.4, 0.6]], np.float32)
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    expected = np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))
    value = keras.losses.BinaryCrossentropy()(y_true, y_pred).numpy()
    assert value.shape == ()
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    metric = keras.metrics.BinaryAccuracy()
    metric.update_state([[1.0], [0.0], [1.0]], [[0.9], [0.8], [0.2]])
    result = metric.result().numpy()
    assert result.shape == ()
    np.testing.assert_allclose(result, 1.0 / 3.0, rtol=1e-6)


def test_generator_of_many_batches_trains_like_the_same_arrays_unshuffled():
    # 35 batches of 4 and a last one of 2: two stacked chunks of 16, one of 3, and the
    # smaller batch on its own.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(142, 3)).astype(np.float32)
    y = (x @ np.array([[0.5], [-1.0], [2.0]], np.float32)).astype(np.float32)

    def batches():
        for start in range(0, len(x), 4):
            yield x[start:start + 4], y[start:start + 4]

    def run(kind):
        keras.utils.set_random_seed(5)
        model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4),
                                  keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        if kind == "generator":
            history = model.fit(batches(), steps_per_epoch=36, epochs=1, verbose=0)
        else:
            history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        return history.history, model.get_weights()

    logs_gen, w_gen = run("generator")
    logs_arr, w_arr = run("arrays")
    np.testing.assert_allclose(logs_gen["loss"], logs_arr["loss"], rtol=1e-5)
    np.testing.assert_allclose(logs_gen["mae"], logs_arr["mae"], rtol=1e-5)
    for a, b in zip(w_gen, w_arr):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
