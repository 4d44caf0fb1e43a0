"""Utilities: seeding, and the helpers Keras keeps under `keras.utils`."""
from __future__ import annotations

import random as _py_random

import numpy as np

from lamina import random as _random
from lamina.data import unpack_xy as unpack_x_y_sample_weight
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.progbar import Progbar
from lamina.utils.dataset_split import split_dataset
from lamina.utils.sequence import PyDataset, Sequence

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "set_random_seed",
           "split_dataset", "to_categorical", "unpack_x_y_sample_weight"]


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and Lamina at once, as `keras.utils.set_random_seed`.

    The same seed gives the same initial weights, the same Dropout masks and
    the same shuffling, so the same History, bit for bit, on CPU.

    Args:
        seed: a non-negative integer.

    Example:
        >>> import lamina
        >>> lamina.utils.set_random_seed(0)
    """
    _random.set_seed(seed)
    _py_random.seed(seed)
    np.random.seed(int(seed) % (2**32))
