"""IMDB movie-review sentiment, as `keras.datasets.imdb`."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.datasets import _sequences as seq
from lamina.datasets._pickles import load_npz
from lamina.datasets._sources import fetch


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, **kwargs: Any
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load IMDB's 25,000 training and 25,000 test reviews as lists of word indices,
    labelled 1 (positive) or 0, from Keras's cache (`~/.keras/datasets/imdb.npz`),
    downloaded from Keras's source when absent.

    Each split is shuffled with `np.random.RandomState(seed)` (one generator, the
    training split first). Words are indexed by frequency; see
    `lamina.datasets._sequences` for `start_char`, `oov_char`, `index_from`,
    `num_words`, `skip_top` and `maxlen` (sequences of `maxlen` words or more are
    dropped).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of ints, and
        int labels.

    Raises:
        ValueError: `maxlen` leaves no sequence in a split.
    """
    num_words = seq.check_kwargs(kwargs, num_words)
    f = load_npz(fetch("imdb.npz", path))
    rng = np.random.RandomState(seed)
    x_train, y_train = seq.shuffled(rng, f["x_train"], f["y_train"])
    x_test, y_test = seq.shuffled(rng, f["x_test"], f["y_test"])
    train = seq.shift(x_train, start_char, index_from)
    test = seq.shift(x_test, start_char, index_from)
    train, labels_train = seq.shorter_than(maxlen, train, y_train)
    test, labels_test = seq.shorter_than(maxlen, test, y_test)
    if maxlen and (not train or not test):
        raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                         "sequence was kept. Increase maxlen.")
    xs = seq.vocabulary(train + test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train, dtype=y_train.dtype),
                             np.asarray(labels_test, dtype=y_test.dtype)])
    cut = len(train)
    return ((seq.object_array(xs[:cut]), labels[:cut]),
            (seq.object_array(xs[cut:]), labels[cut:]))


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index in IMDB (before `index_from` is added).

    Args:
        path: the file's name in the cache (`~/.keras/datasets/`).
    """
    return seq.read_word_index(fetch("imdb_word_index.json", path))
