"""Lamina: Keras-style deep learning on JAX.

`import lamina as keras` runs tf.keras course code, and a whole epoch of `fit`
runs as one compiled XLA program.
"""
from __future__ import annotations

# The public namespaces, bottom up in the order of the shell (see DESIGN.md).
from lamina._version import __version__  # noqa: F401
from lamina import core, data, registry  # noqa: I001
from lamina import backend
from lamina import random, optimizers, utils, plot  # plot imports matplotlib only to draw
from lamina import ops
from lamina import activations, initializers, regularizers, constraints, losses
from lamina import layers, metrics, preprocessing
from lamina import saving
from lamina import callbacks
from lamina import models
from lamina import datasets, testing
from lamina.backend import KerasTensor, Variable
from lamina.layers import Input, Layer
from lamina.models import Model, Sequential

__all__ = ["Input", "KerasTensor", "Layer", "Model", "Sequential", "Variable", "activations",
           "backend", "callbacks", "constraints", "core", "data", "datasets", "initializers",
           "layers", "losses", "metrics", "models", "ops", "optimizers", "plot", "preprocessing", "random", "registry",
           "regularizers", "saving", "testing", "utils"]
