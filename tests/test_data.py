"""Tests of lamina.data: adapters, validation, split, class weights, streams."""
import math

import numpy as np
import pytest

from lamina import data
from lamina.data import Arrays

pd = pytest.importorskip("pandas")


# --- adapt_x / adapt_y: each input kind -------------------------------------------


def test_adapt_x_float32_array_is_returned_without_copy():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = data.adapt_x(x)
    assert out is x
    assert out.shape == (4, 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64, np.int8, np.uint8, np.bool_])
def test_adapt_x_casts_features_to_float32(dtype):
    x = (np.arange(6).reshape(3, 2) % 2).astype(dtype)
    out = data.adapt_x(x)
    assert out.dtype == np.float32 and out.shape == (3, 2)
    np.testing.assert_array_equal(out, x.astype(np.float64))


@pytest.mark.parametrize(
    "dtype, expected",
    [(np.float64, np.float32), (np.float32, np.float32), (np.int64, np.int32),
     (np.uint8, np.int32), (np.int32, np.int32), (np.bool_, np.float32)],
)
def test_adapt_y_target_dtypes(dtype, expected):
    y = np.array([0, 1, 1, 0]).astype(dtype)
    out = data.adapt_y(y)
    assert out.dtype == expected and out.shape == (4,)
    np.testing.assert_array_equal(out, [0, 1, 1, 0])


def test_adapt_x_nested_lists_are_one_array():
    out = data.adapt_x([[1, 2, 3], [4, 5, 6]])
    assert out.shape == (2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.arange(1, 7).reshape(2, 3))


def test_adapt_x_list_of_numpy_scalars_is_one_array():
    out = data.adapt_x([np.float64(1.5), np.float64(2.5), 3])
    assert out.shape == (3,)
    np.testing.assert_array_equal(out, [1.5, 2.5, 3.0])


def test_adapt_x_dataframe_with_mixed_dtypes():
    df = pd.DataFrame({
        "i": np.array([1, 2, 3], dtype=np.int64),
        "f": [0.5, 1.5, 2.5],
        "b": [True, False, True],
        "n": pd.array([7, 8, 9], dtype="Int64"),
    })
    out = data.adapt_x(df)
    assert out.shape == (3, 4) and out.dtype == np.float32
    expected = np.array([[1, 0.5, 1, 7], [2, 1.5, 0, 8], [3, 2.5, 1, 9]], dtype=np.float32)
    np.testing.assert_array_equal(out, expected)


def test_adapt_x_series_is_one_dimensional():
    out = data.adapt_x(pd.Series([1, 2, 3], name="age"))
    assert out.shape == (3,) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])


def test_adapt_y_dataframe_keeps_int_and_one_hot_bool_becomes_float():
    codes = data.adapt_y(pd.DataFrame({"a": [0, 2], "b": [1, 1]}))
    assert codes.dtype == np.int32 and codes.shape == (2, 2)
    one_hot = data.adapt_y(pd.get_dummies(pd.Series(["cat", "dog", "cat"])))
    assert one_hot.dtype == np.float32 and one_hot.shape == (3, 2)
    np.testing.assert_array_equal(one_hot, [[1, 0], [0, 1], [1, 0]])


def test_adapt_x_sparse_from_column_transformer_is_densified():
    compose = pytest.importorskip("sklearn.compose")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    sparse = pytest.importorskip("scipy.sparse")
    df = pd.DataFrame({
        "num": np.arange(20.0),
        "city": [f"c{i % 10}" for i in range(20)],
        "kind": [f"k{i % 7}" for i in range(20)],
    })
    ct = compose.ColumnTransformer([
        ("num", preprocessing.StandardScaler(), ["num"]),
        ("cat", preprocessing.OneHotEncoder(), ["city", "kind"]),
    ])
    encoded = ct.fit_transform(df)
    assert sparse.issparse(encoded)
    out = data.adapt_x(encoded)
    assert out.shape == (20, 1 + 10 + 7) and out.dtype == np.float32
    standardized = (df["num"] - df["num"].mean()) / df["num"].std(ddof=0)
    np.testing.assert_allclose(out[:, 0], standardized, rtol=1e-6)
    np.testing.assert_array_equal(out[:, 1:].sum(axis=1), np.full(20, 2.0))
    np.testing.assert_array_equal(out[np.arange(20), 1 + np.arange(20) % 10], np.ones(20))


def test_adapt_x_dict_of_named_inputs():
    x = {"age": [[30.0], [40.0]], "city": np.array([[1, 0], [0, 1]])}
    out = data.adapt_x(x)
    assert list(out) == ["age", "city"]
    assert out["age"].shape == (2, 1) and out["city"].shape == (2, 2)
    assert out["city"].dtype == np.float32


@pytest.mark.parametrize("container", [list, tuple])
def test_adapt_x_list_of_arrays_is_several_inputs(container):
    x = container([np.zeros((3, 2)), pd.DataFrame({"a": [1, 2, 3]}), pd.Series([4, 5, 6])])
    out = data.adapt_x(x)
    assert type(out) is container and len(out) == 3
    assert [a.shape for a in out] == [(3, 2), (3, 1), (3,)]


def test_adapt_x_several_inputs_with_different_rows_error():
    with pytest.raises(ValueError, match=r"x\[0\] has 3 rows but x\[1\] has 2 rows"):
        data.adapt_x([np.zeros((3, 2)), np.zeros((2, 2))])


def test_adapt_xy_returns_arrays_with_sample_weight():
    out = data.adapt_xy([[1.0], [2.0]], [1, 0], sample_weight=[1, 2])
    assert isinstance(out, Arrays)
    assert out.x.shape == (2, 1) and out.y.shape == (2,) and out.sample_weight.shape == (2,)
    assert out.sample_weight.dtype == np.float32 and out.y.dtype == np.int32


def test_adapt_xy_prefix_names_validation_data():
    with pytest.raises(ValueError, match="validation_data x has 3 rows but validation_data y has 2"):
        data.adapt_xy(np.zeros((3, 1)), np.zeros(2), prefix="validation_data ")


def test_adapt_xy_multi_output_dict_targets():
    out = data.adapt_xy(np.zeros((2, 3)), {"price": [1.5, 2.5], "kind": [0, 1]})
    assert out.y["price"].dtype == np.float32 and out.y["kind"].dtype == np.int32
    assert out.y["price"].shape == (2,)


# --- validation errors --------------------------------------------------------------


@pytest.mark.parametrize(
    "y, sw, message",
    [(np.zeros(99), None, "x has 100 rows but y has 99 rows"),
     (np.zeros(100), np.ones(98), "x has 100 rows but sample_weight has 98 rows")],
)
def test_adapt_xy_length_mismatch_error(y, sw, message):
    with pytest.raises(ValueError, match=message + r".*train_test_split"):
        data.adapt_xy(np.zeros((100, 3)), y, sw)


def test_adapt_x_nan_error_names_row_and_column():
    x = np.zeros((4, 3))
    x[2, 1] = np.nan
    message = r"1 NaN value\(s\).*row 2, column 1\..*SimpleImputer.*dropna"
    with pytest.raises(ValueError, match=message):
        data.adapt_x(x)


def test_adapt_x_nan_error_names_dataframe_column():
    df = pd.DataFrame({"height": [1.0, 2.0, 3.0], "income": [1.0, np.nan, np.inf]})
    message = (r"1 NaN value\(s\) and 1 inf value\(s\).*"
               r"row 1, column 1 \('income'\); row 2, column 1 \('income'\).*replace")
    with pytest.raises(ValueError, match=message):
        data.adapt_x(df)


def test_adapt_x_nan_error_lists_at_most_five_places():
    x = np.full((10, 2), np.nan)
    with pytest.raises(ValueError, match=r"20 NaN.*row 2, column 0, \.\.\.") as info:
        data.adapt_x(x)
    assert str(info.value).count("row ") == 5


def test_adapt_y_nan_error_suggests_dropping_rows():
    with pytest.raises(ValueError, match=r"y contains 1 NaN.*row 1\..*dropna\(subset="):
        data.adapt_xy(np.zeros((3, 1)), [1.0, float("nan"), 2.0])


def test_adapt_y_nullable_int_with_missing_value_error():
    with pytest.raises(ValueError, match=r"y contains 1 NaN value\(s\).*row 1"):
        data.adapt_y(pd.Series(pd.array([1, None, 3], dtype="Int64")))


def test_adapt_x_non_numeric_dataframe_columns_error():
    df = pd.DataFrame({"rooms": [3, 4], "ocean": ["NEAR BAY", "INLAND"],
                       "when": pd.to_datetime(["2020-01-01"] * 2)})
    message = (r"non-numeric columns: 'ocean' \(dtype .*'NEAR BAY'\), 'when'.*"
               r"pd.get_dummies.*OneHotEncoder")
    with pytest.raises(ValueError, match=message):
        data.adapt_x(df)


@pytest.mark.parametrize(
    "x", [np.array([[1, "red"], [2, "blue"]], dtype=object), [[1, "red"], [2, "blue"]]]
)
def test_adapt_x_object_or_string_array_names_bad_column(x):
    with pytest.raises(ValueError, match=r"non-numeric columns: column 1 \(e.g. 'red'\).*get_dummies"):
        data.adapt_x(x)


def test_adapt_x_object_array_of_numbers_is_accepted():
    out = data.adapt_x(np.array([[1, 2.5], [3, 4]], dtype=object))
    assert out.dtype == np.float32 and out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[1, 2.5], [3, 4]])


@pytest.mark.parametrize(
    "y", [["cat", "dog"], pd.Series(["cat", "dog"]), np.array(["cat", "dog"], dtype=object)]
)
def test_adapt_y_strings_error_suggests_label_encoder(y):
    with pytest.raises(ValueError, match=r"y contains strings.*'cat'.*LabelEncoder"):
        data.adapt_xy(np.zeros((2, 1)), y)


@pytest.mark.parametrize(
    "x, message",
    [(np.zeros((0, 3)), r"x is empty: it has 0 rows \(shape \(0, 3\)\)"),
     ([], r"x is empty: received an empty list"),
     ({}, r"x is an empty dict"),
     (pd.DataFrame(index=range(3)), r"x is empty: it has rows but no values \(shape \(3, 0\)\)")],
)
def test_adapt_x_empty_data_error(x, message):
    with pytest.raises(ValueError, match=message):
        data.adapt_x(x)


def test_adapt_x_ragged_list_error():
    message = r"rows of different lengths \(found lengths \[1, 2\]\).*pad_sequences"
    with pytest.raises(ValueError, match=message):
        data.adapt_x([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    "x, error, message",
    [(None, TypeError, "x is None"),
     ("abc", TypeError, "received the string 'abc'"),
     (object(), TypeError, "received an object of type builtins.object"),
     (3.0, ValueError, r"single value \(3.0\).*\[3.0\]"),
     (np.ones((2, 2), dtype=np.complex64), TypeError, "complex dtype")],
)
def test_adapt_x_unsupported_input_error(x, error, message):
    with pytest.raises(error, match=message):
        data.adapt_x(x)


# --- num_rows and split_validation ------------------------------------------------


def test_num_rows_of_trees():
    assert data.num_rows(np.zeros((7, 2))) == 7
    assert data.num_rows({"a": np.zeros((5, 1)), "b": [np.zeros(5)]}) == 5
    with pytest.raises(ValueError, match="No data was given"):
        data.num_rows(None)


@pytest.mark.parametrize("n, fraction", [(10, 0.2), (7, 0.3), (100, 0.25), (3, 0.5), (1000, 0.001)])
def test_split_validation_takes_last_fraction(n, fraction):
    x = {"a": np.arange(n * 2, dtype=np.float32).reshape(n, 2), "b": np.arange(n, dtype=np.float32)}
    y = np.arange(n, dtype=np.int32)
    sw = np.linspace(0, 1, n, dtype=np.float32)
    train, val = data.split_validation(Arrays(x, y, sw), fraction)
    cut = math.floor(n * (1 - fraction))
    assert train.x["a"].shape == (cut, 2) and val.x["a"].shape == (n - cut, 2)
    np.testing.assert_array_equal(train.x["a"], x["a"][:cut])
    np.testing.assert_array_equal(val.x["b"], x["b"][cut:])
    np.testing.assert_array_equal(train.y, y[:cut])
    np.testing.assert_array_equal(val.sample_weight, sw[cut:])


def test_split_validation_without_targets_keeps_none():
    train, val = data.split_validation(Arrays(np.zeros((4, 1))), 0.5)
    assert train.y is None and val.sample_weight is None
    assert train.x.shape == (2, 1) and val.x.shape == (2, 1)


@pytest.mark.parametrize(
    "n, fraction, error, message",
    [(10, 0.0, ValueError, r"strictly between 0 and 1, but received 0.0"),
     (10, 1.0, ValueError, r"strictly between 0 and 1, but received 1.0"),
     (10, -0.2, ValueError, "strictly between 0 and 1"),
     (10, True, TypeError, "must be a float"),
     (10, "0.2", TypeError, "must be a float"),
     (1, 0.5, ValueError, r"has 1 rows, which is not enough.*train 0 rows, validation 1 rows"),
     (1, 1e-17, ValueError, r"train 1 rows, validation 0 rows")],
)
def test_split_validation_errors(n, fraction, error, message):
    with pytest.raises(error, match=message):
        data.split_validation(Arrays(np.zeros((n, 1)), np.zeros(n)), fraction)


def test_split_validation_needs_arrays():
    with pytest.raises(TypeError, match="adapt_xy"):
        data.split_validation((np.zeros(3), np.zeros(3)), 0.5)


# --- class weights ----------------------------------------------------------------


@pytest.mark.parametrize(
    "y",
    [np.array([0, 2, 1, 2, 0]), np.array([[0], [2], [1], [2], [0]]),
     np.eye(3, dtype=np.float32)[[0, 2, 1, 2, 0]]],
)
def test_class_weight_to_sample_weight_matches_lookup(y):
    weights = {0: 1.0, 1: 2.0, 2: 0.5}
    labels = np.array([0, 2, 1, 2, 0])
    expected = np.array([weights[k] for k in labels], dtype=np.float32)
    out = data.class_weight_to_sample_weight(y, weights)
    assert out.shape == (5,) and out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_class_weight_binary_float_targets_are_rounded_and_multiply_sample_weight():
    y = np.array([[0.0], [1.0], [0.9], [0.2]], dtype=np.float32)
    sw = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    out = data.class_weight_to_sample_weight(y, {0: 1.0, 1: 10.0}, sample_weight=sw)
    assert out.shape == (4,)
    np.testing.assert_array_equal(out, np.array([1.0, 10.0, 10.0, 1.0]) * sw)


@pytest.mark.parametrize(
    "y, class_weight, error, message",
    [(np.array([0, 1]), {0: 1.0, 1: 2.0, -1: 3.0}, ValueError,
      r"keys \[-1\] that are not class indices.*non-negative"),
     (np.eye(2)[[0, 1]], {0: 1.0, 1: 1.0, 2: 1.0}, ValueError,
      r"keys \[2\] that are not class indices.*labels: \[0, 1\]"),
     (np.array([0, 1, 2]), {0: 1.0, 1: 2.0}, ValueError, r"classes \[2\] are missing"),
     (np.array([0, 1]), {"a": 1.0}, TypeError, "integer class indices.*'a'"),
     (np.array([0, 1]), {0: "x", 1: 1.0}, TypeError, "values must be numbers"),
     (np.array([0, 1]), [1.0, 2.0], TypeError, "must be a dict"),
     ({"out": np.array([0, 1])}, {0: 1.0, 1: 1.0}, ValueError, "single output")],
)
def test_class_weight_errors(y, class_weight, error, message):
    with pytest.raises(error, match=message):
        data.class_weight_to_sample_weight(y, class_weight)


# --- streams ----------------------------------------------------------------------


class _Sequence:
    """A keras.utils.Sequence-like object: 3 batches of 2 rows."""

    def __init__(self):
        self.epochs_ended = 0

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return np.full((2, 4), float(i)), np.array([i, i]), np.ones(2)

    def on_epoch_end(self):
        self.epochs_ended += 1


def _batches(k):
    return [(np.full((2, 3), float(i)), np.array([i, i])) for i in range(k)]


@pytest.mark.parametrize(
    "value, expected",
    [((b for b in []), True), (iter([]), True), (_Sequence(), True), (range(3), True),
     (np.zeros(3), False), ([[1.0]], False), ((np.zeros(2),), False), ({"a": 1}, False),
     (pd.DataFrame({"a": [1]}), False), ("text", False), (None, False)],
)
def test_is_stream_table(value, expected):
    assert data.is_stream(value) is expected


@pytest.mark.parametrize(
    "batch, expected",
    [(("x",), ("x", None, None)), (("x", "y"), ("x", "y", None)),
     (["x", "y", "w"], ("x", "y", "w")), ("x", ("x", None, None))],
)
def test_unpack_xy_table(batch, expected):
    assert data.unpack_xy(batch) == expected


def test_unpack_xy_too_many_items_error():
    with pytest.raises(ValueError, match=r"sample_weight\), but received a tuple of 4 items"):
        data.unpack_xy((1, 2, 3, 4))


def test_batch_stream_generator_is_one_shot_and_peek_keeps_first_batch():
    stream = data.BatchStream(b for b in _batches(5))
    first = stream.peek()
    assert first.x.shape == (2, 3) and first.x.dtype == np.float32 and first.y.dtype == np.int32
    epoch = [int(b.y[0]) for b in stream]
    assert epoch == [0, 1, 2, 3, 4] and not stream.ran_out
    assert list(stream) == [] and stream.ran_out


def test_batch_stream_generator_with_steps_continues_across_epochs():
    stream = data.BatchStream((b for b in _batches(5)), steps=2)
    assert stream.steps == 2
    assert [int(b.y[0]) for b in stream] == [0, 1]
    assert [int(b.y[0]) for b in stream] == [2, 3]
    assert [int(b.y[0]) for b in stream] == [4] and stream.ran_out


def test_batch_stream_list_of_batches_restarts_each_epoch():
    stream = data.BatchStream(_batches(3))
    assert stream.steps == 3 and stream.peek().x.shape == (2, 3)
    for _ in range(2):
        epoch = list(stream)
        assert [int(b.x[0, 0]) for b in epoch] == [0, 1, 2] and not stream.ran_out


def test_batch_stream_sequence_like_indexes_and_calls_on_epoch_end():
    seq = _Sequence()
    stream = data.BatchStream(seq)
    assert stream.peek().sample_weight.dtype == np.float32
    for epoch in range(2):
        batches = list(stream)
        assert [b.x.shape for b in batches] == [(2, 4)] * 3
        np.testing.assert_array_equal([b.y[0] for b in batches], [0, 1, 2])
    assert seq.epochs_ended == 2


def test_batch_stream_sequence_shorter_than_steps_runs_out():
    stream = data.BatchStream(_Sequence(), steps=5)
    assert len(list(stream)) == 3 and stream.ran_out


def test_batch_stream_reports_bad_batch_index():
    batches = _batches(2) + [(np.zeros((2, 3)), np.zeros(3))]
    message = r"In batch 2 of the data stream: x has 2 rows but y has 3 rows"
    with pytest.raises(ValueError, match=message):
        list(data.BatchStream(batches))


@pytest.mark.parametrize(
    "source, steps, error, message",
    [((b for b in []), None, ValueError, "yielded no batches"),
     (np.zeros(3), None, TypeError, "BatchStream needs a generator"),
     (_batches(1), 0, ValueError, "positive integer or None, but received 0"),
     (_batches(1), 1.5, TypeError, "positive integer or None, but received 1.5")],
)
def test_batch_stream_errors(source, steps, error, message):
    with pytest.raises(error, match=message):
        data.BatchStream(source, steps).peek()


def test_class_weight_key_for_a_class_these_rows_lack_is_accepted():
    # validation_split can leave a class out of the training rows.
    y = np.array([0, 1, 1, 0])
    weights = data.class_weight_to_sample_weight(y, {0: 1.0, 1: 2.0, 5: 3.0})
    assert weights.shape == (4,)
    np.testing.assert_array_equal(weights, np.array([1.0, 2.0, 2.0, 1.0], np.float32))
