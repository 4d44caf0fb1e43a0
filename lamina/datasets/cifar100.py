"""CIFAR-100 small images, as `keras.datasets.cifar100`."""
from __future__ import annotations

import os

import numpy as np

from lamina.datasets._cifar import batches_folder, channels, load_batch


def load_data(label_mode: str = "fine"
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-100: 50,000 32x32 colour training images in 100 classes (grouped in
    20 superclasses) and 10,000 test images, from Keras's cache, downloaded from
    Keras's source when absent.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (the 20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shapes
        `(50000, 32, 32, 3)` and `(10000, 32, 32, 3)`, labels of shapes `(50000, 1)`
        and `(10000, 1)`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = batches_folder("cifar-100-python", ("train", "test"))
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    return ((channels(np.asarray(x_train)), np.asarray(y_train).reshape(-1, 1)),
            (channels(np.asarray(x_test)), np.asarray(y_test).reshape(-1, 1)))
