"""The index arithmetic IMDB and Reuters share, as Keras does it.

Words are indexed by frequency (1 = the most frequent). Keras shifts every index by
`index_from` (reserving 0 for padding, 1 for `start_char`, 2 for `oov_char`), puts
`start_char` first, drops sequences of `maxlen` words or more, then replaces words
outside `[skip_top, num_words)` by `oov_char` (or drops them when it is None).
"""
from __future__ import annotations

import json
import warnings
from typing import Any, Sequence

import numpy as np


def check_kwargs(kwargs: dict[str, Any], num_words: int | None) -> int | None:
    """Keras 2's `nb_words` is `num_words` (with its warning); anything else is an error."""
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed "
                      "`num_words`.", stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}. Valid arguments "
                        "are path, num_words, skip_top, maxlen, seed, start_char, oov_char "
                        "and index_from.")
    return num_words


def shuffled(rng: np.random.RandomState, xs: np.ndarray, labels: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    return xs[indices], labels[indices]


def shift(xs: Sequence[Sequence[int]], start_char: int | None, index_from: int
          ) -> list[list[int]]:
    """Each sequence's indices plus `index_from`, after `start_char` when it is set.

    Example:
        >>> shift([[1, 5], [2]], start_char=1, index_from=3)
        [[1, 4, 8], [1, 5]]
    """
    if start_char is not None:
        return [[start_char] + [int(w) + index_from for w in x] for x in xs]
    return [[int(w) + index_from for w in x] for x in xs]


def shorter_than(maxlen: int | None, xs: list[list[int]], labels: Sequence[Any]
                 ) -> tuple[list[list[int]], list[Any]]:
    """The sequences (and labels) shorter than `maxlen` words, as Keras keeps them."""
    if not maxlen:
        return xs, list(labels)
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def vocabulary(xs: list[list[int]], num_words: int | None, skip_top: int,
               oov_char: int | None) -> list[list[int]]:
    """Words outside `[skip_top, num_words)` as `oov_char`, or dropped when it is None.

    Example:
        >>> vocabulary([[1, 4, 9, 12]], num_words=10, skip_top=2, oov_char=2)
        [[2, 4, 9, 2]]
    """
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(xs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists, as Keras returns sequences."""
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out


def read_word_index(path: str) -> dict[str, int]:
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"'{path}' is not a valid word index ({err}); delete it and "
                         "download it again.") from None
    if not isinstance(index, dict):
        raise ValueError(f"'{path}' is not a word index: it holds a "
                         f"{type(index).__name__}, not a dict.")
    return index
