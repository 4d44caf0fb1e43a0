"""How often the host takes control back during an epoch.

Without a live progress bar or batch callbacks an epoch is one call. With the
progress bar live the epoch is cut into chunks of about a quarter of a second, so
the bar moves a few times a second and the device is interrupted no more often.
When a callback overrides a batch hook, each batch is its own call (the cost of
per-batch logs: one dispatch and one transfer per batch).
"""
from __future__ import annotations

import time
from typing import Any

from lamina.utils.progbar import interactive

TARGET_SECONDS = 0.25
_UNKNOWN = 2**31 - 1  # batches left in a stream of unknown length


def resolve_verbose(verbose: Any) -> int:
    """`'auto'` is 1 in a terminal or notebook and 2 otherwise (log files).

    Example:
        >>> resolve_verbose(0), resolve_verbose(2)
        (0, 2)
    """
    if verbose == "auto":
        return 1 if interactive() else 2
    if verbose not in (0, 1, 2) or isinstance(verbose, bool) and verbose not in (0, 1):
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar), 2 (one line per "
                         f"epoch) or 'auto', but received {verbose!r}.")
    return int(verbose)


class Chunker:
    """Chooses how many batches the next call of the epoch program runs.

    One per `fit`, so the speed it measured carries over from epoch to epoch. The
    first call compiles, the next ones measure the time per batch; each chunk may
    grow at most fourfold, so one slow first measurement cannot stall the bar.

    Example:
        >>> c = Chunker(every_batch=False, live=False)
        >>> c.next(0, 100)
        100
        >>> Chunker(every_batch=True, live=True).next(0, 100)
        1
    """

    def __init__(self, *, every_batch: bool, live: bool):
        self.every_batch = every_batch
        self.live = live or every_batch
        self._calls = 0
        self._last_size = 1
        self._seconds_per_step: float | None = None
        self._last = time.perf_counter()

    def next(self, done: int, steps: int | None) -> int:
        """How many batches the next call runs, `done` of `steps` (None: unknown, a
        stream without a length) having run."""
        left = _UNKNOWN if steps is None else steps - done
        if left <= 0:
            return 0
        if self.every_batch:
            return 1
        if not self.live:
            return left
        if self._seconds_per_step is None:
            size = 1
        else:
            size = int(TARGET_SECONDS / max(self._seconds_per_step, 1e-9))
            size = min(size, 4 * self._last_size)
        self._last_size = max(1, min(left, size))
        return self._last_size

    def start(self) -> None:
        """Mark the start of a run of calls (an epoch): idle time is not measured."""
        self._last = time.perf_counter()

    def record(self, steps: int) -> None:
        now = time.perf_counter()
        if self._calls >= 1:
            self._seconds_per_step = (now - self._last) / max(steps, 1)
        self._calls += 1
        self._last = now
