"""`Bidirectional`: an RNN run forwards and a copy run backwards, outputs merged."""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers import _nested
from lamina.layers.layer import Layer
from lamina.layers.rnn._cell import states_list

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed(layer: Any, prefix: str, **changes: Any) -> Any:
    """A fresh copy of `layer` from its config, named `prefix + its name`."""
    config = _nested.serialize(layer)
    name = layer.name
    for other in ("forward_", "backward_"):
        if name.startswith(other):
            name = name[len(other):]
    config["config"].update(name=prefix + name, **changes)
    return _nested.deserialize(config)


@registry.register_serializable("lamina.layers")
class Bidirectional(Layer):
    """Runs a recurrent layer over the sequence in both directions, as
    `keras.layers.Bidirectional`.

    The forward layer is a fresh copy of `layer` (named `forward_<name>`); the
    backward one a copy with `go_backwards` flipped (`backward_<name>`) unless
    `backward_layer` is given. With `return_sequences`, the backward outputs are put
    back in time order before merging, and masked steps output zeros.

    Args:
        layer: an `RNN` (`LSTM`, `GRU`, `SimpleRNN`, `RNN(cell)`).
        merge_mode: how the two outputs combine: "concat" (default), "sum", "mul",
            "ave", or None for a list of both.
        weights: optional initial weights (forward layer's, then backward's).
        backward_layer: an `RNN` with `go_backwards=True` to use as the backward layer.

    Call arguments:
        initial_state: the forward layer's states followed by the backward layer's.

    Example:
        >>> import numpy as np
        >>> from lamina.layers import LSTM
        >>> layer = Bidirectional(LSTM(3, return_sequences=True))
        >>> layer(np.ones((2, 5, 4))).shape, layer.forward_layer.name[:8]
        ((2, 5, 6), 'forward_')
    """

    def __init__(self, layer: Any, merge_mode: str | None = "concat",
                 weights: Sequence[Any] | None = None, backward_layer: Any = None,
                 **kwargs: Any):
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional needs a recurrent layer (LSTM, GRU, SimpleRNN or "
                             f"RNN(cell)), but received {layer!r}. For example: "
                             "Bidirectional(LSTM(32)).")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional received merge_mode={merge_mode!r}; use one of "
                             f"{list(MERGE_MODES)}.")
        super().__init__(**kwargs)
        if self._batch_input_shape is None:  # `Bidirectional(LSTM(8, input_shape=(5, 3)))`
            self._batch_input_shape = layer._batch_input_shape
        self.forward_layer = _renamed(layer, "forward_")
        if backward_layer is None:
            self.backward_layer = _renamed(layer, "backward_",
                                           go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        self._check_pair()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = self.forward_layer.stateful
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.supports_masking = True
        self._initial_weights = None if weights is None else list(weights)

    def _check_pair(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if getattr(bwd, "go_backwards", None) == fwd.go_backwards:
            raise ValueError(f"Bidirectional needs a backward layer that runs the other way: "
                             f"the forward layer has go_backwards={fwd.go_backwards} and "
                             f"backward_layer '{bwd.name}' too. Create backward_layer with "
                             f"go_backwards={not fwd.go_backwards}.")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr, None):
                raise ValueError(f"Bidirectional needs the same `{attr}` in both directions, "
                                 f"but the forward layer has {getattr(fwd, attr)} and "
                                 f"backward_layer '{bwd.name}' has {getattr(bwd, attr, None)}.")

    def build(self, sequences_shape: Any, initial_state_shape: Any = None) -> None:
        spec = jax.ShapeDtypeStruct(tuple(sequences_shape), jnp.float32)
        for sub in (self.forward_layer, self.backward_layer):
            sub._maybe_build(spec)
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)
        self.built = True

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool = False) -> Any:
        forward_state = backward_state = None
        if initial_state is not None:
            states = states_list(initial_state)
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        merged = self._merge(y, y_rev)
        if self.return_state:
            return (*merged, *states) if self.merge_mode is None else (merged, *states)
        return merged

    def _merge(self, y: Any, y_rev: Any) -> Any:
        if self.merge_mode == "concat":
            return jnp.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        return [y, y_rev]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        output = mask if self.return_sequences else None
        outputs = [output, output] if self.merge_mode is None else [output]
        if self.return_state:
            count = len(self.forward_layer.state_size) if hasattr(
                self.forward_layer, "state_size") else 0
            outputs += [None] * (2 * count)
        return outputs if len(outputs) > 1 else outputs[0]

    def reset_states(self, states: Any = None) -> None:
        """Reset both directions' states (stateful layers)."""
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(layer=_nested.serialize(self.forward_layer), merge_mode=self.merge_mode,
                      backward_layer=_nested.serialize(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Bidirectional":
        config = dict(config)
        layer = _nested.deserialize(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = _nested.deserialize(backward)
        return cls(layer, backward_layer=backward, **config)
