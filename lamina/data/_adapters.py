"""One interface for every kind of input: a `DataAdapter` yields an epoch as `Piece`s.

A piece is what one call of a compiled epoch program takes: data on the device,
the order of its rows, which batches to run and how the epoch is cut. Arrays go
to the device once and every epoch is one piece (or a few chunks of it, while a
progress bar is live); a stream of batches from Python (a generator, a
`Sequence`) is stacked on the host a chunk of batches at a time. The trainer
drives `adapter.pieces(epoch, sizes)` and never asks which kind it has.

Example:
    >>> import numpy as np
    >>> adapter = ArrayAdapter(adapt_xy(np.zeros((10, 2)), np.zeros(10)), batch_size=4)
    >>> [(p.start, p.stop, p.plan.rows, p.plan.remainder)
    ...  for p in adapter.pieces(0, lambda done, total: total, seed=0)]
    [(0, 3, 10, 2)]
"""
from __future__ import annotations

import abc
import warnings
from typing import Any, Callable, Iterator, NamedTuple, Optional

import jax
import numpy as np

from lamina.core.batching import EpochPlan, epoch_permutation, plan_epoch, plan_padded
from lamina.data._adapt import Arrays, adapt_xy
from lamina.data._class_weight import class_weight_to_sample_weight
from lamina.data._split import split_validation
from lamina.data._stream import BatchStream, is_stream, unpack_xy
from lamina.data._tree import map_leaves, num_rows

# Batches of a stream stacked into one call of the epoch program.
STREAM_CHUNK = 16

Sizes = Callable[[int, Optional[int]], int]


class Piece(NamedTuple):
    """A run of batches for one call of a compiled program.

    Attributes:
        data: `(x, y, sample_weight)` on the device.
        order: the epoch's row order (int32, on the device), or None for the rows
            as they are.
        start: the first batch to run (an index into this piece's data).
        stop: one past the last batch to run.
        plan: how the data is cut: `steps` full batches of `batch_size` rows and a
            last batch of `remainder` rows (static: part of the compiled program).
        first: the index of the piece's first batch within the epoch.
    """

    data: Any
    order: Any
    start: int
    stop: int
    plan: EpochPlan
    first: int

    @property
    def batches(self) -> int:
        return self.stop - self.start


def split_pieces(data: Any, order: Any, batches: int, plan: EpochPlan, first: int,
                 total: int, sizes: Sizes) -> Iterator[Piece]:
    """The `batches` batches of `data` as pieces of the sizes `sizes(done, total)`
    chooses; `first` is the index of the first batch within the epoch of `total`."""
    done = 0
    while done < batches:
        k = max(1, min(int(sizes(first + done, total)), batches - done))
        yield Piece(data, order, done, done + k, plan, first + done)
        done += k


def expand_1d(arrays: Arrays) -> Arrays:
    """A 1-D input becomes one feature column, as tf.keras does (`fit(xs, ys)` with
    `xs` of shape `(n,)` and `Dense(1, input_shape=[1])`).

    Example:
        >>> expand_1d(Arrays(np.zeros(3))).x.shape
        (3, 1)
    """
    return arrays._replace(x=map_leaves(lambda a: a[:, None] if a.ndim == 1 else a, arrays.x))


class DataAdapter(abc.ABC):
    """The epochs of one data source, as pieces for the compiled programs."""

    #: Set when a stream ran out of batches before an epoch was complete.
    ran_out: bool = False

    @property
    @abc.abstractmethod
    def steps(self) -> int | None:
        """Batches per epoch, or None when unknown (a stream without a length)."""

    @abc.abstractmethod
    def peek(self) -> Arrays:
        """Host arrays of the data (a first batch, for a stream), to build the model."""

    @abc.abstractmethod
    def pieces(self, epoch: int, sizes: Sizes, *, seed: int = 0) -> Iterator[Piece]:
        """The pieces of one epoch; `sizes(done, total)` says how many batches the next
        piece may hold (the progress bar and batch callbacks decide); `seed` is the
        run's shuffle seed (the order of epoch `e` depends only on it and `e`)."""


class ArrayAdapter(DataAdapter):
    """Arrays on the device, once; each epoch in a fresh shuffled order.

    Args:
        arrays: adapted host data.
        batch_size: rows per batch.
        steps: an optional cap on batches per epoch (`steps_per_epoch`).
        shuffle: whether each epoch takes the rows in a new order.
        masked: run the last batch at full size with its padding masked out, so
            that data of any length reuses one compiled program per bucket; only for
            models whose rows do not interact (the trainer decides). Without it the
            last batch keeps its exact size (one program per bucket and last size).

    Without `steps`, the rows are padded (with copies of real rows, never read as
    such) to one of a few bucket sizes (`lamina.core.batching.plan_padded`), so the
    compiled programs do not depend on the exact number of rows.
    """

    def __init__(self, arrays: Arrays, batch_size: int, steps: int | None = None,
                 shuffle: bool = False, masked: bool = False):
        self.arrays = arrays
        self.rows = num_rows(arrays.x)
        self.plan = plan_epoch(self.rows, batch_size, steps)
        if steps is not None and steps > self.plan.total_steps:
            warnings.warn(f"steps_per_epoch={steps} is more than the {self.plan.total_steps} "
                          f"batches of size {batch_size} in x ({self.rows} rows); each epoch "
                          f"runs {self.plan.total_steps} batches.", stacklevel=4)
        self.shuffle = bool(shuffle)
        self.padded_rows = self.rows
        data = tuple(arrays)
        if steps is None:
            self.plan, self.padded_rows = plan_padded(self.rows, batch_size, masked)
            cycle = np.arange(self.padded_rows) % self.rows
            data = map_leaves(lambda a: a if len(a) == self.padded_rows else a[cycle], data)
        self.data = jax.device_put(data)

    @property
    def steps(self) -> int:
        return self.plan.total_steps

    def peek(self) -> Arrays:
        return self.arrays

    def pieces(self, epoch: int, sizes: Sizes, *, seed: int = 0) -> Iterator[Piece]:
        order = None
        if self.shuffle:
            order = epoch_permutation(seed, epoch, self.rows)
            if self.padded_rows != self.rows:  # padding rows are never kept: any real row
                order = np.resize(order, self.padded_rows)
            order = jax.device_put(order)
        total = self.plan.total_steps
        yield from split_pieces(self.data, order, total, self.plan, 0, total, sizes)


def _signature(batch: Arrays) -> tuple:
    leaves, treedef = jax.tree.flatten(tuple(batch))
    return treedef, tuple((a.shape, a.dtype) for a in leaves)


def _stack_padded(arrays: tuple, chunk: int) -> np.ndarray:
    """The batches one after another, padded with zero rows to `chunk` batches (the
    rows past the last batch are never read)."""
    out = np.concatenate(arrays)
    missing = (chunk - len(arrays)) * arrays[0].shape[0]
    if missing:
        out = np.concatenate([out, np.zeros((missing,) + out.shape[1:], out.dtype)])
    return out


class StreamAdapter(DataAdapter):
    """Batches from Python, stacked on the host `STREAM_CHUNK` at a time.

    Consecutive batches of the same shapes run as one call of the epoch program
    (while the device works on a chunk, the next one is being gathered); a lone
    batch (the last, smaller one) runs as its own step.

    Args:
        stream: the batches.
        class_weight: optional `{class: weight}` applied to each batch's targets.
    """

    def __init__(self, stream: BatchStream, class_weight: dict | None = None):
        self.stream = stream
        self.class_weight = class_weight

    @property
    def steps(self) -> int | None:
        return self.stream.steps

    @property
    def ran_out(self) -> bool:  # type: ignore[override]
        return self.stream.ran_out

    def peek(self) -> Arrays:
        return expand_1d(self.stream.peek())

    def _batch(self, batch: Arrays) -> Arrays:
        batch = expand_1d(batch)
        if self.class_weight is not None:
            batch = batch._replace(sample_weight=class_weight_to_sample_weight(
                batch.y, self.class_weight, batch.sample_weight))
        return batch

    def _piece(self, batches: list[Arrays], first: int) -> Piece:
        if len(batches) == 1:
            size = num_rows(batches[0].x)
            return Piece(jax.device_put(tuple(batches[0])), None, 0, 1,
                         EpochPlan(0, size, size), first)
        size = num_rows(batches[0].x)
        stacked = jax.tree.map(lambda *a: _stack_padded(a, STREAM_CHUNK), *batches)
        return Piece(jax.device_put(tuple(stacked)), None, 0, len(batches),
                     EpochPlan(STREAM_CHUNK, size, 0), first)

    def pieces(self, epoch: int, sizes: Sizes, *, seed: int = 0) -> Iterator[Piece]:
        done, want = 0, 1
        pending: list[Arrays] = []
        for raw in self.stream:
            batch = self._batch(raw)
            if pending and (len(pending) >= want or
                            _signature(batch) != _signature(pending[0])):
                yield self._piece(pending, done)
                done += len(pending)
                pending = []
            if not pending:
                # A source of unknown length (a tf.data.Dataset after filter()) runs
                # until it ends, a chunk at a time.
                steps = self.steps if self.steps is not None else done + STREAM_CHUNK
                want = max(1, min(int(sizes(done, steps)), STREAM_CHUNK))
            pending.append(batch)
        if pending:
            yield self._piece(pending, done)


def batch_arrays(x: Any, y: Any = None, sample_weight: Any = None,
                 class_weight: dict | None = None) -> Arrays:
    """One batch as validated host arrays (`train_on_batch`, `test_on_batch`).

    Example:
        >>> batch_arrays(np.zeros(4), [0, 1, 1, 0], class_weight={0: 1.0, 1: 2.0}).sample_weight
        array([1., 2., 2., 1.], dtype=float32)
    """
    arrays = expand_1d(adapt_xy(x, y, sample_weight))
    if class_weight is not None:
        arrays = arrays._replace(sample_weight=class_weight_to_sample_weight(
            arrays.y, class_weight, arrays.sample_weight))
    return arrays


def adapter_for(x: Any, y: Any = None, sample_weight: Any = None, *, batch_size: int,
                steps: int | None = None, shuffle: bool = False,
                class_weight: dict | None = None, prefix: str = "",
                masked: bool = False) -> DataAdapter:
    """The adapter for what `fit`, `evaluate` or `validation_data` received (`masked`:
    see `ArrayAdapter`).

    Raises:
        ValueError: for a stream given with separate targets, or invalid data.
    """
    if getattr(x, "_streams_pieces", False):  # a FileDataset: chunks straight to pieces
        if y is not None or sample_weight is not None:
            raise ValueError(f"{prefix or 'fit() '}received a file data set as x and also "
                             "y or sample_weight. Name the target column with "
                             "file_dataset(..., label=...) and pass y=None.")
        if steps is not None:
            raise ValueError(f"{prefix or 'fit() '}received a file data set with a number "
                             f"of steps ({steps}); an epoch of a file data set is all its "
                             f"rows ({len(x)} batches). Leave the steps out, or pass fewer "
                             "files.")
        return x.adapter(class_weight, masked=masked)
    if is_stream(x):
        if y is not None or sample_weight is not None:
            raise ValueError(f"{prefix or 'fit() '}received batches (a generator or "
                             "Sequence) as x and also y or sample_weight. The batches carry "
                             "their own targets and weights: pass y=None.")
        return StreamAdapter(BatchStream(x, steps), class_weight)
    if prefix:
        arrays = expand_1d(adapt_xy(x, y, sample_weight, prefix=prefix))
    else:
        arrays = batch_arrays(x, y, sample_weight, class_weight)
    return ArrayAdapter(arrays, batch_size, steps, shuffle, masked)


def fit_adapters(x: Any, y: Any, sample_weight: Any, *, batch_size: int,
                 steps_per_epoch: int | None, shuffle: bool, class_weight: dict | None, validation_split: float,
                 validation_data: Any, validation_batch_size: int,
                 validation_steps: int | None, masked: bool = False,
                 masked_validation: bool = False
                 ) -> tuple[DataAdapter, DataAdapter | None]:
    """The training and validation adapters of `fit`.

    `validation_split` takes the last fraction of the rows, as Keras documents,
    before class weights are applied: validation losses are never class-weighted.
    `masked` and `masked_validation`: see `ArrayAdapter`.

    Raises:
        ValueError: `validation_split` with a stream, or invalid data.
    """
    val: DataAdapter | None = None
    if validation_data is not None:
        if is_stream(validation_data):
            val = adapter_for(validation_data, batch_size=validation_batch_size,
                              steps=validation_steps, masked=masked_validation)
        else:
            val = adapter_for(*unpack_xy(validation_data), batch_size=validation_batch_size,
                              steps=validation_steps, prefix="validation_data ",
                              masked=masked_validation)
    if is_stream(x) or not validation_split or validation_data is not None:
        if validation_split and is_stream(x) and validation_data is None:
            raise ValueError("validation_split needs arrays it can cut, but x is a stream of "
                             "batches (a generator or Sequence). Pass validation_data=... "
                             "instead.")
        return adapter_for(x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch,
                           shuffle=shuffle, class_weight=class_weight, masked=masked), val
    train, held = split_validation(expand_1d(adapt_xy(x, y, sample_weight)), validation_split)
    if class_weight is not None:
        train = train._replace(sample_weight=class_weight_to_sample_weight(
            train.y, class_weight, train.sample_weight))
    return (ArrayAdapter(train, batch_size, steps_per_epoch, shuffle, masked),
            ArrayAdapter(held, validation_batch_size, validation_steps,
                         masked=masked_validation))
