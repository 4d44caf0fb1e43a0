"""`pad_sequences`: lists of sequences of different lengths to one array."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

_SIDES = ("pre", "post")


def _string_dtype(dtype: Any, sequences: Sequence[Any], value: Any) -> Any:
    """A string dtype wide enough for every item and the padding value.

    NumPy's `dtype="str"` has no width, so `np.full` would cut every string to
    the padding value's length; tf.keras 2 does that, Lamina widens instead."""
    if dtype is object or np.dtype(dtype).kind not in "US" or np.dtype(dtype).itemsize:
        return dtype
    width = max([len(str(value))] + [len(str(item)) for seq in sequences for item in seq])
    return np.dtype(f"{np.dtype(dtype).kind}{max(width, 1)}")


def pad_sequences(sequences: Sequence[Any], maxlen: int | None = None,
                  dtype: Any = "int32", padding: str = "pre", truncating: str = "pre",
                  value: Any = 0.0) -> np.ndarray:
    """Pad (or cut) sequences to one length, as `keras.utils.pad_sequences`.

    Sequences shorter than `maxlen` get `value` added at the start (`padding="pre"`,
    the default) or the end (`"post"`); longer ones lose items at the start
    (`truncating="pre"`, the default) or the end (`"post"`). Items may themselves
    be arrays of one shape (the result is then `(n, maxlen, *item_shape)`).

    Args:
        sequences: a list (or array) of sequences, e.g. `Tokenizer.texts_to_sequences`.
        maxlen: the length of the result; by default the longest sequence's.
        dtype: the result's dtype (`"int32"`); `object` or `"str"` for strings.
        padding: `"pre"` or `"post"`: where the padding goes.
        truncating: `"pre"` or `"post"`: which end of a long sequence is cut.
        value: the padding value (a number, or a string with a string dtype).

    Returns:
        An array of shape `(len(sequences), maxlen)`.

    Raises:
        ValueError: for an unknown `padding`/`truncating`, a string `value` with a
            numeric `dtype`, an item that is not a sequence, or items of different
            shapes.

    Example:
        >>> pad_sequences([[1, 2, 3], [4, 5], []]).tolist()
        [[1, 2, 3], [0, 4, 5], [0, 0, 0]]
        >>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2, padding="post",
        ...               truncating="post", value=-1).tolist()
        [[1, 2], [4, 5]]
    """
    for name, side in (("padding", padding), ("truncating", truncating)):
        if side not in _SIDES:
            raise ValueError(f'pad_sequences received {name}="{side}", which is not one of '
                             f'{list(_SIDES)}: "pre" works at the start of each sequence, '
                             '"post" at the end.')
    if not hasattr(sequences, "__len__") or isinstance(sequences, (str, bytes)):
        raise ValueError(f"pad_sequences needs a list of sequences, but received "
                         f"{type(sequences).__name__}. Pass e.g. [[1, 2], [3]].")
    lengths, sample_shape = [], None
    for i, seq in enumerate(sequences):
        if isinstance(seq, (str, bytes)) or not hasattr(seq, "__len__"):
            raise ValueError(f"pad_sequences needs a list of sequences, but item {i} is "
                             f"{seq!r:.60} ({type(seq).__name__}). Wrap single values in "
                             "lists, e.g. [[1, 2], [3]], or split texts into tokens first.")
        lengths.append(len(seq))
        if sample_shape is None and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences needs maxlen to be a non-negative integer or None, "
                         f"but received maxlen={maxlen!r}.")
    is_text = dtype is object or np.dtype(dtype).kind in "USO"
    if isinstance(value, str) and not is_text:
        raise ValueError(f"pad_sequences received the string value={value!r} with the "
                         f"numeric dtype={dtype!r}. Pass dtype=object (or 'str') to pad "
                         "sequences of strings, or a number as value.")
    dtype = _string_dtype(dtype, sequences, value) if is_text else dtype
    out = np.full((len(sequences), int(maxlen)) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences needs items of one shape, but sequence {i} has "
                             f"items of shape {kept.shape[1:]} while the first non-empty "
                             f"sequence has {tuple(sample_shape)}.")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
