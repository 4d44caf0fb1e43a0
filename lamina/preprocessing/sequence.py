"""tf.keras 2's `keras.preprocessing.sequence`: `pad_sequences` and `TimeseriesGenerator`.

Example:
    >>> from lamina.preprocessing.sequence import pad_sequences
    >>> pad_sequences([[1], [2, 3]], padding="post").tolist()
    [[1, 0], [2, 3]]
"""
from __future__ import annotations

from lamina.preprocessing._timeseries_generator import TimeseriesGenerator
from lamina.utils.padding import pad_sequences

__all__ = ["TimeseriesGenerator", "pad_sequences"]
