"""`Sequence` (and its Keras 3 name `PyDataset`): batches by index."""
from __future__ import annotations

from typing import Any


class Sequence:
    """Base class for data that yields batches by index, as `keras.utils.Sequence`.

    Subclasses define `__len__` (batches per epoch) and `__getitem__(index)` returning
    `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` runs after each epoch (to
    reshuffle, say). `fit(sequence, epochs=...)` iterates it once per epoch.

    Example:
        >>> import numpy as np
        >>> class Batches(Sequence):
        ...     def __len__(self):
        ...         return 3
        ...     def __getitem__(self, i):
        ...         return np.full((2, 1), i, np.float32), np.zeros((2, 1), np.float32)
        >>> [float(x[0, 0]) for x, _ in Batches()]
        [0.0, 1.0, 2.0]
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10) -> None:
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} must define __len__: the number of batches "
                        "in an epoch.")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} must define __getitem__(index) returning "
                        "the batch (x, y) at that index.")

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def on_epoch_end(self) -> None:
        """Called after each epoch; override to reshuffle."""


PyDataset = Sequence
