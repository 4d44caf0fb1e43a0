"""tf.keras 2's `keras.preprocessing.text`: `Tokenizer` and the word functions.

Example:
    >>> from lamina.preprocessing.text import Tokenizer
    >>> tokenizer = Tokenizer()
    >>> tokenizer.fit_on_texts(["a b b"])
    >>> tokenizer.texts_to_matrix(["b b c"], mode="count").tolist()
    [[0.0, 2.0, 0.0]]
"""
from __future__ import annotations

from lamina.preprocessing._tokenizer import Tokenizer, tokenizer_from_json
from lamina.preprocessing._words import hashing_trick, one_hot, text_to_word_sequence

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]
