"""Keras 2's module path `keras.layers.embeddings` (`from keras.layers.embeddings
import Embedding` in older code)."""
from lamina.layers.embedding import Embedding

__all__ = ["Embedding"]
