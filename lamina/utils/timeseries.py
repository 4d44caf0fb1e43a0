"""`timeseries_dataset_from_array`: sliding windows over a series, batched."""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from lamina.utils.sequence import Sequence


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"timeseries_dataset_from_array needs {name} to be a positive "
                         f"integer, but received {name}={value!r}.")
    return int(value)


class TimeseriesDataset(Sequence):
    """Batches of windows over a series, what `timeseries_dataset_from_array` returns.

    A `Sequence`: `fit`, `evaluate` and `predict` take it; `len(ds)` is the number of
    batches, `ds[i]` the i-th batch (`(windows, targets)`, or the windows alone
    without targets), and `for batch in ds` (or `ds.take(n)`) iterates them as a
    `tf.data.Dataset` does. With `shuffle=True` the windows are drawn in a new
    order each epoch, from `seed`.
    """

    def __init__(self, data: np.ndarray, targets: np.ndarray | None, starts: np.ndarray,
                 sequence_length: int, sampling_rate: int, batch_size: int | None,
                 shuffle: bool, seed: int | None):
        super().__init__()
        self.data, self.targets = data, targets
        self.sequence_length, self.sampling_rate = sequence_length, sampling_rate
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.RandomState(np.random.randint(1_000_000) if seed is None
                                          else seed)
        self._starts = starts.copy()
        if shuffle:
            self._rng.shuffle(self._starts)

    @property
    def num_windows(self) -> int:
        """How many windows (samples) an epoch holds."""
        return len(self._starts)

    def __len__(self) -> int:
        if self.batch_size is None:
            return self.num_windows
        return -(-self.num_windows // self.batch_size)

    def _windows(self, starts: np.ndarray) -> Any:
        steps = np.arange(self.sequence_length) * self.sampling_rate
        x = self.data[starts[:, None] + steps[None, :]]
        if self.targets is None:
            return x
        return x, self.targets[starts]

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"batch index {index} is out of range: the dataset has "
                             f"{len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            x = self._windows(self._starts[index:index + 1])
            return tuple(a[0] for a in x) if isinstance(x, tuple) else x[0]
        return self._windows(self._starts[index * self.batch_size:
                                          (index + 1) * self.batch_size])

    def take(self, count: int) -> Iterator[Any]:
        """The first `count` batches (all of them for `count=-1`), as `Dataset.take`."""
        stop = len(self) if count < 0 else min(count, len(self))
        return (self[i] for i in range(stop))

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._rng.shuffle(self._starts)


def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> TimeseriesDataset:
    """Windows of `sequence_length` steps over a series, in batches, as
    `keras.utils.timeseries_dataset_from_array`.

    Window `i` starts at `start_index + i * sequence_stride` and takes every
    `sampling_rate`-th step; its target is `targets[start_index + i * sequence_stride]`
    (so pass `targets=data[sequence_length:]` to predict the step after each window).
    Windows never reach `end_index` (exclusive).

    Args:
        data: the series, with time on the first axis (`(steps,)` or `(steps, features)`).
        targets: one target per step of `data`, or None for windows alone.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between two samples within a window.
        batch_size: windows per batch; None for single windows.
        shuffle: take the windows in a random order (a new one each epoch).
        seed: the seed of that order.
        start_index: the first step used (0).
        end_index: one past the last step used (`len(data)`).

    Returns:
        A `TimeseriesDataset` (a `Sequence` of `(windows, targets)` batches), which
        `fit`, `evaluate` and `predict` take.

    Raises:
        ValueError: for indices or strides outside the data.

    Example:
        >>> import numpy as np
        >>> series = np.arange(10)
        >>> ds = timeseries_dataset_from_array(series[:-3], series[3:], sequence_length=3,
        ...                                    batch_size=4)
        >>> len(ds), ds[0][0].tolist(), ds[0][1].tolist()
        (2, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [3, 4, 5, 6])
    """
    data = np.asarray(data)
    n = len(data)
    sequence_length = _positive("sequence_length", sequence_length)
    sequence_stride = _positive("sequence_stride", sequence_stride)
    sampling_rate = _positive("sampling_rate", sampling_rate)
    if batch_size is not None:
        batch_size = _positive("batch_size", batch_size)
    if start_index and not 0 <= start_index < n:
        raise ValueError(f"start_index must be in [0, {n}) for data of length {n}, but "
                         f"received start_index={start_index}.")
    if end_index is not None and not (start_index or 0) < end_index <= n:
        raise ValueError(f"end_index must be in ({start_index or 0}, {n}] for data of "
                         f"length {n} (and above start_index), but received "
                         f"end_index={end_index}.")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= n:
            raise ValueError(f"{name} must be less than the length of the data ({n}), but "
                             f"received {name}={value}.")
    start = start_index or 0
    stop = n if end_index is None else end_index
    num_windows = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_windows = min(num_windows, len(targets) - start)
    if num_windows <= 0:
        raise ValueError(f"timeseries_dataset_from_array has no window to make: "
                         f"{stop - start} steps between start_index={start} and "
                         f"end_index={stop} hold no window of sequence_length="
                         f"{sequence_length} at sampling_rate={sampling_rate}. Use "
                         "shorter windows or more data.")
    starts = np.arange(0, num_windows, sequence_stride) + start
    return TimeseriesDataset(data, targets, starts, sequence_length, sampling_rate,
                             batch_size, bool(shuffle), seed)
