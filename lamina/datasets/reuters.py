"""Reuters newswire topics, as `keras.datasets.reuters`."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.datasets import _sequences as seq
from lamina.datasets._pickles import load_npz
from lamina.datasets._sources import fetch

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs: Any
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Reuters' 11,228 newswires in 46 topics as lists of word indices, from
    Keras's cache (`~/.keras/datasets/reuters.npz`), downloaded from Keras's source
    when absent, shuffled with `np.random.RandomState(seed)` and split as Keras splits
    them (the last `test_split` of the kept sequences are the test set).

    The index arguments are IMDB's (see `lamina.datasets.imdb.load_data`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of ints, and
        int topic labels (0-45).
    """
    num_words = seq.check_kwargs(kwargs, num_words)
    f = load_npz(fetch("reuters.npz", path))
    xs, labels = seq.shuffled(np.random.RandomState(seed), f["x"], f["y"])
    shifted = seq.shift(xs, start_char, index_from)
    shifted, kept = seq.shorter_than(maxlen, shifted, labels)
    shifted = seq.vocabulary(shifted, num_words, skip_top, oov_char)
    labels = np.asarray(kept, dtype=labels.dtype)
    cut = int(len(shifted) * (1 - test_split))
    return ((seq.object_array(shifted[:cut]), np.array(labels[:cut])),
            (seq.object_array(shifted[cut:]), np.array(labels[cut:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index in Reuters (before `index_from`)."""
    return seq.read_word_index(fetch("reuters_word_index.json", path))


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, indexed like the labels.

    Example:
        >>> get_label_names()[:3]
        ('cocoa', 'grain', 'veg-oil')
    """
    return LABEL_NAMES
