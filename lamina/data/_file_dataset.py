"""Data sets larger than memory, streamed into `fit`, `evaluate` and `predict`.

`file_dataset` (Parquet, CSV) and `array_dataset` (NumPy memmaps) read a chunk of
`chunk_batches` batches at a time on a background thread, shuffle rows through a
buffer, and hand each chunk to the same compiled epoch program as one `Piece`. While
the device trains on one chunk the next is being read and converted, so memory stays
bounded by a few chunks and the shuffle buffer, whatever the size of the files.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import jax
import numpy as np

from lamina.core.batching import EpochPlan
from lamina.data._adapt import Arrays
from lamina.data._adapters import DataAdapter, Piece, Sizes, split_pieces
from lamina.data._chunking import prefetch, stream_chunks
from lamina.data._class_weight import class_weight_to_sample_weight
from lamina.data._file_sources import ArraySource, FileSource
from lamina.data._shards import ShardedAdapter, ShardLayout, plan_shards


class FileDataset:
    """Batches streamed from files or memmapped arrays (see `file_dataset`).

    Pass it as `x` to `fit`, `evaluate` or `predict`, or as `validation_data`. Iterating
    over it gives `(x, y)` batches in file order (what `predict` reads).
    """

    _streams_pieces = True  # `adapter_for` takes its pieces from `adapter()`

    def __init__(self, source: Any, *, batch_size: int, shuffle: bool,
                 shuffle_buffer: int | None, seed: int | None, chunk_batches: int | None,
                 num_shards: int | None = None, shard_index: int | None = None):
        if isinstance(batch_size, bool) or int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer, but received "
                             f"{batch_size!r}.")
        self.source, self.batch_size = source, int(batch_size)
        self.chunk_batches = int(chunk_batches or max(1, (1 << 16) // self.batch_size))
        self.shuffle, self.seed = bool(shuffle), seed
        self.shuffle_buffer = int(shuffle_buffer or self.chunk_rows)
        if self.source.rows == 0:
            raise ValueError("The data set has no rows.")
        self.shards: ShardLayout | None = None
        if num_shards is not None or shard_index is not None or jax.process_count() > 1:
            self.shards = plan_shards(self.source.block_sizes, self.batch_size, num_shards,
                                      shard_index, process_count=jax.process_count(),
                                      process_index=jax.process_index(),
                                      device_count=jax.device_count())

    @property
    def chunk_rows(self) -> int:
        return self.chunk_batches * self.batch_size

    @property
    def rows(self) -> int:
        return self.source.rows

    def __len__(self) -> int:
        if self.shards is not None:
            return self.shards.steps
        return -(-self.rows // self.batch_size)

    def chunks(self, epoch: int, seed: int = 0) -> Iterator[tuple]:
        """The epoch's rows as `(x, y)` chunks of `chunk_rows` rows (the last shorter):
        blocks in a seeded order, rows shuffled through the buffer; read ahead on a
        background thread."""
        return prefetch(self._chunks(epoch, seed), depth=2)

    def _chunks(self, epoch: int, seed: int) -> Iterator[tuple]:
        run_seed = seed if self.seed is None else self.seed
        rng = np.random.default_rng([int(run_seed) & 0xFFFFFFFF, epoch])
        order = rng.permutation(self.source.num_blocks) if self.shuffle \
            else np.arange(self.source.num_blocks)
        return stream_chunks(self.source, order, rng if self.shuffle else None,
                             self.shuffle_buffer, self.chunk_rows)

    def __iter__(self) -> Iterator[tuple]:
        for x, y in prefetch(self._ordered_chunks(), depth=2):
            for lo in range(0, len(x), self.batch_size):
                part = x[lo:lo + self.batch_size]
                yield (part,) if y is None else (part, y[lo:lo + self.batch_size])

    def _ordered_chunks(self) -> Iterator[tuple]:
        saved, self.shuffle = self.shuffle, False
        try:
            yield from self._chunks(0, 0)
        finally:
            self.shuffle = saved

    def adapter(self, class_weight: dict | None = None,
                masked: bool = False) -> DataAdapter:
        """The data set's pieces for `fit` and `evaluate`; `masked`: whether the model
        may train on batches padded with masked rows (a sharded read may need them)."""
        if self.shards is not None:
            return ShardedAdapter(self, class_weight, masked)
        return FileAdapter(self, class_weight)


class FileAdapter(DataAdapter):
    """The pieces of a `FileDataset`: each chunk goes to the device as one piece of
    `chunk_batches` full batches (the last chunk padded, its extra batches never run)
    and its leftover rows as one smaller batch."""

    def __init__(self, dataset: FileDataset, class_weight: dict | None = None):
        self.dataset, self.class_weight = dataset, class_weight
        self.plan = EpochPlan(dataset.chunk_batches, dataset.batch_size, 0)
        self._peeked: Arrays | None = None

    @property
    def steps(self) -> int:
        return len(self.dataset)

    def peek(self) -> Arrays:
        if self._peeked is None:
            x, y = next(self.dataset.source.blocks([0]))
            self._peeked = Arrays(x[:2], None if y is None else _column(y[:2]))
        return self._peeked

    def _arrays(self, x: np.ndarray, y: Any) -> tuple:
        y = None if y is None else _column(y)
        sw = None
        if self.class_weight is not None and y is not None:
            sw = class_weight_to_sample_weight(y, self.class_weight, None)
        return x, y, sw

    def pieces(self, epoch: int, sizes: Sizes, *, seed: int = 0) -> Iterator[Piece]:
        bs, per_chunk = self.dataset.batch_size, self.dataset.chunk_batches
        total, first = self.steps, 0
        for x, y in self.dataset.chunks(epoch, seed):
            full, rem = divmod(len(x), bs)
            if full:
                x_full, y_full = x[:full * bs], None if y is None else y[:full * bs]
                if full < per_chunk:  # the last chunk: pad to the compiled shape
                    x_full, y_full = _pad(x_full, per_chunk * bs), _pad(y_full, per_chunk * bs)
                yield from split_pieces(jax.device_put(self._arrays(x_full, y_full)), None,
                                        full, self.plan, first, total, sizes)
                first += full
            if rem:
                last = jax.device_put(self._arrays(x[full * bs:],
                                                   None if y is None else y[full * bs:]))
                yield Piece(last, None, 0, 1, EpochPlan(0, rem, rem), first)
                first += 1


def _column(y: np.ndarray) -> np.ndarray:
    return y[:, None] if y.ndim == 1 else y


def _pad(a: Any, rows: int) -> Any:
    if a is None or len(a) == rows:
        return a
    return np.concatenate([a, np.zeros((rows - len(a),) + a.shape[1:], a.dtype)])


def file_dataset(paths: Any, label: str | None = None, *, batch_size: int = 32,
                 features: Sequence[str] | None = None, shuffle: bool = True,
                 shuffle_buffer: int | None = None, seed: int | None = None,
                 chunk_batches: int | None = None, format: str | None = None,
                 num_shards: int | None = None,
                 shard_index: int | None = None) -> FileDataset:
    """A data set streamed from Parquet or CSV files, for data larger than memory.

    Args:
        paths: a file, a glob pattern (`"higgs/*.parquet"`) or a list of them. Every
            file must have the columns of the first.
        label: the target column (None: inputs only, for `predict`).
        batch_size: rows per batch (the data set's own; `fit`'s is not used).
        features: the input columns, by default every column but the label.
        shuffle: shuffle each epoch: Parquet row groups and CSV files in a seeded
            order, and rows through a buffer of `shuffle_buffer` rows.
        shuffle_buffer: rows shuffled together (default: one chunk).
        seed: fixes the order of every epoch (default: the run's seed, which
            `keras.utils.set_random_seed` fixes).
        chunk_batches: batches read and sent to the device at a time (default: about
            65,536 rows' worth). Memory holds a few chunks, whatever the file size.
        format: `"parquet"` or `"csv"` (default: from the file names).
        num_shards: read the data set in this many shards of whole blocks (block `b`
            in shard `b % num_shards`), each giving `batch_size // num_shards` rows to
            every batch (default: `jax.process_count()`; with one process and no
            `shard_index`, the data set is read whole, as one stream). Each process
            of a multi-host run reads only its own shards (see docs/distribution.md).
        shard_index: read only this shard (default: the shards of this process,
            `jax.process_index()`'s share; all of them in a single process, which then
            trains on the same batches as the processes together).

    Returns:
        A `FileDataset` to pass to `fit`, `evaluate`, `predict` or as `validation_data`.

    Raises:
        ValueError: a file whose columns differ from the first file's (named), an
            unknown label or feature column, fewer blocks (row groups, CSV files) than
            shards, or a `batch_size` the shards cannot share evenly.

    Example:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "data.csv")
        >>> np.savetxt(path, np.arange(12.0).reshape(4, 3), delimiter=",",
        ...            header="a,b,y", comments="")
        >>> ds = file_dataset(path, label="y", batch_size=2, shuffle=False)
        >>> len(ds), [b[0].shape for b in ds], next(iter(ds))[1].tolist()
        (2, [(2, 2), (2, 2)], [2.0, 5.0])
    """
    return FileDataset(FileSource(paths, label, features, format), batch_size=batch_size,
                       shuffle=shuffle, shuffle_buffer=shuffle_buffer, seed=seed,
                       chunk_batches=chunk_batches, num_shards=num_shards,
                       shard_index=shard_index)


def array_dataset(x: Any, y: Any = None, *, batch_size: int = 32, shuffle: bool = True,
                  shuffle_buffer: int | None = None, seed: int | None = None,
                  chunk_batches: int | None = None, num_shards: int | None = None,
                  shard_index: int | None = None) -> FileDataset:
    """A data set streamed from arrays that stay on disk, such as NumPy memmaps
    (`np.load("x.npy", mmap_mode="r")`): only a chunk at a time is read into memory.

    Args: as `file_dataset`, with `x` and `y` the arrays (`y` optional). Shuffling
    takes blocks of 65,536 rows in a seeded order and rows through the buffer.

    Example:
        >>> import numpy as np
        >>> ds = array_dataset(np.zeros((10, 3)), np.ones(10), batch_size=4, shuffle=False)
        >>> len(ds), [b[0].shape[0] for b in ds]
        (3, [4, 4, 2])
    """
    return FileDataset(ArraySource(x, y), batch_size=batch_size, shuffle=shuffle,
                       shuffle_buffer=shuffle_buffer, seed=seed, chunk_batches=chunk_batches,
                       num_shards=num_shards, shard_index=shard_index)
