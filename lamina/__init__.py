"""Lamina: Keras-style deep learning on JAX.

`import lamina as keras` runs tf.keras course code, and a whole epoch of `fit`
runs as one compiled XLA program.
"""
from __future__ import annotations

__version__ = "0.1.0"

from lamina import random, utils  # noqa: E402,F401
