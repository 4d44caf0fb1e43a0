"""`RecurrentCell`: the base of the built-in cells (SimpleRNNCell, LSTMCell, GRUCell).

A cell computes one time step: `call(inputs, states, training) -> (output, new_states)`,
as Keras's cells do. The built-in cells also split that step in two pure halves,
`SplitStep(project, recur)`, so that an RNN layer runs the input half for every time
step at once (one large matrix product before the time loop) and only the recurrent
half inside it:

- `project(inputs)`: the inputs' contribution, `inputs @ kernel + bias`, for inputs
  with any leading axes (`(batch, time, features)` or `(batch, features)`);
- `recur(z_t, states) -> (output, new_states)`: one step given that contribution.

Dropout follows Keras: one input mask and one recurrent mask per call of the RNN
layer (drawn before the time loop from the cell's seed generator), the same at every
step, in training only.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp

from lamina import activations
from lamina.layers import _weight_spec as weight_spec
from lamina.layers._random_layer import bernoulli_keep, check_rate
from lamina.layers.layer import Layer
from lamina.random import SeedGenerator


class SplitStep(NamedTuple):
    """A cell's step as an input projection and a recurrence (see the module doc).

    Attributes:
        project: `(inputs, time_major=False) -> z`, applied to the whole sequence
            before the time loop (`time_major`: the inputs are `(time, batch, ...)`).
        recur: `(z_t, states) -> (output, new_states)`, the body of the time loop.
        output_state: when the output is one of the states (`h`), the function that
            picks it from the states (the loop then carries no separate output).
        sequence: optionally, the whole unmasked loop as one function,
            `(z time-major, states) -> (every output time-major, final states)`, for
            cells with a faster loop of their own (a standard LSTM's hand-written
            gradient, `lamina.core.lstm`).
    """

    project: Callable[[Any], Any]
    recur: Callable[[Any, list], tuple]
    output_state: Callable[[list], Any] | None = None
    sequence: Callable[[Any, list], tuple] | None = None


def positive_units(units: Any, who: str) -> int:
    """`units` as a positive int, or a ValueError that shows a valid call."""
    if isinstance(units, bool) or not isinstance(units, (int, jnp.integer)) or units <= 0:
        raise ValueError(f"{who} needs a positive integer for `units` (the size of its "
                         f"output and state), but received units={units!r}. Use e.g. "
                         f"{who}(32).")
    return int(units)


def dropout_mask(key: Any, rate: float, shape: tuple) -> jax.Array:
    """Keras's dropout of ones: 0 with probability `rate`, else `1 / (1 - rate)`."""
    return bernoulli_keep(key, rate, shape).astype(jnp.float32) / (1.0 - rate)


def states_list(states: Any) -> list:
    """A cell's states as a list (a single array becomes a list of one)."""
    if states is None:
        return []
    return list(states) if isinstance(states, (list, tuple)) else [states]


def _first(states: list) -> Any:
    return states[0]


def check_cell(cell: Any, who: str) -> None:
    """A cell is anything with `call(inputs, states)` and a `state_size`."""
    if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
        raise ValueError(
            f"{who} needs a cell: a layer with a `state_size` attribute (an int, or a list "
            "of ints, one per state) and a `call(inputs, states)` method returning "
            f"`(output, new_states)`, such as keras.layers.LSTMCell(32); but received "
            f"{cell!r} ({type(cell).__name__}).")


def flat_sizes(state_size: Any) -> list[int]:
    """The sizes of all states, nested lists (stacked cells) flattened.

    Example:
        >>> flat_sizes([[4, 4], 3])
        [4, 4, 3]
    """
    if isinstance(state_size, (list, tuple)):
        return [s for item in state_size for s in flat_sizes(item)]
    return [int(state_size)]


def output_size_of(cell: Any) -> int:
    size = getattr(cell, "output_size", None)
    return int(size) if size is not None else flat_sizes(cell.state_size)[0]


def step_of(cell: Any, batch_size: int, input_dim: int, training: bool) -> SplitStep:
    """The cell's `SplitStep`: its own for built-in cells; for any other cell, the
    identity projection and a call of the cell per step."""
    own = getattr(cell, "split_step", None)
    if own is not None:
        return own(batch_size, input_dim, training)
    takes_training = isinstance(cell, Layer) and "training" in cell._call_params

    def recur(x_t: Any, states: list) -> tuple:
        output, new_states = cell(x_t, states, **({"training": training}
                                                  if takes_training else {}))
        return output, states_list(new_states)

    return SplitStep(lambda x: x, recur)


class RecurrentCell(Layer, ABC):
    """The arguments, weights, dropout and split step the built-in cells share.

    Subclasses set `gates` (how many blocks of `units` columns the kernel has), define
    `recur_fn(z_t, states, recurrent_mask)`, and may override `build_bias`.
    """

    gates = 1

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.units = positive_units(units, who)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        weight_spec.declare(self, "kernel", kernel_initializer, kernel_regularizer,
                            kernel_constraint)
        weight_spec.declare(self, "recurrent", recurrent_initializer, recurrent_regularizer,
                            recurrent_constraint)
        weight_spec.declare(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.dropout = check_rate(dropout, f"{who} dropout")
        self.recurrent_dropout = check_rate(recurrent_dropout, f"{who} recurrent_dropout")
        self.seed = seed
        # Only a cell that drops something owns a seed generator (randomness in training).
        if self.dropout or self.recurrent_dropout:
            self.seed_generator = SeedGenerator(seed)
        self.kernel = self.recurrent_kernel = self.bias = None

    # -- sizes ----------------------------------------------------------------------
    @property
    def state_size(self) -> Any:
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def get_initial_state(self, batch_size: int) -> list:
        """Zero states, one `(batch_size, size)` array per state."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, s), jnp.float32) for s in sizes]

    # -- weights ----------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        width = self.gates * self.units
        self.kernel = weight_spec.add(self, "kernel", (input_shape[-1], width))
        self.recurrent_kernel = weight_spec.add(self, "recurrent", (self.units, width),
                                                name="recurrent_kernel")
        if self.use_bias:
            self.bias = self.build_bias(width)
        self.built = True

    def build_bias(self, width: int) -> Any:
        return weight_spec.add(self, "bias", (width,))

    def input_bias(self) -> Any:
        """The bias added to the input projection (None without a bias)."""
        return self.bias.value if self.use_bias else None

    # -- the step ----------------------------------------------------------------------
    def split_step(self, batch_size: int, input_dim: int, training: bool) -> SplitStep:
        """The step as `SplitStep(project, recur)`, with this call's dropout masks."""
        in_mask = rec_mask = None
        if training and self.dropout:
            in_mask = dropout_mask(self.seed_generator.next(), self.dropout,
                                   (batch_size, input_dim))
        if training and self.recurrent_dropout:
            rec_mask = dropout_mask(self.seed_generator.next(), self.recurrent_dropout,
                                    (batch_size, self.units))
        kernel, bias = self.kernel.value, self.input_bias()

        def project(inputs: Any, time_major: bool = False) -> Any:
            if in_mask is not None:
                # one mask for every step: broadcast over the time axis
                mask = in_mask if inputs.ndim == 2 else \
                    jnp.expand_dims(in_mask, 0 if time_major else 1)
                inputs = inputs * mask
            # Rows flattened: the gradient of the kernel is then one product contracting
            # one axis (a 3-d matmul's contracts two, which XLA:CPU fed by transposing).
            z = jnp.matmul(inputs.reshape(-1, inputs.shape[-1]), kernel)
            z = z.reshape(*inputs.shape[:-1], z.shape[-1])
            return z if bias is None else z + bias

        return SplitStep(project, lambda z, states: self.recur_fn(z, states, rec_mask),
                         _first)

    @abstractmethod
    def recur_fn(self, z: Any, states: list, recurrent_mask: Any) -> tuple:
        """The recurrence of one step: from the projected input `z` and the states,
        `(output, new states)`; `recurrent_mask` is the recurrent dropout mask or None."""

    def call(self, inputs: Any, states: Any = None, training: bool = False) -> tuple:
        """One time step: `(output, new_states)`. Without `states`, the step starts
        from zeros."""
        if inputs.ndim != 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' computes one time step "
                             f"and expects inputs of shape (batch, features), but received "
                             f"shape {tuple(inputs.shape)}. To run it over a sequence, wrap "
                             f"it: keras.layers.RNN({type(self).__name__}(...)).")
        nested = isinstance(states, (list, tuple)) or states is None
        given = self.get_initial_state(inputs.shape[0]) if states is None \
            else states_list(states)
        step = self.split_step(inputs.shape[0], inputs.shape[-1], training)
        output, new_states = step.recur(step.project(inputs), given)
        return output, (new_states if nested or len(new_states) > 1 else new_states[0])

    def compute_output_shape(self, input_shape: Any, states_shape: Any = None) -> Any:
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        batch = input_shape[0]
        return (batch, self.output_size), [(batch, s) for s in sizes]

    def recurrent_input(self, h: Any, recurrent_mask: Any) -> Any:
        return h if recurrent_mask is None else h * recurrent_mask

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(units=self.units, activation=activations.serialize(self.activation),
                      use_bias=self.use_bias, **weight_spec.config(self),
                      dropout=self.dropout, recurrent_dropout=self.recurrent_dropout,
                      seed=self.seed)
        return config

