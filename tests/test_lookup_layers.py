"""`StringLookup` and `IntegerLookup`: indices pinned against tf.keras 2.21 (which
produced the expected values from the same inputs)."""
import numpy as np
import pytest

from lamina.layers import IntegerLookup, StringLookup
from lamina.layers._hashes import fingerprint64


def out(layer, data):
    return np.asarray(layer(np.asarray(data)))


def test_string_lookup_indices_oov_and_vocabulary():
    layer = StringLookup(vocabulary=["a", "b", "c"])
    assert out(layer, ["a", "z", "c"]).tolist() == [1, 0, 3]
    result = out(layer, [["a"], ["z"]])
    assert result.shape == (2, 1) and result.dtype == np.int32 and result.tolist() == [[1], [0]]
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"] and layer.vocabulary_size() == 4


def test_string_lookup_mask_and_hashed_oov_buckets():
    layer = StringLookup(vocabulary=["a", "b", "c"], mask_token="", num_oov_indices=3)
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "[UNK]", "a", "b", "c"]
    # tf.keras 2: [[4, 0, 2, 3, 2]]; each OOV bucket is 1 + Fingerprint64(token) % 3.
    assert out(layer, [["a", "", "zz", "q", "hello"]]).tolist() == [[4, 0, 2, 3, 2]]
    assert [1 + fingerprint64(w) % 3 for w in (b"zz", b"q", b"hello")] == [2, 3, 2]


def test_string_lookup_encoded_output_modes():
    multi = StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot")
    assert out(multi, ["a", "z", "c"]).tolist() == [1, 1, 0, 1]  # a 1-D input is one set
    two = out(multi, [["a", "a"], ["z", "b"]])
    assert two.shape == (2, 4) and two.tolist() == [[0, 1, 0, 0], [1, 0, 1, 0]]
    one_hot = StringLookup(vocabulary=["a", "b", "c"], output_mode="one_hot")
    assert out(one_hot, ["a", "z", "c"]).tolist() == [[0, 1, 0, 0], [1, 0, 0, 0],
                                                     [0, 0, 0, 1]]
    assert out(one_hot, [["a"], ["c"]]).shape == (2, 4)
    with pytest.raises(ValueError, match="rank 2 at most"):
        out(one_hot, [["a", "b"], ["c", "a"]])
    count = StringLookup(vocabulary=["a", "b", "c"], output_mode="count", mask_token="")
    # the mask token counts for nothing outside output_mode="int"
    assert out(count, [["a", "a", ""], ["", "b", "q"]]).tolist() == [[0, 2, 0, 0],
                                                                     [1, 0, 1, 0]]
    assert count.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    padded = StringLookup(vocabulary=["a"], output_mode="count", max_tokens=5,
                          pad_to_max_tokens=True)
    assert out(padded, [["a", "a"]]).tolist() == [[0, 2, 0, 0, 0]]


def test_string_lookup_adapt_breaks_count_ties_by_token_descending():
    layer = StringLookup(max_tokens=5)
    layer.adapt(np.array([["b", "a", "c", "a"], ["d", "e", "b", "c"], ["c", "f", "f", "f"]]))
    assert layer.get_vocabulary() == ["[UNK]", "f", "c", "b", "a"]


def test_string_lookup_tf_idf_counts_documents_per_row():
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["b", "a", "a"], ["c", "a", "b"], ["d", "d", "d"]]))
    assert layer.get_vocabulary() == ["[UNK]", "d", "a", "b", "c"]
    idf = np.log(1 + 3 / (1 + np.array([1, 2, 2, 1])))
    np.testing.assert_allclose(layer.idf_weights, np.r_[idf.mean(), idf], rtol=1e-6)
    np.testing.assert_allclose(out(layer, [["a", "a", "zz"]]),
                               [[idf.mean(), 0, 2 * idf[1], 0, 0]], rtol=1e-6)


def test_string_lookup_invert_maps_indices_back():
    layer = StringLookup(vocabulary=["a", "b", "c"], invert=True, mask_token="[M]",
                         num_oov_indices=2)
    assert layer.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "a", "b", "c"]
    result = layer(np.array([[0, 1, 2, 3, 4, 5, 6, -1]]))
    assert result.shape == (1, 8)
    assert result.tolist() == [["[M]", "[UNK]", "[UNK]", "a", "b", "c", "[UNK]", "[UNK]"]]


def test_integer_lookup_indices_mask_and_modulo_oov():
    layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    assert out(layer, [[12, 1138, 42], [42, 1000, 36]]).tolist() == [[1, 3, 4], [4, 0, 2]]
    assert layer.get_vocabulary() == [-1, 12, 36, 1138, 42]
    masked = IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2, mask_token=0)
    # unknown values go to 1 + value % 2, as tf.keras 2: [[3, 0, 2, 1, 2, 2]]
    assert out(masked, [[12, 0, 5, 6, 7, -3]]).tolist() == [[3, 0, 2, 1, 2, 2]]
    assert masked.get_vocabulary() == [0, -1, -1, 12, 36, 1138, 42]


def test_integer_lookup_adapt_invert_and_float_codes():
    layer = IntegerLookup()
    layer.adapt(np.array([[5, 3, 3, 9], [9, 9, 1, 5]]))
    assert layer.get_vocabulary() == [-1, 9, 5, 3, 1]
    assert out(layer, np.array([[9.0, 4.0]], np.float32)).tolist() == [[1, 0]]
    inverse = IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    assert out(inverse, [[0, 1, 2, 5, 9]]).tolist() == [[-1, 12, 36, -1, -1]]


def test_lookup_config_round_trip_keeps_an_adapted_vocabulary():
    layer = StringLookup(mask_token="", num_oov_indices=2)
    layer.adapt(["x", "y", "y"])
    copy = StringLookup.from_config(layer.get_config())
    assert copy.get_vocabulary() == layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "y", "x"]
    assert out(copy, ["y", "q", ""]).tolist() == out(layer, ["y", "q", ""]).tolist()


def test_lookup_errors_name_the_fix():
    with pytest.raises(ValueError, match="num_oov_indices=1"):
        StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["b"]))
    with pytest.raises(ValueError, match="invert=True"):
        StringLookup(invert=True, output_mode="count")
    with pytest.raises(TypeError, match="use IntegerLookup"):
        StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(TypeError, match="use StringLookup"):
        IntegerLookup(vocabulary=[1])(np.array(["a"]))
    with pytest.raises(TypeError, match="non-integral"):
        IntegerLookup(vocabulary=[1])(np.array([1.5]))
    with pytest.raises(ValueError, match="mask token"):
        StringLookup(mask_token="", vocabulary=["a", ""])
    with pytest.raises(ValueError, match="max_tokens > 1"):
        StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="one idf weight per"):
        StringLookup(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[1.0])
    with pytest.raises(RuntimeError, match="adapt"):
        StringLookup(output_mode="multi_hot")(np.array(["a"]))
