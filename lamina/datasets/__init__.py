"""Data sets: TensorFlow Playground's generators (`lamina.datasets.playground`), and
generated text and series for the sequence guides: movie reviews with a sentiment
(`sentiment`), translation-like pairs (`translation`: dates, reversed words) and a
noisy seasonal series (`series`); and Keras's data sets with Keras's `load_data`
(`mnist`, `fashion_mnist`, `cifar10`, `cifar100`, `imdb`, `reuters`, `boston_housing`),
read from the files Keras caches in `~/.keras/datasets` (or `$KERAS_HOME/datasets`) and
downloaded from Keras's sources, listed in `SOURCES`, only when absent.

Example:
    >>> from lamina.datasets import playground, sentiment, series, translation
    >>> (xy_train, y_train), (xy_test, y_test) = playground.load_data("xor", seed="0.1")
    >>> xy_train.shape, y_test.shape
    ((250, 2), (250,))
"""
from __future__ import annotations

from lamina.datasets import (boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,
                             playground, reuters, sentiment, series, translation)
from lamina.datasets._sources import SOURCES, Source
from lamina.datasets.playground import (circle, features, gauss, load_data, multi_gaussian,
                                        plane, spiral, xor)

__all__ = ["SOURCES", "Source", "boston_housing", "cifar10", "cifar100", "circle",
           "fashion_mnist", "features", "gauss", "imdb", "load_data", "mnist",
           "multi_gaussian", "plane", "playground", "reuters", "sentiment", "series",
           "spiral", "translation", "xor"]
