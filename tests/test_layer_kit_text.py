"""The preprocessing layers of text and categories pass `run_layer_test`.

The string layers (TextVectorization, StringLookup) and the other host layers
(IntegerLookup, Hashing) get `input_data=`: their inputs are strings or integer
categories, never random floats. The kit checks them inside compiled programs on
what the model's host step gives them, and fits and saves a model made of each.
"""
import numpy as np
import pytest

from lamina import layers
from lamina.testing import run_layer_test

TEXTS = np.array([["the cat sat"], ["a dog ran"]])
WORDS = np.array([["cat", "dog"], ["bird", "cat"]])
CODES = np.array([[12, 36], [1138, 7]])

CASES = {
    "TextVectorization": dict(
        init_kwargs={"vocabulary": ["the", "cat", "dog"], "output_sequence_length": 4},
        input_data=TEXTS, expected_output_shape=(2, 4), expected_output_dtype="int32",
        expected_output=np.array([[2, 3, 1, 0], [1, 4, 1, 0]]),
        expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
        supports_masking=False),
    "StringLookup": dict(
        init_kwargs={"vocabulary": ["cat", "dog"], "output_mode": "multi_hot"},
        input_data=WORDS, expected_output_shape=(2, 3), expected_output_dtype="float32",
        expected_output=np.array([[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]),
        expected_num_trainable_weights=0, supports_masking=False),
    "IntegerLookup": dict(
        init_kwargs={"vocabulary": [12, 36, 1138]}, input_data=CODES,
        expected_output_shape=(2, 2), expected_output_dtype="int32",
        expected_output=np.array([[1, 2], [3, 0]]), expected_num_trainable_weights=0,
        supports_masking=False),
    "Hashing": dict(
        init_kwargs={"num_bins": 3}, input_data=np.array([["A"], ["B"], ["C"]]),
        expected_output_shape=(3, 1), expected_output_dtype="int32",
        expected_output=np.array([[1], [0], [1]]), expected_num_trainable_weights=0,
        supports_masking=False),
    "CategoryEncoding": dict(
        init_kwargs={"num_tokens": 4, "output_mode": "count"},
        input_data=np.array([[0.0, 1.0, 1.0], [3.0, 3.0, 2.0]], np.float32),
        expected_output_shape=(2, 4), expected_output_dtype="float32",
        expected_output=np.array([[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0]]),
        expected_num_trainable_weights=0, supports_masking=False),
    "Discretization": dict(
        init_kwargs={"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"},
        input_data=np.array([[-1.5], [1.0]], np.float32), expected_output_shape=(2, 4),
        expected_output=np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]),
        expected_num_trainable_weights=0, supports_masking=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_layer_passes_the_kit(name):
    run_layer_test(getattr(layers, name), **CASES[name])
