"""Data sets: TensorFlow Playground's generators (`lamina.datasets.playground`).

Example:
    >>> from lamina.datasets import playground
    >>> (xy_train, y_train), (xy_test, y_test) = playground.load_data("xor", seed="0.1")
    >>> xy_train.shape, y_test.shape
    ((250, 2), (250,))
"""
from __future__ import annotations

from lamina.datasets import playground
from lamina.datasets.playground import (circle, features, gauss, load_data, multi_gaussian,
                                        plane, spiral, xor)

__all__ = ["circle", "features", "gauss", "load_data", "multi_gaussian", "plane",
           "playground", "spiral", "xor"]
