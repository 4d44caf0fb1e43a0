"""`validation_split`: the last fraction of the data, before any shuffling, as in Keras."""
from __future__ import annotations

import math
from numbers import Real

from lamina.data._adapt import Arrays
from lamina.data._tree import check_same_rows, map_leaves


def split_validation(arrays: Arrays, validation_split: float) -> tuple[Arrays, Arrays]:
    """Splits off the last `validation_split` fraction of the rows for validation.

    Keras's rule: `split_at = floor(n * (1 - validation_split))`; rows before
    `split_at` train, the rest validate. The data is not shuffled first, so sort
    order matters (shuffle beforehand if the rows are ordered by class). The
    parts are views of the input arrays, not copies.

    Args:
        arrays: adapted data, as returned by `adapt_xy`.
        validation_split: a float strictly between 0 and 1.

    Returns:
        `(train, val)`, two `Arrays` with the same structure as `arrays`.

    Raises:
        TypeError: if `arrays` is not `Arrays` or the fraction is not a number.
        ValueError: if the fraction is outside (0, 1) or leaves a part empty.

    Example:
        >>> import numpy as np
        >>> train, val = split_validation(Arrays(np.arange(10.0), np.arange(10)), 0.2)
        >>> train.x.shape, val.y
        ((8,), array([8, 9]))
    """
    if not isinstance(arrays, Arrays):
        raise TypeError(
            "split_validation expects the Arrays returned by adapt_xy, but received "
            f"{type(arrays).__name__}. Call adapt_xy(x, y, sample_weight) first."
        )
    if isinstance(validation_split, bool) or not isinstance(validation_split, Real):
        raise TypeError(
            f"validation_split must be a float between 0 and 1, but received "
            f"{validation_split!r} of type {type(validation_split).__name__}."
        )
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            f"validation_split must be strictly between 0 and 1, but received "
            f"{validation_split!r}. Use e.g. validation_split=0.2 to hold out the last "
            "20% of the rows, or leave it at 0 for no validation."
        )
    n = check_same_rows(("x", arrays.x), ("y", arrays.y), ("sample_weight", arrays.sample_weight))
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"The data has {n} rows, which is not enough to split it into training "
            f"and validation parts with validation_split={validation_split!r} "
            f"(train {split_at} rows, validation {n - split_at} rows). Provide more "
            "data, or choose another validation_split."
        )

    def part(start, stop):
        return Arrays(*(map_leaves(lambda a: a[start:stop], tree) for tree in arrays))

    return part(0, split_at), part(split_at, n)
