"""MNIST handwritten digits, as `keras.datasets.mnist`."""
from __future__ import annotations

import numpy as np

from lamina.datasets._sources import fetch

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_data(path: str = "mnist.npz") -> Arrays:
    """Load MNIST: 60,000 28x28 grayscale training images of the 10 digits and 10,000
    test images, from Keras's cache (`~/.keras/datasets/mnist.npz`), downloaded from
    Keras's source (`lamina.datasets.SOURCES`) when absent.

    Args:
        path: the file's name in the cache.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`; pixels 0-255,
        labels 0-9.
    """
    with np.load(fetch("mnist.npz", path), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
