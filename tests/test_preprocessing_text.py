"""tf.keras 2's text helpers: `Tokenizer`, `text_to_word_sequence`, `one_hot`,
`hashing_trick`. Expected values were produced by tf.keras 2.21
(`tf_keras.preprocessing.text`) on the same inputs, or computed here by hand."""
import hashlib
import json
import math

import numpy as np
import pytest

import lamina as keras
from lamina.preprocessing.text import (Tokenizer, hashing_trick, one_hot,
                                       text_to_word_sequence, tokenizer_from_json)

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat cat dog", "b a", "a b"]


@pytest.fixture
def fitted():
    tokenizer = Tokenizer(num_words=5, oov_token="<OOV>")
    tokenizer.fit_on_texts(TEXTS)
    return tokenizer


def test_tokenizer_word_index_ranks_by_count_and_keeps_first_seen_order_on_ties(fitted):
    # tf.keras 2: {'<OOV>': 1, 'the': 2, 'cat': 3, 'dog': 4, 'b': 5, 'a': 6, ...}
    assert fitted.word_index == {"<OOV>": 1, "the": 2, "cat": 3, "dog": 4, "b": 5, "a": 6,
                                 "sat": 7, "on": 8, "mat": 9, "ate": 10, "my": 11,
                                 "homework": 12}
    assert fitted.index_word[3] == "cat"
    assert list(fitted.word_counts.items())[:3] == [("the", 3), ("cat", 3), ("sat", 1)]
    assert fitted.word_docs["cat"] == 2 and fitted.word_docs["the"] == 2
    assert fitted.index_docs[2] == 2 and fitted.document_count == 5


def test_tokenizer_texts_to_sequences_keeps_num_words_minus_one_words(fitted):
    assert fitted.texts_to_sequences(["the cat and the zebra", "a b"]) == [[2, 3, 1, 2, 1],
                                                                            [1, 1]]
    assert fitted.sequences_to_texts([[1, 2, 3, 4, 5, 6]]) == ["<OOV> the cat dog <OOV> <OOV>"]


def test_tokenizer_without_oov_token_drops_unknown_words():
    tokenizer = Tokenizer(num_words=3)
    tokenizer.fit_on_texts(["x y y z z z"])
    assert tokenizer.word_index == {"z": 1, "y": 2, "x": 3}
    assert tokenizer.texts_to_sequences(["x y z w"]) == [[2, 1]]
    assert tokenizer.sequences_to_texts([[3, 2, 1]]) == ["y z"]


def test_tokenizer_texts_to_matrix_modes_match_tf_keras(fitted):
    texts = ["the cat the", "dog"]
    expected = {
        "binary": [[0, 0, 1, 1, 0], [0, 0, 0, 0, 1]],
        "count": [[0, 0, 2, 1, 0], [0, 0, 0, 0, 1]],
        "tfidf": [[0, 0, 1.6606882843475217, 0.9808292530117263, 0],
                  [0, 0, 0, 0, 0.9808292530117263]],
        "freq": [[0, 0, 2 / 3, 1 / 3, 0], [0, 0, 0, 0, 1]],
    }
    for mode, values in expected.items():
        matrix = fitted.texts_to_matrix(texts, mode=mode)
        assert matrix.shape == (2, 5)
        np.testing.assert_allclose(matrix, values, rtol=1e-12, err_msg=mode)


def test_tokenizer_tfidf_is_the_documented_formula(fitted):
    # (1 + log(count)) * log(1 + documents / (1 + documents containing the word))
    the = (1 + math.log(2)) * math.log(1 + 5 / (1 + 2))
    assert fitted.texts_to_matrix(["the the"], mode="tfidf")[0, 2] == pytest.approx(the)


def test_tokenizer_sequences_to_matrix_after_fit_on_sequences():
    tokenizer = Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2, 2], [3]])
    assert tokenizer.document_count == 2 and dict(tokenizer.index_docs) == {1: 1, 2: 1, 3: 1}
    matrix = tokenizer.sequences_to_matrix([[1, 2, 2], [3, 9]], mode="count")
    assert matrix.shape == (2, 4)
    np.testing.assert_array_equal(matrix, [[0, 1, 2, 0], [0, 0, 0, 1]])
    idf = math.log(1 + 2 / 2)
    np.testing.assert_allclose(tokenizer.sequences_to_matrix([[1]], mode="tfidf"),
                               [[0, idf, 0, 0]])


def test_tokenizer_char_level_and_lists_of_tokens():
    chars = Tokenizer(char_level=True)
    chars.fit_on_texts(["abca", "bb"])
    assert chars.word_index == {"b": 1, "a": 2, "c": 3}
    assert chars.texts_to_sequences(["abcz"]) == [[2, 1, 3]]
    tokens = Tokenizer()
    tokens.fit_on_texts([["New York", "is"], ["new york"]])
    assert tokens.word_index == {"new york": 1, "is": 2}


def test_tokenizer_json_round_trip_and_tf_keras_files(fitted):
    text = fitted.to_json()
    data = json.loads(text)
    assert data["class_name"] == "Tokenizer"
    assert json.loads(data["config"]["word_counts"])["the"] == 3
    again = tokenizer_from_json(text)
    assert again.word_index == fitted.word_index and again.num_words == 5
    assert again.texts_to_sequences(["the zebra cat"]) == [[2, 1, 3]]
    assert again.index_word[2] == "the" and again.index_docs[2] == 2
    # A file written by tf.keras 2 (its config holds the same keys).
    keras_text = ('{"class_name": "Tokenizer", "config": {"num_words": null, "filters": "", '
                  '"lower": true, "split": " ", "char_level": false, "oov_token": null, '
                  '"document_count": 1, "word_counts": "{\\"a\\": 1}", "word_docs": '
                  '"{\\"a\\": 1}", "index_docs": "{\\"1\\": 1}", "index_word": '
                  '"{\\"1\\": \\"a\\"}", "word_index": "{\\"a\\": 1}"}}')
    assert tokenizer_from_json(keras_text).texts_to_sequences(["a b"]) == [[1]]
    with pytest.raises(ValueError, match="Tokenizer.to_json"):
        tokenizer_from_json('{"config": {}}')


def test_tokenizer_rejects_bad_input(fitted):
    with pytest.raises(TypeError, match="Wrap it in a list"):
        fitted.fit_on_texts("one text")
    with pytest.raises(TypeError, match="Wrap it in a list"):
        fitted.texts_to_sequences("one text")
    with pytest.raises(ValueError, match=r"choose one of \['binary', 'count', 'tfidf', 'freq'\]"):
        fitted.texts_to_matrix(["a"], mode="tf-idf")
    with pytest.raises(ValueError, match="fit the Tokenizer"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(TypeError, match="unexpected keyword"):
        Tokenizer(nb_words=3)
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer(num_words=0)


def test_text_to_word_sequence_filters_lowercases_and_splits():
    assert text_to_word_sequence("Hello, World!  It's\tme\nagain") == [
        "hello", "world", "it's", "me", "again"]
    assert text_to_word_sequence("A-B c", filters="", lower=False, split="-") == ["A", "B c"]


def test_hashing_trick_md5_and_one_hot_ranges():
    words = ["a", "b", "c"]
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in words]
    assert hashing_trick("a b c", 10, hash_function="md5") == expected == [2, 5, 8]
    assert hashing_trick("x y", 5, hash_function=len) == [2, 2]
    indices = one_hot("the cat sat on the mat", 20)
    assert len(indices) == 6 and indices[0] == indices[4]
    assert all(1 <= i < 20 for i in indices)
    with pytest.raises(ValueError, match="n >= 2"):
        hashing_trick("a", 1)


def test_preprocessing_namespace_matches_tf_keras():
    assert keras.preprocessing.text.Tokenizer is Tokenizer
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    assert keras.preprocessing.timeseries_dataset_from_array is \
        keras.utils.timeseries_dataset_from_array
