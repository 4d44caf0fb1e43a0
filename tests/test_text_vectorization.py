"""`TextVectorization`: vocabularies and outputs pinned against tf.keras 2.21 (which
produced the expected values from the same texts), and the text steps by hand."""
import numpy as np
import pytest

import lamina as keras
from lamina.layers import TextVectorization

TEXTS = np.array(["The cat sat on the mat.", "The DOG ate my homework!!", "cat, cat; dog?",
                  "a b c d e f"])


def out(layer, data):
    return np.asarray(layer(np.asarray(data)))


def test_text_vectorization_adapt_ranks_tokens_and_pads_to_the_length():
    layer = TextVectorization(max_tokens=8, output_sequence_length=6)
    layer.adapt(TEXTS)
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "cat", "dog", "sat", "on", "my"]
    assert layer.vocabulary_size() == 8
    result = out(layer, ["the cat and the dog", "", "homework mat"])
    assert result.shape == (3, 6) and result.dtype == np.int32
    assert result.tolist() == [[2, 3, 1, 2, 4, 0], [0] * 6, [1, 1, 0, 0, 0, 0]]
    assert out(layer, [["the cat"], ["dog"]]).tolist() == [[2, 3, 0, 0, 0, 0],
                                                         [4, 0, 0, 0, 0, 0]]
    assert out(layer, ["a b c d e f the"]).tolist() == [[1, 1, 1, 1, 1, 1]]  # cut at 6


def test_text_vectorization_without_length_pads_to_the_longest_text():
    layer = TextVectorization()
    layer.adapt(TEXTS)
    result = out(layer, ["the cat and the dog", "cat"])
    assert result.shape == (2, 5) and result.tolist() == [[2, 3, 1, 2, 4], [3, 0, 0, 0, 0]]


def test_text_vectorization_ngrams_come_after_the_unigrams():
    layer = TextVectorization(ngrams=2, max_tokens=12)
    layer.adapt(TEXTS)
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "cat", "dog", "the mat", "the dog",
                                      "the cat", "sat on", "sat", "on the", "on"]
    assert out(layer, ["the cat sat"]).tolist() == [[2, 3, 9, 7, 1]]
    widths = TextVectorization(ngrams=(1, 3), split="whitespace", vocabulary=["a"])
    assert widths._tokens(np.array(["a b c d"])) == [["a", "b", "c", "d", "a b c", "b c d"]]
    short = TextVectorization(ngrams=3, vocabulary=["a"])
    assert short._tokens(np.array(["a b"])) == [["a", "b", "a b"]]


def test_text_vectorization_multi_hot_and_count():
    multi = TextVectorization(output_mode="multi_hot", max_tokens=6)
    multi.adapt(TEXTS)
    assert multi.get_vocabulary() == ["[UNK]", "the", "cat", "dog", "sat", "on"]
    result = out(multi, ["the cat and the dog", "zzz"])
    assert result.shape == (2, 6) and result.dtype == np.float32
    assert result.tolist() == [[1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]]
    count = TextVectorization(output_mode="count", pad_to_max_tokens=True, max_tokens=10)
    count.adapt(TEXTS)
    assert out(count, ["the cat and the dog the"]).tolist() == [[1, 3, 1, 1, 0, 0, 0, 0, 0, 0]]


def test_text_vectorization_tf_idf_weights_follow_keras_formula():
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(TEXTS)
    vocab = layer.get_vocabulary()
    assert vocab[:8] == ["[UNK]", "the", "cat", "dog", "sat", "on", "my", "mat"]
    # idf = log(1 + documents / (1 + documents with the token)); [UNK] gets the mean.
    docs = [set(t.lower().replace(".", "").replace(",", "").replace(";", "").replace("?", "")
                .replace("!", "").split()) for t in TEXTS]
    idf = [np.log(1 + 4 / (1 + sum(tok in d for d in docs))) for tok in vocab[1:]]
    expected = np.array([np.mean(idf)] + idf)
    np.testing.assert_allclose(layer.idf_weights, expected, rtol=1e-6)
    result = out(layer, ["the cat and the dog the"])
    assert result.shape == (1, 16)
    # tf.keras 2: [1.0483495, 2.5418935, 0.8472978, 0.8472978, 0, ...]
    np.testing.assert_allclose(result[0, :5], [1.0483495, 2.5418935, 0.8472978, 0.8472978, 0],
                               rtol=1e-6)
    given = TextVectorization(output_mode="tf_idf", vocabulary=["a", "b"],
                              idf_weights=[0.5, 0.25])
    assert out(given, ["a a b c"]).tolist() == [[0.375, 1.0, 0.25]]


def test_text_vectorization_standardize_matches_tensorflow():
    keep = TextVectorization(split=None, vocabulary=["x"])
    text = "Ab'c!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~ÉÀ 'q' «x» — é"
    # tf.strings.lower lowercases ASCII only; Keras strips ASCII punctuation only.
    assert keep._tokens(np.array([text])).tolist() == ["abcÉÀ q «x» — é"]
    assert TextVectorization(standardize="lower", split=None, vocabulary=["x"])._tokens(
        np.array(["A.B"])).tolist() == ["a.b"]
    assert TextVectorization(standardize="strip_punctuation", split=None,
                             vocabulary=["x"])._tokens(np.array(["A.B"])).tolist() == ["AB"]
    assert TextVectorization(standardize=None, split=None, vocabulary=["x"])._tokens(
        np.array(["A.B"])).tolist() == ["A.B"]


def test_text_vectorization_split_modes_and_callables():
    spaces = TextVectorization()
    spaces.adapt(["a\tb\nc  d\u00a0e\u2003f"])  # ASCII whitespace only, as TensorFlow
    assert spaces.get_vocabulary() == ["", "[UNK]", "d\u00a0e\u2003f", "c", "b", "a"]
    chars = TextVectorization(split="character", standardize="lower", output_sequence_length=8)
    chars.adapt(["Hello wörld", "abc"])
    assert chars.get_vocabulary()[:6] == ["", "[UNK]", "l", "ö", "w", "r"]
    assert out(chars, ["héllo"]).tolist() == [[7, 1, 2, 2, 6, 0, 0, 0]]
    whole = TextVectorization(standardize="strip_punctuation", split=None)
    whole.adapt(["A.b", "c d", "A.b"])
    assert whole.get_vocabulary() == ["", "[UNK]", "Ab", "c d"]
    assert out(whole, ["Ab", "c d"]).tolist() == [2, 3]
    custom = TextVectorization(standardize=lambda s: s.replace("<br />", " ").lower(),
                               split=lambda s: s.split("|"), vocabulary=["a", "b c"])
    assert out(custom, ["A|<br />|B C"]).tolist() == [[2, 1, 3]]
    batched = TextVectorization(standardize=np.char.upper, vocabulary=["A"])
    assert out(batched, ["a b"]).tolist() == [[2, 1]]


def test_text_vectorization_vocabulary_argument_file_and_set_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("the\ncat\ndog", encoding="utf-8")
    from_file = TextVectorization(vocabulary=str(path))
    assert from_file.get_vocabulary() == ["", "[UNK]", "the", "cat", "dog"]
    layer = TextVectorization(output_sequence_length=3)
    layer.set_vocabulary(["", "[UNK]", "x", "y"])  # special tokens given: not repeated
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert out(layer, ["y x q"]).tolist() == [[3, 2, 1]]


def test_text_vectorization_config_round_trip_keeps_the_vocabulary():
    layer = TextVectorization(max_tokens=10, output_mode="tf_idf", ngrams=2)
    layer.adapt(TEXTS)
    config = layer.get_config()
    assert config["vocabulary"] == layer.get_vocabulary()
    copy = TextVectorization.from_config(config)
    np.testing.assert_allclose(out(copy, ["the cat sat"]), out(layer, ["the cat sat"]))


def test_text_vectorization_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"output_mode='bag'.*\['int', 'multi_hot'"):
        TextVectorization(output_mode="bag")
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize='upper'"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="dense arrays only"):
        TextVectorization(ragged=True)
    with pytest.raises(RuntimeError, match="adapt"):
        TextVectorization(output_mode="multi_hot")(np.array(["a"]))
    with pytest.raises(TypeError, match="takes strings"):
        TextVectorization(vocabulary=["a"])(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"shape \(batch,\) or \(batch, 1\)"):
        TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="repeats"):
        TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="max_tokens"):
        TextVectorization(max_tokens=3, vocabulary=["a", "b"])
    with pytest.raises(ValueError, match="needs output_sequence_length"):
        keras.layers.TextVectorization(vocabulary=["a"])(
            keras.Input(shape=(1,), dtype="string"))


@keras.saving.register_keras_serializable(package="tests")
def strip_breaks(texts):
    return np.char.replace(np.char.lower(texts), "<br />", " ")


def test_text_vectorization_saves_a_registered_standardize_function(tmp_path):
    layer = TextVectorization(standardize=strip_breaks, output_sequence_length=4)
    layer.adapt(["A<br />b", "b c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "c", "a"]
    assert layer.get_config()["standardize"] == "tests>strip_breaks"
    model = keras.Sequential([keras.Input((1,), dtype="string"), layer, keras.layers.Dense(1)])
    model.save(tmp_path / "m.lamina")
    loaded = keras.models.load_model(tmp_path / "m.lamina")
    assert loaded.layers[0].standardize is strip_breaks
    np.testing.assert_allclose(loaded.predict(["a<br />b"], verbose=0),
                               model.predict(["a<br />b"], verbose=0), rtol=1e-6)
    unregistered = TextVectorization(standardize=lambda s: s, vocabulary=["a"])
    with pytest.raises(ValueError, match="register_keras_serializable"):
        TextVectorization.from_config(unregistered.get_config())
