"""`TimeseriesGenerator`: tf.keras 2's batches of windows over a series."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from lamina.utils.sequence import Sequence


class TimeseriesGenerator(Sequence):
    """Batches of `(windows, targets)` over a series, as
    `keras.preprocessing.sequence.TimeseriesGenerator`; a `Sequence` that `fit`,
    `evaluate` and `predict` take.

    The sample for step `t` is `data[t - length:t:sampling_rate]` and its target
    `targets[t]`, for `t` from `start_index + length` to `end_index` (inclusive)
    every `stride` steps.

    Args:
        data: the series, time on the first axis.
        targets: one target per step of `data`.
        length: how many steps back each window reaches.
        sampling_rate: steps between two samples within a window.
        stride: steps between consecutive windows.
        start_index: steps before it are not used as targets.
        end_index: the last step used as a target (`len(data) - 1`).
        shuffle: draw the steps of each batch at random (with replacement, as tf.keras).
        reverse: each window in reverse time order.
        batch_size: windows per batch (the last batch may be smaller).

    Example:
        >>> import numpy as np
        >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10) * 10, length=3,
        ...                           batch_size=2)
        >>> len(gen), gen[0][0].tolist(), gen[0][1].tolist()
        (4, [[0, 1, 2], [1, 2, 3]], [30, 40])
    """

    def __init__(self, data: Any, targets: Any, length: int, sampling_rate: int = 1,
                 stride: int = 1, start_index: int = 0, end_index: int | None = None,
                 shuffle: bool = False, reverse: bool = False, batch_size: int = 128):
        super().__init__()
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator needs data and targets of the same length, "
                             f"but data has {len(data)} steps and targets {len(targets)}. "
                             "Give one target per step (e.g. targets=data to predict the "
                             "next value).")
        for name, value in (("length", length), ("sampling_rate", sampling_rate),
                            ("stride", stride), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < 1:
                raise ValueError(f"TimeseriesGenerator needs {name} to be a positive "
                                 f"integer, but received {name}={value!r}.")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator has no step to use: start_index + length "
                             f"= {self.start_index} is past end_index = {self.end_index}. "
                             "Use a shorter length or more data.")

    def __len__(self) -> int:
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            if not 0 <= index < len(self):
                raise IndexError(f"batch index {index} is out of range: the generator has "
                                 f"{len(self)} batches.")
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride,
                                        self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self) -> dict[str, Any]:
        """The settings, with the data and targets as JSON text (as tf.keras)."""
        def as_json(values: Any, what: str) -> str:
            values = values.tolist() if isinstance(values, np.ndarray) else values
            try:
                return json.dumps(values)
            except TypeError as err:
                raise TypeError(f"TimeseriesGenerator {what} cannot be written as JSON "
                                f"({err}).") from None

        return {"data": as_json(self.data, "data"),
                "targets": as_json(self.targets, "targets"), "length": self.length,
                "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index,
                "shuffle": self.shuffle, "reverse": self.reverse,
                "batch_size": self.batch_size}

    def to_json(self, **kwargs: Any) -> str:
        """The generator as JSON text (`**kwargs` go to `json.dumps`)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)
