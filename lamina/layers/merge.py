"""Keras 2's module path `keras.layers.merge`: the merging layers and their functional
forms (`from keras.layers.merge import concatenate`)."""
from lamina.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum,  # noqa
                                   Multiply, Subtract, add, average, concatenate, dot,
                                   maximum, minimum, multiply, subtract)
