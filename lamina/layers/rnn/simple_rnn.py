"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel
+ bias)`."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import registry
from lamina.layers.rnn._cell import RecurrentCell
from lamina.layers.rnn._cell_layer import CellLayer


@registry.register_serializable("lamina.layers")
class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN, as `keras.layers.SimpleRNNCell`.

    Weights as in Keras: `kernel (features, units)`, `recurrent_kernel (units, units)`,
    `bias (units,)`.

    Args:
        units: the size of the output and the state.
        activation: tanh by default.
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: glorot_uniform,
            orthogonal and zeros by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs to drop (training only).
        recurrent_dropout: the fraction of the previous state to drop.
        seed: a seed for the dropout masks.

    Example:
        >>> import numpy as np
        >>> cell = SimpleRNNCell(3)
        >>> output, states = cell(np.ones((2, 4)), [np.zeros((2, 3))])
        >>> output.shape, len(states), cell.recurrent_kernel.shape
        ((2, 3), 1, (3, 3))
    """

    def recur_fn(self, z: Any, states: list, recurrent_mask: Any) -> tuple:
        h = self.recurrent_input(states[0], recurrent_mask)
        output = self.activation(z + jnp.matmul(h, self.recurrent_kernel.value))
        return output, [output]


@registry.register_serializable("lamina.layers")
class SimpleRNN(CellLayer):
    """A fully connected RNN whose output is fed back as its state, as
    `keras.layers.SimpleRNN`.

    Args:
        units: the size of the output and the state.
        activation, use_bias, *_initializer, *_regularizer, *_constraint, dropout,
            recurrent_dropout, seed: as `SimpleRNNCell`.
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as `RNN`.

    Example:
        >>> import numpy as np
        >>> layer = SimpleRNN(4, return_sequences=True)
        >>> layer(np.ones((2, 7, 3))).shape, layer.units
        ((2, 7, 4), 4)
    """

    cell_class = SimpleRNNCell
    cell_fields = ("units", "activation", "use_bias", "kernel_initializer",
                   "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                   "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                   "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout", "seed")

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs: Any):
        self._init_from(locals())
