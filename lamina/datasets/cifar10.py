"""CIFAR-10 small images, as `keras.datasets.cifar10`."""
from __future__ import annotations

import os

import numpy as np

from lamina.datasets._cifar import batches_folder, channels, load_batch

_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10: 50,000 32x32 colour training images in 10 classes and 10,000
    test images, from Keras's cache (Keras 3's or tf.keras 2's folder under
    `~/.keras/datasets/`), downloaded from Keras's source when absent.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        `(50000, 32, 32, 3)`, `(50000, 1)`, `(10000, 32, 32, 3)`, `(10000, 1)`
        (channels first when `image_data_format()` is "channels_first").
    """
    folder = batches_folder("cifar-10-batches-py", _FILES)
    parts = [load_batch(os.path.join(folder, name)) for name in _FILES[:5]]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y, dtype="uint8") for _, y in parts])
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    x_test, y_test = np.asarray(x_test).astype("uint8"), np.asarray(y_test, dtype="uint8")
    return ((channels(x_train), y_train.reshape(-1, 1)),
            (channels(x_test), y_test.reshape(-1, 1)))
