"""Texts to words, and words to hashed indices: tf.keras 2's text functions."""
from __future__ import annotations

import functools
import hashlib
from typing import Any, Callable

#: The characters tf.keras removes by default: punctuation (but not `'`), tab, newline.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text: str, filters: str = DEFAULT_FILTERS,
                          lower: bool = True, split: str = " ") -> list[str]:
    """Split a text into words, as `keras.preprocessing.text.text_to_word_sequence`.

    Each character of `filters` becomes a separator, the text is lowercased (with
    `lower=True`) and split on `split`; empty words are dropped.

    Args:
        input_text: the text.
        filters: characters to remove (punctuation, tab and newline by default).
        lower: lowercase the text first.
        split: the separator between words.

    Returns:
        The words, in order.

    Example:
        >>> text_to_word_sequence("The cat sat on the mat. It's warm!")
        ['the', 'cat', 'sat', 'on', 'the', 'mat', "it's", 'warm']
    """
    if not isinstance(input_text, str):
        raise TypeError(f"text_to_word_sequence needs a string, but received "
                        f"{type(input_text).__name__} {input_text!r:.60}. For a list of "
                        "texts, call it on each one.")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(_table(filters, split))
    return list(filter(None, input_text.split(split)))


@functools.lru_cache(maxsize=64)
def _table(filters: str, split: str) -> dict[int, str]:
    """The translation of every filtered character to the separator (made once)."""
    return str.maketrans({c: split for c in filters})


def _md5(word: str) -> int:
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(text: str, n: int, hash_function: Any = None,
                  filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " ",
                  analyzer: Callable[[str], list[str]] | None = None) -> list[int]:
    """Words to indices in `[1, n - 1]` by hashing, as
    `keras.preprocessing.text.hashing_trick`: `hash(word) % (n - 1) + 1`.

    Args:
        text: the text.
        n: the size of the index space (index 0 is never used).
        hash_function: None for Python's `hash` (which differs between processes
            unless PYTHONHASHSEED is set), `"md5"` for a stable hash, or a function
            from a string to an integer.
        filters: characters to remove before splitting.
        lower: lowercase the text first.
        split: the separator between words.
        analyzer: a function from a text to its words, used instead of splitting.

    Returns:
        One index per word (different words may share an index).

    Example:
        >>> hashing_trick("the cat the", 10, hash_function="md5")
        [6, 3, 6]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"hashing_trick needs n >= 2 (the size of the index space, index 0 "
                         f"unused), but received n={n!r}.")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick received hash_function={hash_function!r}. Pass None "
                         "(Python's hash), 'md5', or a function from a string to an int.")
    words = analyzer(text) if analyzer is not None else text_to_word_sequence(
        text, filters=filters, lower=lower, split=split)
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text: str, n: int, filters: str = DEFAULT_FILTERS, lower: bool = True,
            split: str = " ", analyzer: Callable[[str], list[str]] | None = None
            ) -> list[int]:
    """Words to indices in `[1, n - 1]` with Python's `hash`, as
    `keras.preprocessing.text.one_hot` (despite its name, not one-hot vectors).

    Python's string hash changes between processes unless PYTHONHASHSEED is set;
    use `hashing_trick(..., hash_function="md5")` for indices that stay the same.

    Example:
        >>> a, b, c = one_hot("the cat the", 50)
        >>> a == c and 1 <= a < 50
        True
    """
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)
