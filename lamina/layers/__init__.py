"""Layers, as `keras.layers`."""
from lamina.layers.core import Activation, Dense
from lamina.layers.dropout import Dropout
from lamina.layers.input_layer import Input, InputLayer, KerasTensor
from lamina.layers.layer import Layer, clear_session
from lamina.layers.normalization import BatchNormalization
from lamina.layers.variable import Variable

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "Input", "InputLayer",
           "KerasTensor", "Layer", "Variable", "clear_session"]
