"""`StackedRNNCells`: several cells as one, each step feeding the next cell."""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers import _nested
from lamina.layers.layer import Layer
from lamina.layers.rnn._cell import (SplitStep, check_cell, flat_sizes, output_size_of,
                                      states_list, step_of)


@registry.register_serializable("lamina.layers")
class StackedRNNCells(Layer):
    """Cells stacked into one cell, as `keras.layers.StackedRNNCells`: at each step the
    first cell reads the input, each next cell reads the previous cell's output.

    `RNN([cell_1, cell_2])` makes one. The states are one list per cell.

    Args:
        cells: the cells, first to last.

    Example:
        >>> import numpy as np
        >>> from lamina.layers import RNN, LSTMCell, GRUCell
        >>> layer = RNN(StackedRNNCells([LSTMCell(4), GRUCell(2)]))
        >>> layer(np.ones((3, 5, 6))).shape, layer.cell.state_size
        ((3, 2), [[4, 4], 2])
    """

    def __init__(self, cells: Sequence[Any], **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(f"StackedRNNCells needs a non-empty list of cells, but received "
                             f"{cells!r}. For example: StackedRNNCells([LSTMCell(8), "
                             "LSTMCell(8)]).")
        for cell in cells:
            check_cell(cell, "StackedRNNCells")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        return output_size_of(self.cells[-1])

    def get_initial_state(self, batch_size: int) -> list:
        """One entry per cell: its list of zero states (a single array for a cell
        with one state and no `get_initial_state` of its own)."""
        out: list = []
        for cell in self.cells:
            own = getattr(cell, "get_initial_state", None)
            if own is not None:
                out.append(states_list(own(batch_size=batch_size)))
            elif isinstance(cell.state_size, (list, tuple)):
                out.append([jnp.zeros((batch_size, s)) for s in flat_sizes(cell.state_size)])
            else:
                out.append(jnp.zeros((batch_size, int(cell.state_size))))
        return out

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(jax.ShapeDtypeStruct(shape, jnp.float32))
            shape = (shape[0], output_size_of(cell))
        self.built = True

    def split_step(self, batch_size: int, input_dim: int, training: bool) -> SplitStep:
        """The first cell's projection runs over the whole sequence; each later cell
        runs its own step (projection included) inside the loop."""
        steps, dim = [], input_dim
        for cell in self.cells:
            steps.append(step_of(cell, batch_size, dim, training))
            dim = output_size_of(cell)

        def recur(z_t: Any, states: list) -> tuple:
            new_states, x = [], z_t
            for i, (cell, step) in enumerate(zip(self.cells, steps)):
                own = states_list(states[i])
                x, updated = step.recur(x if i == 0 else step.project(x), own)
                updated = states_list(updated)
                single = not isinstance(states[i], (list, tuple)) and len(updated) == 1
                new_states.append(updated[0] if single else updated)
            return x, new_states

        last = steps[-1].output_state
        pick = None if last is None else (lambda states: last(states_list(states[-1])))
        return SplitStep(steps[0].project, recur, pick)

    def call(self, inputs: Any, states: Any = None, training: bool = False) -> tuple:
        """One time step of every cell: `(last cell's output, states per cell)`;
        without `states`, from zeros."""
        if states is None:
            states = self.get_initial_state(inputs.shape[0])
        step = self.split_step(inputs.shape[0], inputs.shape[-1], training)
        return step.recur(step.project(inputs), list(states))

    def compute_output_shape(self, input_shape: Any, states_shape: Any = None) -> Any:
        batch = input_shape[0]
        shapes = [[(batch, s) for s in flat_sizes(c.state_size)] if hasattr(
            c, "get_initial_state") or isinstance(c.state_size, (list, tuple))
            else (batch, int(c.state_size)) for c in self.cells]
        return (batch, self.output_size), shapes

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["cells"] = [_nested.serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "StackedRNNCells":
        config = dict(config)
        cells = [_nested.deserialize(c, what="cell") for c in config.pop("cells")]
        return cls(cells, **config)

