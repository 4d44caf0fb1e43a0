"""`CellLayer`: an RNN that makes its own cell from its arguments (SimpleRNN, LSTM, GRU).

As in Keras, `LSTM(32, dropout=0.2)` holds an `LSTMCell` built from the same
arguments, exposes the cell's attributes (`layer.units`, `layer.activation`, ...)
and writes one flat config of the cell's and the RNN's arguments. The cell is named
after the layer (`lstm/lstm_cell`), so the weights' paths are Keras's
(`lstm/lstm_cell/kernel`) and stay the same when a model file is loaded.
"""
from __future__ import annotations

from typing import Any

from lamina.backend._naming import to_snake_case, unique_name
from lamina.layers.rnn.rnn import RNN

_RNN_FIELDS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
               "zero_output_for_mask")
_LAYER_ONLY = ("name", "trainable", "dtype", "batch_input_shape", "activity_regularizer")


class CellLayer(RNN):
    """Subclasses set `cell_class` and list the cell's arguments in `cell_fields`."""

    cell_class: type
    cell_fields: tuple[str, ...] = ()

    def __init__(self, cell_kwargs: dict[str, Any], *, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs: Any):
        kwargs.pop("implementation", None)  # tf.keras 2's kernel choice; one kernel here
        kwargs.pop("use_cudnn", None)
        name = kwargs.pop("name", None) or unique_name(to_snake_case(type(self).__name__))
        cell = self.cell_class(**cell_kwargs, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True),
                               name=f"{name}/{to_snake_case(self.cell_class.__name__)}")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, name=name, **kwargs)

    def _init_from(self, arguments: dict[str, Any]) -> None:
        """`__init__` from a subclass's `locals()`: its `cell_fields` make the cell,
        the other arguments and `**kwargs` go to the RNN."""
        arguments = {k: v for k, v in arguments.items() if k not in ("self", "__class__")}
        kwargs = arguments.pop("kwargs", {})
        cell = {field: arguments.pop(field) for field in self.cell_fields}
        CellLayer.__init__(self, cell, **arguments, **kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for field in cls.cell_fields:
            if field not in cls.__dict__:
                setattr(cls, field, property(lambda self, f=field: getattr(self.cell, f)))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("cell")
        cell_config = self.cell.get_config()
        for key in _LAYER_ONLY:
            cell_config.pop(key, None)
        config.update(cell_config)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "CellLayer":
        return cls(**config)
