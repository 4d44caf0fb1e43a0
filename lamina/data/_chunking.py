"""Rows of a block source as chunks: blocks in a given order, rows shuffled through a
buffer, cut into chunks of a fixed number of rows; and a background thread that reads
ahead. `FileDataset` streams one such sequence; a sharded read streams one per shard.
"""
from __future__ import annotations

import queue
import threading
from typing import Any, Iterator, Sequence

import numpy as np


def concat(parts: list) -> Any:
    if parts[0] is None:
        return None
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def stream_chunks(source: Any, order: Sequence[int], rng: np.random.Generator | None,
                  window: int, chunk_rows: int) -> Iterator[tuple]:
    """The rows of `source`'s blocks in `order` as `(x, y)` chunks of `chunk_rows` rows
    (the last shorter). With `rng`, rows are shuffled through a buffer of `window` rows
    (at least one chunk); without, they keep their order.

    Example:
        >>> from lamina.data._file_sources import ArraySource
        >>> source = ArraySource(np.arange(10.0)[:, None], block_rows=4)
        >>> [x[:, 0].tolist() for x, _ in stream_chunks(source, [2, 0, 1], None, 3, 3)]
        [[8.0, 9.0, 0.0], [1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0]]
    """
    window = max(window, chunk_rows) if rng is not None else chunk_rows
    xs: list = []
    ys: list = []
    held = 0
    for x, y in source.blocks(order):
        xs.append(x)
        ys.append(y)
        held += len(x)
        while held >= window:
            x_all, y_all = concat(xs), concat(ys)
            if rng is not None:
                perm = rng.permutation(held)
                x_all = x_all[perm]
                y_all = None if y_all is None else y_all[perm]
            n = chunk_rows
            yield x_all[:n], None if y_all is None else y_all[:n]
            xs, ys = [x_all[n:]], [None if y_all is None else y_all[n:]]
            held -= n
    if held:
        x_all, y_all = concat(xs), concat(ys)
        if rng is not None:
            perm = rng.permutation(held)
            x_all, y_all = x_all[perm], None if y_all is None else y_all[perm]
        for lo in range(0, held, chunk_rows):
            yield (x_all[lo:lo + chunk_rows],
                   None if y_all is None else y_all[lo:lo + chunk_rows])


def prefetch(it: Iterator[Any], depth: int) -> Iterator[Any]:
    """`it` run ahead by up to `depth` items on a background thread (pyarrow and NumPy
    release the GIL while reading and converting).

    Example:
        >>> list(prefetch(iter(range(5)), depth=2))
        [0, 1, 2, 3, 4]
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", done))
        except BaseException as error:  # handed to the consumer
            q.put(("error", error))

    thread = threading.Thread(target=work, daemon=True, name="lamina-prefetch")
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
