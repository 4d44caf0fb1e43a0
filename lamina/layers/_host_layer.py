"""`HostLayer`: the base of preprocessing layers that run on the host, in NumPy.

Strings cannot enter a compiled XLA program, and vocabularies and hashes of text
are host work. A host layer (`TextVectorization`, `StringLookup`, `IntegerLookup`,
`Hashing`) computes its outputs in `host_call` on NumPy data. Called eagerly on
data it runs `host_call`; inside a model it must take a model input directly: the
model runs it on the host before its compiled program (see
`lamina/models/_host_inputs.py`), and inside the program the layer receives what
`host_call` made and passes it on. Its symbolic outputs come from
`compute_output_shape` and `output_dtype`, never from tracing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend import KerasTensor
from lamina.backend._tree import none_batch
from lamina.layers.layer import Layer


def is_text(values: Any) -> bool:
    """Whether `values` (a NumPy array, a list, a string) holds strings or bytes.

    Example:
        >>> is_text(np.array(["a"])), is_text([b"x"]), is_text(np.zeros(2))
        (True, True, False)
    """
    if isinstance(values, (str, bytes)):
        return True
    if isinstance(values, (jax.Array, KerasTensor)):
        return False
    arr = values if isinstance(values, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError):
            return False
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind == "O" and arr.size:
        return isinstance(arr.reshape(-1)[0], (str, bytes))
    return False


def as_text(values: Any) -> np.ndarray:
    """Strings as a NumPy array of `str` (bytes decoded as UTF-8)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return values
    arr = np.asarray(values, dtype=object)
    if arr.dtype.kind == "O" and arr.size and any(isinstance(v, bytes) for v in arr.flat):
        arr = np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else v,
                           otypes=[object])(arr)
    return arr.astype(str) if arr.size else np.zeros(arr.shape, dtype=str)


class HostLayer(Layer, ABC):
    """A preprocessing layer that runs on the host, in NumPy (see the module)."""

    #: How many host layers this process made: models skip looking for them while 0.
    created: int = 0

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = False
        HostLayer.created += 1

    # -- what subclasses define -------------------------------------------------
    @abstractmethod
    def host_call(self, inputs: Any) -> np.ndarray:
        """The outputs for host data (NumPy arrays or lists), as NumPy."""

    @property
    @abstractmethod
    def output_dtype(self) -> str:
        """`"int32"`, `"float32"`, or `"string"` (an inverse lookup)."""

    @abstractmethod
    def compute_output_shape(self, input_shape: Any) -> tuple:
        """The output shape for an input shape (the host call is not traced)."""

    # -- the call -------------------------------------------------------------------
    def compute_output_spec(self, inputs: Any) -> KerasTensor:
        """The symbolic output for a symbolic input (used instead of tracing)."""
        if not isinstance(inputs, KerasTensor):
            raise TypeError(f"{type(self).__name__} '{self.name}' takes one input tensor, "
                            f"but received {type(inputs).__name__}.")
        shape = tuple(self.compute_output_shape(inputs.shape))
        self.built = True
        self._input_shape, self._output_shape = inputs.shape, shape
        return KerasTensor(shape, self.output_dtype)

    def _call_with_mask(self, inputs: Any, args: tuple, kwargs: dict, training: Any,
                        mask: Any) -> tuple[Any, Any]:
        if isinstance(inputs, jax.core.Tracer):
            # Inside a model's compiled program: the model ran `host_call` on the host.
            outputs = inputs.astype(self.output_dtype) if self.output_dtype != "string" \
                else inputs
        else:
            outputs = np.asarray(self.host_call(_host_value(inputs)))
            if outputs.dtype.kind in "iu":
                outputs = jnp.asarray(outputs.astype(np.int32))
            elif outputs.dtype.kind == "f":
                outputs = jnp.asarray(outputs.astype(np.float32))
        self.built = True
        if self._input_shape is None:
            self._input_shape = none_batch(tuple(np.shape(inputs)))
            self._output_shape = none_batch(tuple(np.shape(outputs)))
        return outputs, self._output_mask(inputs, outputs, mask)


def _host_value(inputs: Any) -> Any:
    if isinstance(inputs, jax.Array):
        return np.asarray(inputs)
    return inputs


def host_batches(data: Any, batch_size: int | None, steps: int | None) -> list[Any]:
    """`adapt`'s data as a list of host batches: an array (or list) is cut into
    batches of `batch_size` rows (all at once without one); an iterable of batches
    (a generator, a `Sequence`, a `TimeseriesDataset`) gives up to `steps` batches,
    the inputs of `(x, y)` pairs only."""
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    if isinstance(data, (str, bytes)):
        data = [data]
    if isinstance(data, (np.ndarray, list, tuple, jax.Array)):
        arr = np.asarray(data) if not isinstance(data, np.ndarray) else data
        if arr.ndim == 0:
            arr = arr[None]
        size = len(arr) if not batch_size else int(batch_size)
        return [arr[i:i + size] for i in range(0, len(arr), max(size, 1))]
    batches = []
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple):
            batch = batch[0]
        batches.append(np.asarray(batch) if not isinstance(batch, np.ndarray) else batch)
    return batches
