"""`pad_sequences`, `TimeseriesGenerator` and `timeseries_dataset_from_array`.
Expected values were produced by tf.keras 2.21 on the same inputs."""
import numpy as np
import pytest

import lamina as keras
from lamina.preprocessing.sequence import TimeseriesGenerator, pad_sequences
from lamina.utils import timeseries_dataset_from_array

SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]


def test_pad_sequences_pads_and_truncates_at_the_start_by_default():
    out = pad_sequences(SEQS)
    assert out.shape == (4, 5) and out.dtype == np.int32
    assert out.tolist() == [[0, 0, 1, 2, 3], [0, 0, 0, 4, 5], [0, 0, 0, 0, 0],
                            [6, 7, 8, 9, 10]]
    assert pad_sequences(SEQS, maxlen=2).tolist() == [[2, 3], [4, 5], [0, 0], [9, 10]]


def test_pad_sequences_post_padding_truncating_and_value():
    out = pad_sequences(SEQS, maxlen=3, padding="post", truncating="post", value=-1)
    assert out.shape == (4, 3)
    assert out.tolist() == [[1, 2, 3], [4, 5, -1], [-1, -1, -1], [6, 7, 8]]


def test_pad_sequences_dtypes_strings_and_item_shapes():
    floats = pad_sequences([[1.5, 2.5]], dtype="float32", maxlen=3)
    assert floats.dtype == np.float32 and floats.tolist() == [[0.0, 1.5, 2.5]]
    objects = pad_sequences([["a", "bb"], ["ccc"]], dtype=object, value="<p>")
    assert objects.shape == (2, 2) and objects.tolist() == [["a", "bb"], ["<p>", "ccc"]]
    # NumPy's "str" has no width; tf.keras cuts 'bb' to 'b', Lamina keeps it.
    strings = pad_sequences([["a", "bb"], ["ccc"]], dtype="str", value="-")
    assert strings.tolist() == [["a", "bb"], ["-", "ccc"]]
    items = pad_sequences([[[1, 2], [3, 4]], [[5, 6]]])
    assert items.shape == (2, 2, 2) and items.tolist() == [[[1, 2], [3, 4]], [[0, 0], [5, 6]]]
    assert pad_sequences([]).shape == (0, 0)


def test_pad_sequences_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"padding=\"mid\".*\['pre', 'post'\]"):
        pad_sequences([[1]], padding="mid")
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="item 1 is 5"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="items of one shape"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    assert keras.utils.pad_sequences is pad_sequences


def test_timeseries_generator_windows_strides_and_targets():
    gen = TimeseriesGenerator(np.arange(20), np.arange(20) * 10, length=5, sampling_rate=2,
                              stride=3, batch_size=2, start_index=1, end_index=17)
    assert len(gen) == 2
    x, y = gen[0]
    assert x.shape == (2, 3) and x.tolist() == [[1, 3, 5], [4, 6, 8]] and y.tolist() == [60, 90]
    x, y = gen[1]
    assert x.tolist() == [[7, 9, 11], [10, 12, 14]] and y.tolist() == [120, 150]


def test_timeseries_generator_reverse_and_last_batch():
    gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=4,
                              reverse=True)
    assert len(gen) == 2
    x, y = gen[0]
    assert x.tolist() == [[2, 1, 0], [3, 2, 1], [4, 3, 2], [5, 4, 3]] and y.tolist() == [3, 4, 5, 6]
    assert gen[1][0].shape == (3, 3)
    with pytest.raises(ValueError, match="same length"):
        TimeseriesGenerator(np.arange(5), np.arange(4), length=2)
    with pytest.raises(ValueError, match="no step to use"):
        TimeseriesGenerator(np.arange(5), np.arange(5), length=6)


def test_timeseries_generator_trains_a_model():
    series = np.sin(np.arange(200) / 5.0).astype("float32")[:, None]
    gen = TimeseriesGenerator(series, series, length=8, batch_size=16)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(gen, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(gen, verbose=0).shape == (192, 1)


def test_timeseries_dataset_from_array_matches_tf_keras():
    data = np.arange(30).reshape(15, 2)
    ds = timeseries_dataset_from_array(data, np.arange(15) * 10, sequence_length=3,
                                       sequence_stride=2, sampling_rate=2, batch_size=2,
                                       start_index=1, end_index=13)
    batches = [(x.tolist(), y.tolist()) for x, y in ds]
    assert batches == [([[[2, 3], [6, 7], [10, 11]], [[6, 7], [10, 11], [14, 15]]], [10, 30]),
                       ([[[10, 11], [14, 15], [18, 19]], [[14, 15], [18, 19], [22, 23]]],
                        [50, 70])]
    single = timeseries_dataset_from_array(np.arange(6), None, sequence_length=4,
                                           batch_size=None)
    assert [w.tolist() for w in single] == [[0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5]]
    assert [b.shape for b in timeseries_dataset_from_array(
        np.arange(10), None, 3, batch_size=3)] == [(3, 3), (3, 3), (2, 3)]


def test_timeseries_dataset_shuffle_is_seeded_and_fit_accepts_it():
    series = np.arange(100, dtype="float32")
    make = lambda: timeseries_dataset_from_array(series[:-5], series[5:], sequence_length=5,
                                                 batch_size=8, shuffle=True, seed=3)
    a, b = make(), make()
    assert all(np.array_equal(x1, x2) for (x1, _), (x2, _) in zip(a, b))
    x, y = a[0]
    assert x.shape == (8, 5) and np.array_equal(y, x[:, 0] + 5)  # each target follows its window
    first = [x.copy() for x, _ in a]
    a.on_epoch_end()
    assert any(not np.array_equal(f, x) for f, (x, _) in zip(first, a))
    assert len(list(a.take(2))) == 2
    model = keras.Sequential([keras.layers.Input((5,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.fit(make(), epochs=2, verbose=0).history["loss"]) == 2


def test_timeseries_dataset_errors():
    with pytest.raises(ValueError, match="sequence_length"):
        timeseries_dataset_from_array(np.arange(5), None, 0)
    with pytest.raises(ValueError, match="no window"):
        timeseries_dataset_from_array(np.arange(5), None, 6)
    with pytest.raises(ValueError, match="start_index"):
        timeseries_dataset_from_array(np.arange(5), None, 2, start_index=7)
