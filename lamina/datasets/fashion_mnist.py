"""Fashion-MNIST, as `keras.datasets.fashion_mnist`."""
from __future__ import annotations

import gzip
import os

import numpy as np

from lamina.datasets._sources import fetch

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(path: str, offset: int) -> np.ndarray:
    try:
        with gzip.open(path, "rb") as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    except (OSError, EOFError, ValueError) as err:
        raise ValueError(f"'{path}' is corrupted ({err}); delete it and download it "
                         "again.") from None


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST: 60,000 28x28 grayscale images of 10 kinds of clothing and
    10,000 test images, from Keras's cache (`~/.keras/datasets/fashion-mnist/`, four
    gzipped IDX files), downloaded from Keras's source when absent.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
    """
    paths = [fetch(name, cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in FILES]
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16)
    x_test = _read(paths[3], 16)
    for x, y, name in ((x_train, y_train, FILES[1]), (x_test, y_test, FILES[3])):
        if x.size != len(y) * 28 * 28:
            raise ValueError(f"'{name}' holds {x.size} pixels, not 28x28 for each of the "
                             f"{len(y)} labels; delete the files and download them again.")
    return ((x_train.reshape(len(y_train), 28, 28), y_train),
            (x_test.reshape(len(y_test), 28, 28), y_test))
