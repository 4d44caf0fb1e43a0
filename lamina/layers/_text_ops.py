"""The text steps of `TextVectorization`, on the host: standardize, split, n-grams.

They reproduce TensorFlow's ops so that vocabularies equal Keras's:
`tf.strings.lower` lowercases ASCII letters only, the punctuation stripped is
Keras's `DEFAULT_STRIP_REGEX`, and whitespace splitting splits on ASCII whitespace.
"""
from __future__ import annotations

import re
import string
from typing import Any, Callable

import numpy as np

from lamina import registry

LOWER_AND_STRIP_PUNCTUATION = "lower_and_strip_punctuation"
LOWER = "lower"
STRIP_PUNCTUATION = "strip_punctuation"
STANDARDIZE_MODES = (LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION)
WHITESPACE = "whitespace"
CHARACTER = "character"
SPLIT_MODES = (WHITESPACE, CHARACTER)

DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
# The regex's class is exactly string.punctuation, so one str.translate does it.
_TABLES = {
    LOWER: str.maketrans(string.ascii_uppercase, string.ascii_lowercase),
    STRIP_PUNCTUATION: str.maketrans("", "", string.punctuation),
    LOWER_AND_STRIP_PUNCTUATION: str.maketrans(string.ascii_uppercase,
                                               string.ascii_lowercase, string.punctuation),
}
_ASCII_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_NOT_TF_WHITESPACE = re.compile("[\x1c-\x1f]")  # Python splits on these; TensorFlow does not


def serialize_option(value: Any) -> Any:
    """A mode name as is; a function by its registered name."""
    return registry.get_registered_name(value) if callable(value) else value


def resolve_option(layer: str, what: str, value: Any, modes: tuple[str, ...]) -> Any:
    """A mode name, None or a function as is; a stored name of a registered function
    as that function; anything else is an error listing the modes."""
    if value is None or callable(value) or value in modes:
        return value
    found = registry.get_registered_object(value) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"{layer} received {what}={value!r}, which is not one of "
                         f"{list(modes) + [None]} or a function. (A function named in a "
                         "saved config must be registered with "
                         "@keras.saving.register_keras_serializable() before loading.)")
    return found


def _per_batch(fn: Callable, texts: list[str]) -> list[Any]:
    """Apply a user function to the batch (a NumPy array of strings, as Keras gives a
    batch), or to each string when it only takes one."""
    try:
        out = fn(np.array(texts, dtype=str))
        out = list(out.tolist() if hasattr(out, "tolist") else out)
        if len(out) == len(texts):
            return out
    except (TypeError, AttributeError, ValueError):
        pass
    return [fn(t) for t in texts]


def standardize(texts: list[str], mode: Any) -> list[str]:
    """Lowercase (ASCII letters, as TensorFlow) and/or strip punctuation.

    Example:
        >>> standardize(["Hello, WORLD! Élan"], "lower_and_strip_punctuation")
        ['hello world Élan']
    """
    if mode is None:
        return texts
    if callable(mode):
        return [str(t) for t in _per_batch(mode, texts)]
    table = _TABLES[mode]
    return [t.translate(table) for t in texts]


def split(texts: list[str], mode: Any) -> list[list[str]]:
    """Each text as a list of tokens: words between ASCII whitespace, or characters.

    Example:
        >>> split(["a  b\\tc", "xy"], "whitespace")
        [['a', 'b', 'c'], ['xy']]
    """
    if mode == WHITESPACE:
        return [t.split() if t.isascii() and not _NOT_TF_WHITESPACE.search(t) else
                [w for w in _ASCII_WHITESPACE.split(t) if w] for t in texts]
    if mode == CHARACTER:
        return [list(t) for t in texts]
    return [[str(w) for w in tokens] for tokens in _per_batch(mode, texts)]


def ngrams(tokens: list[str], widths: tuple[int, ...]) -> list[str]:
    """The n-grams of each width in turn, joined by spaces (as `tf.strings.ngrams`).

    Example:
        >>> ngrams(["a", "b", "c"], (1, 2))
        ['a', 'b', 'c', 'a b', 'b c']
    """
    out: list[str] = []
    for w in widths:
        out.extend(" ".join(tokens[i:i + w]) for i in range(len(tokens) - w + 1))
    return out


def ngram_widths(layer: str, value: Any) -> tuple[int, ...] | None:
    """`ngrams=n` means widths 1..n; a tuple lists the widths."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return tuple(range(1, int(value) + 1))
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
            for v in value):
        return tuple(int(v) for v in value)
    raise ValueError(f"{layer} needs ngrams to be None, a positive integer or a tuple of "
                     f"them, but received ngrams={value!r}.")
