"""`RNN`: runs a cell over the time axis of a sequence; the base of SimpleRNN, LSTM, GRU.

One layer for every recurrent network: the cell's step is scanned over time with
`lax.scan` (`lamina.core.recurrent.scan`) inside the compiled program. Built-in
cells hand over a split step, so their input projection runs once for the whole
sequence before the loop; users' cells (any layer with `state_size` and
`call(inputs, states)`) are called step by step. Masked steps are skipped with the
states carried through, in both directions.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.backend._scope import current_scope
from lamina.backend._tree import flatten
from lamina.core import recurrent
from lamina.layers import _nested
from lamina.layers.layer import Layer
from lamina.layers.rnn._cell import (check_cell, flat_sizes, output_size_of, states_list,
                                     step_of)
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells


def _sequence_error(layer: Any, shape: tuple) -> ValueError:
    name = f"{type(layer).__name__} layer '{layer.name}'"
    if len(shape) == 2:
        return ValueError(
            f"{name} expects sequences of shape (batch, time, features), but received a "
            f"2-D input of shape {shape}: (batch, features), without a time axis. For one "
            f"feature per time step, add it: x[..., None] or np.expand_dims(x, -1) (shape "
            f"{shape + (1,)}), or put keras.layers.Reshape(({shape[1]}, 1)) before the "
            "layer; for a single time step, keras.layers.Reshape((1, "
            f"{shape[1]})).")
    return ValueError(f"{name} expects sequences of shape (batch, time, features), but "
                      f"received an input of shape {shape} ({len(shape)} axes). Reshape it "
                      "to 3 axes.")


@registry.register_serializable("lamina.layers")
class RNN(Layer):
    """Runs a recurrent cell over sequences, as `keras.layers.RNN`.

    Args:
        cell: a cell (a layer with `state_size` and `call(inputs, states)` returning
            `(output, new_states)`), or a list of cells (stacked).
        return_sequences: return every step's output `(batch, time, units)`, not
            only the last `(batch, units)`.
        return_state: also return the final states: `output, *states`.
        go_backwards: run from the last step to the first; the output sequence is
            then in reversed order, as in Keras.
        stateful: the final states of a batch are the initial states of the next
            (a fixed batch size is needed: `batch_input_shape=` on the first layer or
            `keras.Input(batch_size=...)`); `reset_states()` sets them to zero.
        unroll: run the steps as straight-line code instead of a loop (short
            sequences only).
        zero_output_for_mask: masked steps output zeros instead of repeating the
            previous output.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: a list of the cell's states (e.g. `[h, c]` for an LSTM), for
            instance an encoder's final states given to a decoder.
        mask: `(batch, time)` booleans; False steps are skipped.
        training: whether dropout is active.

    Example:
        >>> import numpy as np
        >>> from lamina.layers import RNN, SimpleRNNCell
        >>> layer = RNN(SimpleRNNCell(4), return_sequences=True, return_state=True)
        >>> seq, state = layer(np.ones((2, 5, 3)))
        >>> seq.shape, state.shape
        ((2, 5, 4), (2, 4))
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell, f"{type(self).__name__}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None  # the state Variables of a stateful layer

    # -- sizes ------------------------------------------------------------------------
    @property
    def state_size(self) -> list:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    def get_initial_state(self, batch_size: int) -> list:
        """The zero states of a batch (the cell's own `get_initial_state` if it has one)."""
        own = getattr(self.cell, "get_initial_state", None)
        if own is not None:
            return states_list(own(batch_size=batch_size))
        return [jnp.zeros((batch_size, s), jnp.float32) for s in flat_sizes(self.state_size)]

    # -- building -----------------------------------------------------------------------
    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        shape = tuple(sequences_shape)
        if len(shape) != 3:
            raise _sequence_error(self, shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build(jax.ShapeDtypeStruct((shape[0],) + shape[2:], jnp.float32))
        if self.stateful and self.states is None:
            batch = self._batch_input_shape[0] if self._batch_input_shape and \
                self._batch_input_shape[0] else shape[0]
            leaves, self._state_structure = jax.tree.flatten(self.get_initial_state(batch))
            self.states = [self.add_weight(shape=tuple(a.shape), initializer="zeros",
                                           trainable=False, name=f"states_{i}")
                           for i, a in enumerate(leaves)]
        self.built = True

    def reset_states(self, states: Any = None) -> None:
        """Set the states of a stateful layer to zero (or to `states`), as Keras."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' is not stateful, so it keeps no states "
                                 "to reset. Create it with stateful=True.")
        if self.states is None:
            return
        values = [None] * len(self.states) if states is None else states_list(states)
        if len(values) != len(self.states):
            raise ValueError(f"Layer '{self.name}' has {len(self.states)} states, but "
                             f"reset_states received {len(values)} arrays.")
        for variable, value in zip(self.states, values):
            variable.assign(jnp.zeros(variable.shape) if value is None else value)

    reset_state = reset_states

    # -- the call -----------------------------------------------------------------------
    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool = False) -> Any:
        if sequences.ndim != 3:
            raise _sequence_error(self, tuple(sequences.shape))
        batch, steps = sequences.shape[0], sequences.shape[1]
        states = self._initial_states(initial_state, batch)
        if mask is not None:
            mask = jnp.asarray(mask, bool).reshape(batch, steps)
        split = step_of(self.cell, batch, sequences.shape[-1], training)
        # Called eagerly (not under jit), the steps run op by op: each op is compiled
        # once and cached, where a loop would compile anew for every call.
        eager = not any(isinstance(a, jax.core.Tracer)
                        for a in jax.tree.leaves((sequences, states, mask)))
        # A single step (a decoder fed one token per call) runs as straight-line code:
        # a loop of one iteration cost XLA:CPU more than the step itself.
        eager = eager or steps == 1
        if split.sequence is not None and mask is None and not (self.unroll or eager):
            result = self._run_sequence(split, sequences, states)
        else:
            result = recurrent.scan(split.recur, split.project(sequences), states,
                                    mask=mask, go_backwards=self.go_backwards,
                                    unroll=self.unroll or eager,
                                    zero_output_for_mask=self.zero_output_for_mask,
                                    return_sequences=self.return_sequences,
                                    output_state=split.output_state)
        if self.stateful:  # the next call starts where this one ended
            scope = current_scope()
            if scope is None or not scope.building:
                for variable, value in zip(self.states, jax.tree.leaves(result.states)):
                    variable.assign(value)
        output = result.outputs if self.return_sequences else result.last_output
        if self.return_state:
            return (output, *result.states)
        return output

    def _run_sequence(self, split: Any, sequences: Any, states: list) -> Any:
        """The unmasked loop of a cell that runs it itself (`SplitStep.sequence`)."""
        # Time-major before the projection: the swap moves the (usually narrower)
        # inputs, and between two stacked RNN layers it cancels the previous layer's
        # swap back to batch-major, so no copy is made.
        z = split.project(jnp.swapaxes(sequences, 0, 1), time_major=True)
        if self.go_backwards:
            z = jnp.flip(z, 0)
        outputs, final = split.sequence(z, list(states))
        return recurrent.ScanResult(
            outputs[-1], jnp.swapaxes(outputs, 0, 1) if self.return_sequences else None,
            final)

    def _initial_states(self, initial_state: Any, batch: int) -> list:
        if initial_state is None:
            if not self.stateful:
                return self.get_initial_state(batch)
            states = jax.tree.unflatten(self._state_structure, [v.value for v in self.states])
            if self.states and self.states[0].shape[0] != batch:
                raise ValueError(
                    f"Stateful layer '{self.name}' keeps states for batches of "
                    f"{self.states[0].shape[0]}, but received a batch of {batch}. A stateful RNN "
                    "needs one fixed batch size: declare it (batch_input_shape=(batch, time, "
                    "features) on the first layer, or keras.Input(batch_size=...)), use it "
                    "for every call, and give fit/predict that batch_size with a number "
                    "of rows it divides.")
            return states
        expected, structure = jax.tree.flatten(self.get_initial_state(batch))
        given = flatten(states_list(initial_state))
        shapes = [tuple(e.shape) for e in expected]
        if len(given) != len(expected):
            hint = (" ([h, c] for an LSTM, e.g. the two states an encoder LSTM returns with "
                    "return_state=True)" if len(expected) == 2 else "")
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has {len(expected)} state(s) of "
                f"shapes {shapes}, but initial_state holds {len(given)}. Pass a list of "
                f"{len(expected)} arrays{hint}.")
        out = []
        for i, (g, e) in enumerate(zip(given, expected)):
            g = jnp.asarray(getattr(g, "value", g))
            if tuple(g.shape) != tuple(e.shape):
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) expects initial_state[{i}] "
                    f"of shape {tuple(e.shape)} (batch, units), but received shape "
                    f"{tuple(g.shape)}. Each state must have the layer's batch and units; "
                    "an encoder and a decoder that share states need the same units.")
            out.append(g.astype(e.dtype))
        return jax.tree.unflatten(structure, out)

    # -- masks and shapes ------------------------------------------------------------------
    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(flat_sizes(self.state_size))
        return output_mask

    def compute_output_shape(self, sequences_shape: Any, initial_state_shape: Any = None
                             ) -> Any:
        batch, steps = sequences_shape[0], sequences_shape[1]
        size = output_size_of(self.cell)
        output = (batch, steps, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return output
        states = jax.eval_shape(lambda: self.get_initial_state(1))
        return [output] + [jax.tree.map(lambda s: (batch,) + tuple(s.shape[1:]), state)
                           for state in states]

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll, zero_output_for_mask=self.zero_output_for_mask,
                      cell=_nested.serialize(self.cell))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "RNN":
        config = dict(config)
        cell = _nested.deserialize(config.pop("cell"), what="cell")
        return cls(cell, **config)

