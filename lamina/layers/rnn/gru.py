"""`GRUCell` and `GRU`: gated recurrent units, Keras's gate order (z, r, h)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from lamina import activations, registry
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.rnn._cell import RecurrentCell
from lamina.layers.rnn._cell_layer import CellLayer


@registry.register_serializable("lamina.layers")
class GRUCell(RecurrentCell):
    """One step of a gated recurrent unit, as `keras.layers.GRUCell`.

    With the input part `x = x_t @ kernel + b_in` and the recurrent part
    `r_ = h @ recurrent_kernel + b_rec`, each cut into blocks z, r, h of `units` columns:

        z = recurrent_activation(x_z + r_z)      r = recurrent_activation(x_r + r_r)
        hh = activation(x_h + r * r_h)           (reset_after=True, the default)
        hh = activation(x_h + (r * h) @ recurrent_kernel[:, 2 units:])  (reset_after=False)
        h_new = z * h + (1 - z) * hh

    Weights as in Keras: `kernel (features, 3 units)`, `recurrent_kernel (units,
    3 units)`, `bias (2, 3 units)` with `reset_after` (input and recurrent biases),
    else `(3 units,)` (and `r_` has no bias).

    Args:
        units: the size of the output and the state.
        activation: tanh by default.
        recurrent_activation: the gates' activation, sigmoid by default.
        use_bias: whether to add biases.
        reset_after: apply the reset gate after the recurrent matrix product (True,
            Keras's default and cuDNN's convention) or before it.
        kernel_initializer, recurrent_initializer, bias_initializer: glorot_uniform,
            orthogonal and zeros by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs to drop (training only).
        recurrent_dropout: the fraction of the previous state to drop.
        seed: a seed for the dropout masks.

    Example:
        >>> import numpy as np
        >>> cell = GRUCell(2)
        >>> h, states = cell(np.ones((3, 4)), [np.zeros((3, 2))])
        >>> h.shape, cell.kernel.shape, cell.bias.shape
        ((3, 2), (4, 6), (2, 6))
    """

    gates = 3

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 reset_after: bool = True, seed: int | None = None, **kwargs: Any):
        kwargs.pop("implementation", None)
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                         seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def build_bias(self, width: int) -> Any:
        return weight_spec.add(self, "bias", (2, width) if self.reset_after else (width,))

    def input_bias(self) -> Any:
        if not self.use_bias:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def recur_fn(self, z: Any, states: list, recurrent_mask: Any) -> tuple:
        h_prev = states[0]
        h = self.recurrent_input(h_prev, recurrent_mask)
        kernel, units = self.recurrent_kernel.value, self.units
        x_z, x_r, x_h = jnp.split(z, 3, axis=-1)
        gate = self.recurrent_activation
        if self.reset_after:
            inner = jnp.matmul(h, kernel)
            if self.use_bias:
                inner = inner + self.bias.value[1]
            r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
            zg, rg = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + rg * r_h)
        else:
            inner = jnp.matmul(h, kernel[:, :2 * units])
            r_z, r_r = jnp.split(inner, 2, axis=-1)
            zg, rg = gate(x_z + r_z), gate(x_r + r_r)
            candidate = self.activation(x_h + jnp.matmul(rg * h, kernel[:, 2 * units:]))
        new = zg * h_prev + (1.0 - zg) * candidate
        return new, [new]

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(recurrent_activation=activations.serialize(self.recurrent_activation),
                      reset_after=self.reset_after)
        return config


@registry.register_serializable("lamina.layers")
class GRU(CellLayer):
    """Gated recurrent units over sequences, as `keras.layers.GRU`.

    Args:
        units: the size of the output and the state.
        activation, recurrent_activation, use_bias, reset_after, *_initializer,
            *_regularizer, *_constraint, dropout, recurrent_dropout, seed: as
            `GRUCell` (`reset_after=True` by default, as in Keras).
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as `RNN`.

    Example:
        >>> import numpy as np
        >>> layer = GRU(4, return_sequences=True)
        >>> layer(np.ones((2, 7, 3))).shape, layer.reset_after
        ((2, 7, 4), True)
    """

    cell_class = GRUCell
    cell_fields = ("units", "activation", "recurrent_activation", "use_bias", "reset_after",
                   "kernel_initializer", "recurrent_initializer", "bias_initializer",
                   "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                   "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                   "recurrent_dropout", "seed")

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, **kwargs: Any):
        self._init_from(locals())
