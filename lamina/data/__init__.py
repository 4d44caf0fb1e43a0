"""Input data: user data (NumPy, lists, pandas, scipy.sparse, dicts, streams of
batches) to validated NumPy arrays, and the `DataAdapter`s that hand an epoch to the
compiled programs, the first thing `fit`, `evaluate` and `predict` call.

Example:
    >>> import numpy as np
    >>> from lamina import data
    >>> arrays = data.adapt_xy([[1, 2], [3, 4], [5, 6], [7, 8]], [0, 1, 0, 1])
    >>> train, val = data.split_validation(arrays, 0.25)
    >>> data.num_rows(train.x), val.y
    (3, array([1], dtype=int32))
"""
from __future__ import annotations

from lamina.data._adapt import Arrays, adapt_x, adapt_xy, adapt_y, is_multi
from lamina.data._adapters import (STREAM_CHUNK, ArrayAdapter, DataAdapter, Piece,
                                   StreamAdapter, adapter_for, batch_arrays, expand_1d,
                                   fit_adapters)
from lamina.data._file_dataset import FileDataset, array_dataset, file_dataset
from lamina.data._class_weight import class_weight_to_sample_weight
from lamina.data._split import split_validation
from lamina.data._stream import BatchStream, is_stream, unpack_xy
from lamina.data._tree import Tree, leaves, map_leaves, num_rows

__all__ = [
    "STREAM_CHUNK",
    "ArrayAdapter",
    "FileDataset",
    "array_dataset",
    "file_dataset",
    "Arrays",
    "BatchStream",
    "DataAdapter",
    "Piece",
    "StreamAdapter",
    "adapter_for",
    "batch_arrays",
    "expand_1d",
    "fit_adapters",
    "Tree",
    "adapt_x",
    "adapt_xy",
    "adapt_y",
    "class_weight_to_sample_weight",
    "is_multi",
    "is_stream",
    "leaves",
    "map_leaves",
    "num_rows",
    "split_validation",
    "unpack_xy",
]
