"""Lamina: Keras-style deep learning on JAX.

`import lamina as keras` runs tf.keras course code, and a whole epoch of `fit`
runs as one compiled XLA program.
"""
from __future__ import annotations

__version__ = "0.1.0"

from lamina import backend, random, utils  # noqa: E402,F401
from lamina import (activations, callbacks, constraints, datasets, initializers,  # noqa: E402
                    layers, losses, metrics, models, optimizers, regularizers, saving)
from lamina import plot  # noqa: E402  (matplotlib is imported only when a plot runs)
from lamina.layers import Input, Layer, Variable  # noqa: E402
from lamina.models import Model, Sequential  # noqa: E402

__all__ = ["Input", "Layer", "Model", "Sequential", "Variable", "activations", "backend",
           "callbacks", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
           "models", "optimizers", "plot", "random", "regularizers", "saving", "utils"]
