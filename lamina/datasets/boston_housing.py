"""Boston housing prices, as `keras.datasets.boston_housing`."""
from __future__ import annotations

import numpy as np

from lamina.datasets._sources import fetch


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the Boston housing data (506 houses, 13 features, prices in k$), shuffled
    with `np.random.RandomState(seed)` and split as Keras splits it.

    Args:
        path: the file's name in the cache (`~/.keras/datasets/`).
        test_split: the fraction kept for the test set, in [0, 1).
        seed: the shuffling seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays, `(404, 13)`, `(404,)`,
        `(102, 13)`, `(102,)` with the defaults.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between "
                         "0 and 1 (exclusive of 1).")
    with np.load(fetch("boston_housing.npz", path), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
