"""Batches of an epoch: how rows are cut, and the order that shuffles them.

Keras's per-batch semantics: the rows are shuffled once per epoch, cut into
`n // batch_size` full batches and one last, smaller batch of what is left. The
full batches run in one compiled loop; the remainder runs as its own step.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import numpy as np


class EpochPlan(NamedTuple):
    """How an epoch of `num_rows` rows is cut.

    Attributes:
        steps: the number of full batches.
        batch_size: their size.
        remainder: the size of the last, partial batch (0 when there is none).
        rows: None, or (for data padded to a bucket of rows, see `plan_padded`) the
            number of real rows; `steps` is then 0 and the number of batches,
            `ceil(rows / batch_size)`, is computed in the program: `remainder` is the
            size of the last batch, or 0 when the last batch is filled up to
            `batch_size` with masked padding rows.
    """

    steps: int
    batch_size: int
    remainder: int
    rows: Any = None

    @property
    def total_steps(self) -> int:
        if self.rows is not None:
            return -(-int(self.rows) // self.batch_size)
        return self.steps + (1 if self.remainder else 0)


@jax.tree_util.register_pytree_node_class
class Stacked:
    """Data already cut into batches: every leaf is `(batches, batch_size, ...)`, and
    batch `i` of a piece is `leaf[i]`. A data set read in shards across processes
    arrives this way, each leaf split over the devices along its second axis, so that
    taking a batch moves no rows between devices (see `lamina.data._shards`). The
    plan of a stacked piece has full batches only (`remainder` 0, `rows` None).

    Example:
        >>> import jax.numpy as jnp
        >>> from lamina.core import batching, train
        >>> data = batching.Stacked((jnp.arange(12.0).reshape(3, 2, 2),))
        >>> train.fetch(data, None, jnp.int32(4), 2)[0].tolist()
        [[8.0, 9.0], [10.0, 11.0]]
    """

    def __init__(self, batches: Any):
        self.batches = batches

    def tree_flatten(self) -> tuple:
        return (self.batches,), None

    @classmethod
    def tree_unflatten(cls, aux: Any, children: tuple) -> "Stacked":
        return cls(children[0])


def plan_epoch(num_rows: int, batch_size: int, steps: int | None = None) -> EpochPlan:
    """Cut `num_rows` into batches; `steps` (steps_per_epoch) caps the count.

    Example:
        >>> plan_epoch(1000, 32)
        EpochPlan(steps=31, batch_size=32, remainder=8, rows=None)
        >>> plan_epoch(10, 32)
        EpochPlan(steps=0, batch_size=32, remainder=10, rows=None)
    """
    full, rem = divmod(int(num_rows), int(batch_size))
    if steps is not None and steps <= full:
        return EpochPlan(int(steps), int(batch_size), 0)
    return EpochPlan(full, int(batch_size), rem)


def bucket(num_batches: int, bits: int = 3) -> int:
    """Round a batch count up to `bits` significant bits (at most `2**(1 - bits)` more:
    25% for 3 bits), so that data of any length is padded to one of a few sizes.

    Example:
        >>> [bucket(n) for n in (1, 7, 9, 100, 1000)]
        [1, 7, 10, 112, 1024]
        >>> [bucket(n, bits=4) for n in (9, 17, 100, 1000)]
        [9, 18, 104, 1024]
    """
    shift = max(num_batches.bit_length() - bits, 0)
    return -(-num_batches >> shift) << shift


def plan_padded(num_rows: int, batch_size: int, masked: bool) -> tuple[EpochPlan, int]:
    """The plan of an epoch whose data is padded to a bucket of batches (4 significant
    bits: at most 12.5% more rows), and the number of rows to pad it to. The compiled
    program then depends on that bucket, not on `num_rows` (see
    `lamina.core.train.run_batches`): with `masked`, the last batch runs at full size
    with its padding masked out (one program for every length); without, at its exact
    size (one program per distinct last size).

    Example:
        >>> plan_padded(1000, 32, masked=True)
        (EpochPlan(steps=0, batch_size=32, remainder=0, rows=1000), 1024)
        >>> plan, padded = plan_padded(1090, 32, masked=False)
        >>> plan.remainder, plan.total_steps, padded
        (2, 35, 1152)
    """
    batch_size = int(batch_size)
    batches = -(-int(num_rows) // batch_size)
    last = 0 if masked else int(num_rows) - (batches - 1) * batch_size
    return EpochPlan(0, batch_size, last, int(num_rows)), bucket(batches, bits=4) * batch_size


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
