"""Keras 2's module path `keras.layers.recurrent`: the recurrent layers and their cells
(`from keras.layers.recurrent import LSTM` in older code)."""
from lamina.layers.rnn import (GRU, LSTM, RNN, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                               StackedRNNCells)

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells"]
