"""Keras 2's module path `keras.layers.wrappers` (`from keras.layers.wrappers import
Bidirectional, TimeDistributed` in older code)."""
from lamina.layers.rnn import Bidirectional, TimeDistributed

__all__ = ["Bidirectional", "TimeDistributed"]
