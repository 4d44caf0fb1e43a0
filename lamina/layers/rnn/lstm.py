"""`LSTMCell` and `LSTM`: long short-term memory, Keras's gate order (i, f, c, o)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import activations, registry
from lamina.core import lstm as core_lstm
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.rnn._cell import RecurrentCell, SplitStep
from lamina.layers.rnn._cell_layer import CellLayer


@registry.register_serializable("lamina.layers")
class LSTMCell(RecurrentCell):
    """One step of a long short-term memory, as `keras.layers.LSTMCell`.

    With `z = x_t @ kernel + h @ recurrent_kernel + bias` cut into four blocks of
    `units` columns, in Keras's order i, f, c, o:

        i = recurrent_activation(z_i)      f = recurrent_activation(z_f)
        c = f * c_prev + i * activation(z_c)
        o = recurrent_activation(z_o)      h = o * activation(c)

    Weights as in Keras (so weights trained there load): `kernel (features, 4 units)`,
    `recurrent_kernel (units, 4 units)`, `bias (4 units,)`. The states are `[h, c]`.

    Args:
        units: the size of the output and of each state.
        activation: tanh by default.
        recurrent_activation: the gates' activation, sigmoid by default.
        use_bias: whether to add a bias.
        unit_forget_bias: start the forget gate's bias at 1 (the rest from
            `bias_initializer`).
        kernel_initializer, recurrent_initializer, bias_initializer: glorot_uniform,
            orthogonal and zeros by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs to drop (training only).
        recurrent_dropout: the fraction of the previous `h` to drop.
        seed: a seed for the dropout masks.

    Example:
        >>> import numpy as np
        >>> cell = LSTMCell(2)
        >>> h, (h_again, c) = cell(np.ones((3, 4)), [np.zeros((3, 2)), np.zeros((3, 2))])
        >>> h.shape, c.shape, cell.kernel.shape, cell.bias.numpy().tolist()
        ((3, 2), (3, 2), (4, 8), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    """

    gates = 4

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None, **kwargs: Any):
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list[int]:
        return [self.units, self.units]

    def build_bias(self, width: int) -> Any:
        if not self.unit_forget_bias:
            return weight_spec.add(self, "bias", (width,))
        base, units = self.bias_initializer, self.units

        def forget_ones(shape: tuple, dtype: Any = "float32") -> Any:
            return jnp.concatenate([jnp.asarray(base((units,), dtype)),
                                    jnp.ones((units,), dtype),
                                    jnp.asarray(base((2 * units,), dtype))])

        return self.add_weight(shape=(width,), name="bias", initializer=forget_ones,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint)

    def split_step(self, batch_size: int, input_dim: int, training: bool) -> SplitStep:
        """The step (see `RecurrentCell.split_step`); with Keras's default activations
        and no recurrent dropout, also the whole loop with its gradient written by
        hand (`lamina.core.lstm.sequence`)."""
        step = super().split_step(batch_size, input_dim, training)
        if self.activation is not activations.tanh or \
                self.recurrent_activation is not activations.sigmoid or \
                (training and self.recurrent_dropout):
            return step
        kernel = self.recurrent_kernel.value

        def sequence(z: Any, states: list) -> tuple:
            hs, h, c = core_lstm.sequence(z, kernel, *states)
            return hs, [h, c]

        return step._replace(sequence=sequence)

    def recur_fn(self, z: Any, states: list, recurrent_mask: Any) -> tuple:
        h_prev, c_prev = states
        h = self.recurrent_input(h_prev, recurrent_mask)
        z = z + jnp.matmul(h, self.recurrent_kernel.value)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        gate = self.recurrent_activation
        c = gate(z_f) * c_prev + gate(z_i) * self.activation(z_c)
        h = gate(z_o) * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      unit_forget_bias=self.unit_forget_bias)
        return config


@registry.register_serializable("lamina.layers")
class LSTM(CellLayer):
    """Long short-term memory over sequences, as `keras.layers.LSTM`.

    Args:
        units: the size of the output and of the states `h` and `c`.
        activation, recurrent_activation, use_bias, unit_forget_bias, *_initializer,
            *_regularizer, *_constraint, dropout, recurrent_dropout, seed: as
            `LSTMCell`.
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as `RNN`;
            with `return_state=True` the layer returns `output, h, c`.

    Example:
        >>> import numpy as np
        >>> layer = LSTM(4, return_state=True, name="lstm")
        >>> output, h, c = layer(np.ones((2, 7, 3)))
        >>> output.shape, c.shape, [w.name for w in layer.weights]
        ((2, 4), (2, 4), ['lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', \
'lstm/lstm_cell/bias'])
    """

    cell_class = LSTMCell
    cell_fields = ("units", "activation", "recurrent_activation", "use_bias",
                   "unit_forget_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                   "bias_constraint", "dropout", "recurrent_dropout", "seed")

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, **kwargs: Any):
        self._init_from(locals())

