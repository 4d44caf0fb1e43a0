"""Data sets: TensorFlow Playground's generators (`lamina.datasets.playground`), and
Keras's data sets with Keras's `load_data` (`mnist`, `fashion_mnist`, `cifar10`,
`cifar100`, `imdb`, `reuters`, `boston_housing`), read from the files Keras caches in
`~/.keras/datasets` (or `$KERAS_HOME/datasets`) and downloaded from Keras's sources,
listed in `SOURCES`, only when absent.

Example:
    >>> from lamina.datasets import playground
    >>> (xy_train, y_train), (xy_test, y_test) = playground.load_data("xor", seed="0.1")
    >>> xy_train.shape, y_test.shape
    ((250, 2), (250,))
"""
from __future__ import annotations

from lamina.datasets import playground
from lamina.datasets import (boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,
                             reuters)
from lamina.datasets._sources import SOURCES, Source
from lamina.datasets.playground import (circle, features, gauss, load_data, multi_gaussian,
                                        plane, spiral, xor)

__all__ = ["SOURCES", "Source", "boston_housing", "cifar10", "cifar100", "circle",
           "fashion_mnist", "features", "gauss", "imdb", "load_data", "mnist",
           "multi_gaussian", "plane", "playground", "reuters", "spiral", "xor"]
