"""Batches of an epoch: how rows are cut, and the order that shuffles them.

Keras's per-batch semantics: the rows are shuffled once per epoch, cut into
`n // batch_size` full batches and one last, smaller batch of what is left. The
full batches run in one compiled loop; the remainder runs as its own step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class EpochPlan(NamedTuple):
    """How an epoch of `num_rows` rows is cut.

    Attributes:
        steps: the number of full batches.
        batch_size: their size.
        remainder: the size of the last, partial batch (0 when there is none).
    """

    steps: int
    batch_size: int
    remainder: int

    @property
    def total_steps(self) -> int:
        return self.steps + (1 if self.remainder else 0)


def plan_epoch(num_rows: int, batch_size: int, steps: int | None = None) -> EpochPlan:
    """Cut `num_rows` into batches; `steps` (steps_per_epoch) caps the count.

    Example:
        >>> plan_epoch(1000, 32)
        EpochPlan(steps=31, batch_size=32, remainder=8)
        >>> plan_epoch(10, 32)
        EpochPlan(steps=0, batch_size=32, remainder=10)
    """
    full, rem = divmod(int(num_rows), int(batch_size))
    if steps is not None and steps <= full:
        return EpochPlan(int(steps), int(batch_size), 0)
    return EpochPlan(full, int(batch_size), rem)


def epoch_permutation(seed: int, epoch: int, num_rows: int) -> np.ndarray:
    """The row order of epoch `epoch` of a run seeded with `seed` (int32).

    It depends on nothing else, so a run resumed at epoch k shuffles as the
    uninterrupted run did. It is drawn on the host: NumPy's shuffle of 200,000 rows
    takes about 2 ms, where XLA's sort-based permutation takes 0.2-0.4 s on a 2-core
    CPU; moving the n indices to the device once per epoch costs next to nothing.

    Example:
        >>> order = epoch_permutation(7, 3, 5)
        >>> sorted(order.tolist()), order.dtype.name
        ([0, 1, 2, 3, 4], 'int32')
        >>> bool((order == epoch_permutation(7, 3, 5)).all())
        True
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(epoch)]))
    return rng.permutation(num_rows).astype(np.int32)
