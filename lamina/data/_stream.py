"""Batches that come from Python: generators, iterables, `keras.utils.Sequence`-like objects.

Each batch is `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)` and is adapted
like arrays are (`adapt_xy`). `tf.data.Dataset`s and PyTorch `DataLoader`s are
such iterables (found by duck typing; neither library is imported). Re-iterable sources (lists of batches, objects
with `__len__` and `__getitem__`, objects whose `__iter__` returns a fresh
iterator) start again each epoch; a one-shot generator continues where it
stopped, as in Keras.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

from lamina.data import _convert as convert
from lamina.data._adapt import Arrays, adapt_xy


def unpack_xy(data: Any) -> tuple[Any, Any, Any]:
    """Splits a batch into `(x, y, sample_weight)`, as `keras.utils.unpack_x_y_sample_weight`.

    Args:
        data: `x`, or a tuple/list `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

    Returns:
        `(x, y, sample_weight)` with None for the missing parts.

    Raises:
        ValueError: for a tuple of more than 3 items.

    Example:
        >>> unpack_xy((1, 2))
        (1, 2, None)
        >>> unpack_xy("features")
        ('features', None, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "A batch must be x, (x,), (x, y) or (x, y, sample_weight), but received a "
        f"{type(data).__name__} of {len(data)} items. For several inputs, group them "
        "as ((x1, x2), y) or ({'a': x1, 'b': x2}, y)."
    )


def is_stream(x: Any) -> bool:
    """Whether `x` yields batches (rather than being the data itself).

    Args:
        x: what the user passed as `x`.

    Returns:
        True for generators, iterators, objects with `__len__` and `__getitem__`
        (a `keras.utils.Sequence`), and other iterables that are not arrays,
        lists, tuples, dicts, strings, DataFrames or sparse matrices.

    Example:
        >>> import numpy as np
        >>> is_stream(b for b in []), is_stream(np.zeros(3)), is_stream([[1.0]])
        (True, False, False)
    """
    if x is None or isinstance(x, (list, tuple, dict, str, bytes, set, frozenset)):
        return False
    if convert.is_array(x) or hasattr(x, "__array__"):
        return False
    if isinstance(x, Iterator):
        return True
    if hasattr(x, "__len__") and hasattr(x, "__getitem__"):
        return True
    return hasattr(x, "__iter__")


class BatchStream:
    """Adapted batches `Arrays` from a generator, iterable or Sequence-like object.

    Attributes:
        ran_out: True when the last pass ended before `steps` batches (or gave no
            batch at all); the caller then warns "Your input ran out of data".

    Example:
        >>> import numpy as np
        >>> batches = [(np.ones((2, 3)), np.array([0, 1]))] * 3
        >>> stream = BatchStream(batches, steps=2)
        >>> stream.peek().x.shape, stream.steps
        ((2, 3), 2)
        >>> [b.y.dtype.name for b in stream]
        ['int32', 'int32']
    """

    def __init__(self, source: Any, steps: Optional[int] = None) -> None:
        """Wraps a source of batches.

        Args:
            source: a generator or iterator, an object with `__len__` and
                `__getitem__` returning batches, or any iterable of batches.
            steps: how many batches make an epoch; None means until the source
                ends (or `len(source)` batches).

        Raises:
            TypeError: if `source` yields no batches or `steps` is not an integer.
            ValueError: if `steps` is not positive.
        """
        if not (is_stream(source) or isinstance(source, (list, tuple))):
            raise TypeError(
                "BatchStream needs a generator, an iterable of (x, y) batches or a "
                f"Sequence-like object, but received {type(source).__name__}. Pass "
                "arrays through adapt_xy instead."
            )
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int)):
            raise TypeError(f"steps must be a positive integer or None, but received {steps!r}.")
        if steps is not None and steps < 1:
            raise ValueError(f"steps must be a positive integer or None, but received {steps}.")
        self._source = source
        self._steps = steps
        # A Sequence that is also an iterator (the iterators of ImageDataGenerator, which
        # go round forever under next()) is read by index, as tf.keras reads a Sequence.
        self._indexed = (
            not isinstance(source, (list, tuple))
            and hasattr(source, "__len__")
            and hasattr(source, "__getitem__")
        )
        self._one_shot = isinstance(source, Iterator) and not self._indexed
        self._pending: Optional[tuple[Optional[Iterator], Arrays]] = None
        self.ran_out = False

    @property
    def steps(self) -> Optional[int]:
        """Batches per epoch: `steps`, else `len(source)`, else None (unknown)."""
        if self._steps is not None:
            return self._steps
        try:
            return len(self._source) if hasattr(self._source, "__len__") else None
        except TypeError:  # a tf.data.Dataset of unknown or infinite length
            return None

    def peek(self) -> Arrays:
        """Returns the first batch without consuming it (to build the model).

        Returns:
            The adapted first batch; the next pass over the stream yields it again.

        Raises:
            ValueError: if the source has no batch.
        """
        if self._pending is not None:
            return self._pending[1]
        if self._indexed:
            if len(self._source) == 0:
                raise ValueError(self._empty_message())
            self._pending = (None, self._adapt(self._source[0], 0))
        else:
            iterator = self._new_iterator()
            try:
                item = next(iterator)
            except StopIteration:
                raise ValueError(self._empty_message()) from None
            self._pending = (iterator, self._adapt(item, 0))
        return self._pending[1]

    def __iter__(self) -> Iterator[Arrays]:
        """Yields the adapted batches of one epoch."""
        return self._indexed_epoch() if self._indexed else self._iterated_epoch()

    def _indexed_epoch(self) -> Iterator[Arrays]:
        self.ran_out = False
        available = len(self._source)
        limit = self.steps
        count = 0
        while count < limit:
            if count >= available:
                self.ran_out = True
                break
            if count == 0 and self._pending is not None:
                batch, self._pending = self._pending[1], None
            else:
                batch = self._adapt(self._source[count], count)
            yield batch
            count += 1
        self.ran_out = self.ran_out or count == 0
        on_epoch_end = getattr(self._source, "on_epoch_end", None)
        if callable(on_epoch_end):
            on_epoch_end()

    def _iterated_epoch(self) -> Iterator[Arrays]:
        self.ran_out = False
        limit = self._steps
        count = 0
        if self._pending is not None:
            (iterator, first), self._pending = self._pending, None
            yield first
            count = 1
        else:
            iterator = self._new_iterator()
        while limit is None or count < limit:
            try:
                item = next(iterator)
            except StopIteration:
                self.ran_out = limit is not None or count == 0
                return
            yield self._adapt(item, count)
            count += 1

    def _new_iterator(self) -> Iterator:
        if self._one_shot:
            return self._source
        # A tf.data.Dataset gives NumPy batches directly (found by duck typing: neither
        # TensorFlow nor PyTorch is imported here; a torch DataLoader iterates tensors
        # that convert through __array__).
        numpy_iterator = getattr(self._source, "as_numpy_iterator", None)
        return numpy_iterator() if callable(numpy_iterator) else iter(self._source)

    def _adapt(self, item: Any, index: int) -> Arrays:
        try:
            return adapt_xy(*unpack_xy(item))
        except (TypeError, ValueError) as error:
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(f"In batch {index} of the data stream: {error}") from None

    def _empty_message(self) -> str:
        return (
            f"The data stream ({type(self._source).__name__}) yielded no batches. "
            "Check that the generator is not already exhausted (a generator runs once; "
            "create a new one or loop forever inside it and pass steps_per_epoch)."
        )
