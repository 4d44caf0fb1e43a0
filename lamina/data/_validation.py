"""Checks on adapted arrays, with errors that say where the problem is and what to do.

Every check is one vectorised pass over the data; the slower search for the
exact places runs only when there is something to report.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

_MAX_PLACES = 5

_FIX_FEATURES = (
    "Neural networks cannot learn from missing or infinite values: fill them "
    "(e.g. sklearn.impute.SimpleImputer, or df.fillna(df.median())) or drop "
    "those rows (df.dropna()) before passing the data."
)
_FIX_TARGETS = (
    "Drop the rows whose target is missing (e.g. df.dropna(subset=[target_column])) "
    "before passing the data."
)


def describe_place(index: Sequence[int], columns: Optional[Sequence[Any]] = None) -> str:
    """Formats an array index as "row 3", "row 3, column 1 ('age')" or "index (0, 1, 2)".

    Args:
        index: the position of one element.
        columns: column names (of a DataFrame) for 2-D arrays, or None.

    Returns:
        A short human-readable place.

    Example:
        >>> describe_place((3, 1), ["height", "age"])
        "row 3, column 1 ('age')"
    """
    index = tuple(int(i) for i in index)
    if len(index) == 1:
        return f"row {index[0]}"
    if len(index) == 2:
        place = f"row {index[0]}, column {index[1]}"
        if columns is not None:
            place += f" ({columns[index[1]]!r})"
        return place
    return f"index {index}"


def check_finite(
    array: np.ndarray,
    *,
    name: str,
    is_target: bool = False,
    columns: Optional[Sequence[Any]] = None,
) -> None:
    """Raises if a floating array holds NaN or inf, saying where and how to fix it.

    Args:
        array: an adapted array (integer arrays are always finite).
        name: the name used in the message, e.g. "x" or "y['price']".
        is_target: whether the array holds targets (changes the advice).
        columns: column names of the DataFrame it came from, or None.

    Raises:
        ValueError: naming the first few places of NaN/inf values.

    Example:
        >>> import numpy as np
        >>> check_finite(np.array([[1.0, np.nan]]), name="x", columns=["a", "b"])
        Traceback (most recent call last):
        ...
        ValueError: x contains 1 NaN value(s) ... row 0, column 1 ('b')....
    """
    if array.dtype.kind not in "fc" or array.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = array.sum()
    if np.isfinite(total):
        return
    bad = ~np.isfinite(array)
    if not bad.any():  # the sum overflowed, every value is finite
        return
    places = np.argwhere(bad)[:_MAX_PLACES]
    n_nan = int(np.count_nonzero(np.isnan(array)))
    n_bad = int(np.count_nonzero(bad))
    n_inf = n_bad - n_nan
    counts = " and ".join(
        f"{n} {kind} value(s)" for n, kind in ((n_nan, "NaN"), (n_inf, "inf")) if n
    )
    where = "; ".join(describe_place(p, columns) for p in places)
    more = ", ..." if n_bad > len(places) else ""
    advice = _FIX_TARGETS if is_target else _FIX_FEATURES
    if n_inf:
        advice += (
            " Infinite values often come from a division by zero; replace them first "
            "with df.replace([np.inf, -np.inf], np.nan)."
        )
    raise ValueError(
        f"{name} contains {counts} (array of shape {array.shape}), first at {where}{more}. "
        + advice
    )


def check_not_empty(array: np.ndarray, *, name: str) -> None:
    """Raises if an array has no rows, no columns or no dimensions.

    Args:
        array: an adapted array.
        name: the name used in the message.

    Raises:
        ValueError: saying which axis is empty.

    Example:
        >>> import numpy as np
        >>> check_not_empty(np.zeros((0, 3)), name="x")
        Traceback (most recent call last):
        ...
        ValueError: x is empty: it has 0 rows (shape (0, 3)). ...
    """
    if array.ndim == 0:
        raise ValueError(
            f"{name} must have one row per sample, but received a single value "
            f"({array.item()!r}). Pass a list or array, e.g. [{array.item()!r}]."
        )
    if array.shape[0] == 0:
        raise ValueError(
            f"{name} is empty: it has 0 rows (shape {array.shape}). Check the "
            "filtering or the split that produced it."
        )
    if array.size == 0:
        raise ValueError(
            f"{name} is empty: it has rows but no values (shape {array.shape}). "
            "Check the column selection that produced it."
        )


def non_numeric_error(name: str, bad: list[tuple[Any, str]], is_target: bool) -> ValueError:
    """Builds the error for non-numeric columns or values.

    Args:
        name: the name of the offending input, e.g. "x".
        bad: `(label, description)` pairs, e.g. `("'city'", "dtype str")`;
            the label is None for a 1-D array.
        is_target: whether the data are targets (suggest label encoding) or
            features (suggest one-hot encoding).

    Returns:
        The ValueError to raise.

    Example:
        >>> print(non_numeric_error("x", [("'city'", "dtype str, e.g. 'Paris'")], False))
        x has non-numeric columns: 'city' (dtype str, e.g. 'Paris'). ...
    """
    listed = ", ".join(
        (f"{col} ({what})" if col is not None else what) for col, what in bad[:_MAX_PLACES]
    )
    if len(bad) > _MAX_PLACES:
        listed += f", ... ({len(bad)} in all)"
    if is_target:
        return ValueError(
            f"{name} contains strings or other non-numeric labels: {listed}. Targets "
            "must be numbers: encode class labels as integer codes with "
            "sklearn.preprocessing.LabelEncoder, pd.factorize(y) or "
            "y.astype('category').cat.codes (or one-hot with pd.get_dummies(y))."
        )
    what = "columns" if any(col is not None for col, _ in bad) else "values"
    return ValueError(
        f"{name} has non-numeric {what}: {listed}. Neural networks need numbers: "
        "one-hot encode categorical columns with pd.get_dummies(df) or "
        "sklearn.preprocessing.OneHotEncoder, and drop or convert text and date columns. "
        "For text, start the model with a keras.layers.TextVectorization layer (or "
        "StringLookup for single tokens) adapted to the training texts, or turn the texts "
        "into integer sequences first (Tokenizer.texts_to_sequences, then pad_sequences)."
    )
