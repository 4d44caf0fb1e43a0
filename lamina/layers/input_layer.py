"""`Input` and `InputLayer`: the declared shape of a model's inputs."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from lamina import registry
from lamina.backend._graph import Node
from lamina.backend._naming import unique_name
from lamina.backend.keras_tensor import KerasTensor
from lamina.layers.layer import Layer


def _check_shape(shape: Any, what: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        if isinstance(shape, (str, bytes)):
            raise TypeError
        shape = tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a tuple of ints (one sample's shape, without the "
                        f"batch), but received {shape!r}. For 11 features pass "
                        "shape=(11,).") from None
    if any(d is not None and d <= 0 for d in shape):
        raise ValueError(f"{what} must have positive dimensions, but received {shape}.")
    return shape


@registry.register_serializable("lamina.layers")
class InputLayer(Layer):
    """The first layer of a model: declares the shape of one sample.

    Args:
        shape: one sample's shape, e.g. `(11,)` for 11 features.
        batch_size: an optional fixed batch size.
        dtype: the input dtype (float32).
        sparse: whether the data is sparse (Keras 3); Lamina densifies sparse data
            (scipy.sparse matrices) on the way in, so it only marks the tensor.
        batch_shape: the shape with the batch (Keras 3's name for
            `batch_input_shape`).
        name: the layer's name.
    """

    def __init__(self, shape: Sequence[int] | None = None, batch_size: int | None = None,
                 dtype: Any = None, sparse: bool | None = None,
                 batch_shape: Sequence[int | None] | None = None, name: str | None = None, *,
                 batch_input_shape: Sequence[int] | None = None, **kwargs: Any):
        if kwargs.get("input_shape") is not None and shape is None:
            shape = kwargs.pop("input_shape")
        kwargs.pop("input_shape", None)
        _refuse(kwargs)
        batch_input_shape = batch_shape if batch_input_shape is None else batch_input_shape
        if batch_input_shape is not None:
            batch_size, shape = batch_input_shape[0], batch_input_shape[1:]
        if shape is None:
            raise ValueError("InputLayer needs shape=(...): the shape of one sample, "
                             "without the batch dimension.")
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        self.sample_shape = _check_shape(shape, "Input shape")
        self.batch_size = batch_size
        self._batch_input_shape = (batch_size,) + self.sample_shape
        self.sparse = bool(sparse)
        self._tensor = KerasTensor(self._batch_input_shape, self.dtype, self.name, (self, 0, 0),
                                   sparse=self.sparse)
        Node(self, None, (), {}, None, self._tensor, is_input=True)
        self.built = True
        self._input_shape = self._output_shape = self._batch_input_shape

    @property
    def output(self) -> KerasTensor:
        """The symbolic tensor this input layer provides."""
        return self._tensor

    @property
    def input(self) -> KerasTensor:
        return self._tensor

    @property
    def batch_shape(self) -> tuple:
        """The shape with the batch (`None` unless fixed), Keras 3's attribute."""
        return self._batch_input_shape

    def get_config(self) -> dict[str, Any]:
        config = {"name": self.name, "dtype": self.dtype,
                  "batch_input_shape": list(self._batch_input_shape)}
        if self.sparse:
            config["sparse"] = True
        return config


def _refuse(kwargs: dict[str, Any]) -> None:
    """Keras 3 Input arguments Lamina has no use for, at their defaults only."""
    for key, default in (("ragged", None), ("tensor", None), ("optional", False)):
        value = kwargs.pop(key, default)
        if value not in (default, False):
            raise ValueError(f"keras.Input({key}={value!r}) is not supported by Lamina: its "
                             "tensors are dense and its inputs given. Pad ragged data to one "
                             "length (keras.utils.pad_sequences) and pass arrays.")


def Input(shape: Sequence[int] | None = None, batch_size: int | None = None,
          dtype: Any = None, sparse: bool | None = None,
          batch_shape: Sequence[int | None] | None = None, name: str | None = None,
          **kwargs: Any) -> KerasTensor:
    """A symbolic input of one sample's `shape`, as `keras.Input` (Keras 3's `sparse=`
    and `batch_shape=` too).

    Example:
        >>> from lamina import layers
        >>> layers.Input(shape=(11,)).shape, layers.Input(batch_shape=(8, 3)).shape
        ((None, 11), (8, 3))
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                      batch_shape=batch_shape, name=name, **kwargs).output
