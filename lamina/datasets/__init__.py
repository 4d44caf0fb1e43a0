"""Data sets: TensorFlow Playground's generators (`lamina.datasets.playground`), and
generated text and series for the sequence guides: movie reviews with a sentiment
(`sentiment`), translation-like pairs (`translation`: dates, reversed words) and a
noisy seasonal series (`series`).

Example:
    >>> from lamina.datasets import playground, sentiment, series, translation
    >>> (xy_train, y_train), (xy_test, y_test) = playground.load_data("xor", seed="0.1")
    >>> xy_train.shape, y_test.shape
    ((250, 2), (250,))
"""
from __future__ import annotations

from lamina.datasets import playground, sentiment, series, translation
from lamina.datasets.playground import (circle, features, gauss, load_data, multi_gaussian,
                                        plane, spiral, xor)

__all__ = ["circle", "features", "gauss", "load_data", "multi_gaussian", "plane",
           "playground", "spiral", "xor"]
__all__ += ["sentiment", "series", "translation"]
