"""A file data set read in shards: in a run of several processes (hosts), each process
reads only its own share of the blocks, and its rows of every batch go straight to
its own devices.

How the rows are assigned:

- The blocks (Parquet row groups and CSV files, in file order; slices of memmapped
  arrays) are dealt to `num_shards` shards: block `b` belongs to shard
  `b % num_shards`. Every shard holds at least one block; the shards are disjoint, so
  over all shards an epoch reads every row exactly once.
- Each epoch a shard reads its blocks in a seeded order and shuffles its rows through
  its own buffer (the seed, the epoch and the shard index fix the order).
- `batch_size` is the global batch: every batch takes `batch_size // num_shards` rows
  from each shard, in shard order. An epoch has as many batches as the largest shard
  fills; a shard that runs out first, and a last batch that is not full, are filled
  with padding rows that a row mask leaves out of the loss, its gradient and the
  metrics (models whose rows interact, e.g. with BatchNormalization, cannot be padded:
  their shards must hold equal multiples of `batch_size // num_shards` rows).
- Process `p` of `n` reads shards `p * num_shards // n` up to the next process's
  first; by default `num_shards` is the number of processes, one shard each. A
  single process reads all the shards, so it trains on the same batches as the `n`
  processes together (what a multi-host run is checked against).

The batches of a chunk reach the epoch program stacked, `(batches, batch_size, ...)`,
and in several processes as one global `jax.Array` made with
`jax.make_array_from_process_local_data`, its rows split over all devices along the
second axis: each device takes its rows of each batch without moving any.
"""
from __future__ import annotations

from typing import Any, Iterator, NamedTuple, Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from lamina.core.batching import EpochPlan, Stacked
from lamina.data._adapt import Arrays
from lamina.data._adapters import DataAdapter, Piece, Sizes, split_pieces
from lamina.data._chunking import prefetch, stream_chunks
from lamina.data._class_weight import class_weight_to_sample_weight


class ShardLayout(NamedTuple):
    """Which shards this process reads and how an epoch of them is cut.

    Attributes:
        num_shards: the number of shards.
        mine: the shards this process reads.
        shard_rows: the rows of each shard.
        shard_batch: the rows each shard gives to every batch.
        steps: the batches of an epoch.
        padded: whether some batch holds padding rows.
    """

    num_shards: int
    mine: tuple
    shard_rows: tuple
    shard_batch: int
    steps: int
    padded: bool


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, but received {value!r}.")
    return int(value)


def plan_shards(block_sizes: Sequence[int], batch_size: int, num_shards: int | None,
                shard_index: int | None, *, process_count: int, process_index: int,
                device_count: int = 1) -> ShardLayout:
    """The shards of a data set whose blocks hold `block_sizes` rows (see the module
    docstring), for process `process_index` of `process_count`, whose batches are
    split over `device_count` devices in all when there are several processes.

    Raises:
        ValueError: a data set with fewer blocks than shards, a `batch_size` the
            shards cannot share evenly, or shard arguments that do not fit the
            number of processes.

    Example:
        >>> plan_shards([50, 50, 50, 40], 16, 2, None, process_count=2, process_index=1)
        ShardLayout(num_shards=2, mine=(1,), shard_rows=(100, 90), shard_batch=8, steps=13, padded=True)
    """
    shards = process_count if num_shards is None else _int("num_shards", num_shards)
    if shards < 1:
        raise ValueError("num_shards must be at least 1, but received 0.")
    if shard_index is not None:
        index = _int("shard_index", shard_index)
        if index >= shards:
            raise ValueError(f"shard_index={index} is not a shard of the {shards} shards; "
                             f"use 0 to {shards - 1}.")
        if process_count > 1 and shards != process_count:
            raise ValueError(f"With shard_index, each of the {process_count} processes reads "
                             f"one shard, so num_shards must be {process_count}, but received "
                             f"num_shards={shards}. Pass num_shards={process_count}, or leave "
                             "out both arguments to deal the shards to the processes.")
        mine: tuple = (index,)
    else:
        if shards % process_count:
            options = sorted({process_count, (shards // process_count + 1) * process_count})
            raise ValueError(f"num_shards={shards} cannot be dealt evenly to the "
                             f"{process_count} processes. Use a multiple of {process_count} "
                             f"(e.g. {options}), or leave num_shards out: one shard per "
                             "process.")
        per = shards // process_count
        mine = tuple(range(process_index * per, (process_index + 1) * per))
    if batch_size % shards:
        lower, upper = batch_size // shards * shards, (batch_size // shards + 1) * shards
        raise ValueError(f"batch_size={batch_size} is the global batch, to which each of the "
                         f"{shards} shards gives an equal number of rows. Use a multiple of "
                         f"{shards}: the nearest are {[s for s in (lower, upper) if s]}.")
    if process_count > 1 and batch_size % device_count:
        lower, upper = (batch_size // device_count * device_count,
                        (batch_size // device_count + 1) * device_count)
        raise ValueError(f"batch_size={batch_size} cannot be split evenly over the "
                         f"{device_count} devices of the {process_count} processes. Use a "
                         f"multiple of {device_count}: the nearest are "
                         f"{[s for s in (lower, upper) if s]}.")
    blocks = len(block_sizes)
    if blocks < shards:
        rows = int(sum(block_sizes))
        raise ValueError(
            f"The data set has {blocks} block(s) (Parquet row groups, CSV files) but is read "
            f"in {shards} shards, and every shard needs at least one block. Write the "
            f"{rows} rows in {shards} or more blocks: Parquet files with smaller row groups "
            f"(pyarrow.parquet.write_table(table, path, row_group_size={max(1, rows // shards)}"
            f")), or more CSV files.")
    shard_rows = tuple(int(sum(block_sizes[k::shards])) for k in range(shards))
    per_batch = batch_size // shards
    steps = -(-max(shard_rows) // per_batch)
    padded = any(rows != steps * per_batch for rows in shard_rows)
    return ShardLayout(shards, mine, shard_rows, per_batch, steps, padded)


def _fill(a: np.ndarray | None, rows: int, like: np.ndarray) -> np.ndarray:
    """`a` (None: no rows) padded with zero rows to `rows` rows."""
    if a is None:
        return np.zeros((rows,) + like.shape[1:], like.dtype)
    if len(a) == rows:
        return a
    return np.concatenate([a, np.zeros((rows - len(a),) + a.shape[1:], a.dtype)])


def _column(y: np.ndarray) -> np.ndarray:
    return y[:, None] if y.ndim == 1 else y


class ShardedAdapter(DataAdapter):
    """The pieces of a `FileDataset` read in shards (see the module docstring).

    Args:
        dataset: the `FileDataset` (its `shards` is a `ShardLayout`).
        class_weight: optional class weights.
        masked: whether the model may train on batches with masked padding rows.

    Raises:
        ValueError: when the shards need padding and the model cannot be padded.
    """

    def __init__(self, dataset: Any, class_weight: dict | None = None,
                 masked: bool = False):
        self.dataset, self.class_weight = dataset, class_weight
        self.layout: ShardLayout = dataset.shards
        self.plan = EpochPlan(dataset.chunk_batches, dataset.batch_size, 0)
        self._peeked: Arrays | None = None
        lay = self.layout
        if lay.padded and not masked:
            raise ValueError(
                f"The {lay.num_shards} shards of the data set hold {list(lay.shard_rows)} "
                f"rows; in batches of {dataset.batch_size} ({lay.shard_batch} rows from each "
                f"shard) an epoch of {lay.steps} batches needs padding rows, and this model "
                "cannot train on padded batches (its rows interact, as with "
                "BatchNormalization, or it has its own loss, metric or train_step). Write "
                f"the data so that every shard holds {lay.steps * lay.shard_batch} rows (or "
                f"another equal multiple of {lay.shard_batch}): for example row groups of a "
                f"size that divides it, in a number of row groups divisible by "
                f"{lay.num_shards}.")

    @property
    def steps(self) -> int:
        return self.layout.steps

    def peek(self) -> Arrays:
        if self._peeked is None:  # block k is the first block of shard k
            x, y = next(self.dataset.source.blocks([self.layout.mine[0]]))
            self._peeked = Arrays(x[:2], None if y is None else _column(y[:2]))
        return self._peeked

    def _shard_stream(self, shard: int, epoch: int, seed: int) -> Iterator[tuple]:
        ds, lay = self.dataset, self.layout
        blocks = np.arange(shard, ds.source.num_blocks, lay.num_shards)
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, epoch, shard])
        order = rng.permutation(blocks) if ds.shuffle else blocks
        return stream_chunks(ds.source, order, rng if ds.shuffle else None,
                             ds.shuffle_buffer, ds.chunk_batches * lay.shard_batch)

    def _host_chunks(self, epoch: int, seed: int) -> Iterator[tuple]:
        """`(data, batches)`: this process's rows of each chunk's batches, stacked
        `(chunk_batches, rows, ...)`, and how many of the batches are real."""
        ds, lay = self.dataset, self.layout
        per_chunk, per_batch = ds.chunk_batches, lay.shard_batch
        rows = per_chunk * per_batch
        like = self.peek()
        streams = [self._shard_stream(k, epoch, seed) for k in lay.mine]
        for first in range(0, lay.steps, per_chunk):
            xs, ys, keeps = [], [], []
            for stream in streams:
                x, y = next(stream, (None, None))
                real = 0 if x is None else len(x)
                xs.append(_fill(x, rows, like.x).reshape((per_chunk, per_batch)
                                                         + like.x.shape[1:]))
                if like.y is not None:
                    y = _fill(None if y is None else _column(y), rows, like.y)
                    ys.append(y.reshape((per_chunk, per_batch) + y.shape[1:]))
                keeps.append((np.arange(rows) < real).reshape(per_chunk, per_batch))
            x = np.concatenate(xs, axis=1)
            y = np.concatenate(ys, axis=1) if ys else None
            sw = None
            if self.class_weight is not None and y is not None:
                flat = y.reshape((-1,) + y.shape[2:])
                sw = class_weight_to_sample_weight(flat, self.class_weight, None)
                sw = np.asarray(sw).reshape(y.shape[:2] + np.shape(sw)[1:])
            data = (x, y, sw, np.concatenate(keeps, axis=1)) if lay.padded else (x, y, sw)
            yield data, min(per_chunk, lay.steps - first)

    def _place(self, data: tuple) -> Stacked:
        """The stacked host arrays on the devices: as they are in one process; in
        several, as global arrays with each process's rows on its own devices."""
        if jax.process_count() == 1:
            return Stacked(jax.device_put(data))
        mesh = Mesh(np.asarray(jax.devices()), ("batch",))
        batch = self.dataset.batch_size

        def put(a: np.ndarray) -> jax.Array:
            spec = PartitionSpec(None, "batch", *([None] * (a.ndim - 2)))
            return jax.make_array_from_process_local_data(
                NamedSharding(mesh, spec), a, (a.shape[0], batch) + a.shape[2:])

        return Stacked(jax.tree.map(put, data))

    def pieces(self, epoch: int, sizes: Sizes, *, seed: int = 0) -> Iterator[Piece]:
        run_seed = seed if self.dataset.seed is None else self.dataset.seed
        total, first = self.steps, 0
        for host, batches in prefetch(self._host_chunks(epoch, run_seed), depth=2):
            yield from split_pieces(self._place(host), None, batches, self.plan, first,
                                    total, sizes)
            first += batches
