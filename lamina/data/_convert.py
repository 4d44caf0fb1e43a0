"""One input or target (a leaf) to a validated NumPy array of the library's dtypes.

Features become float32; targets keep integers as int32 and floats as float32;
sample weights become float32; booleans become float32 everywhere. pandas and
scipy are recognised by the module of the value's type, so they are imported
only by a user who passes their objects.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from lamina.data import _validation as validation

FEATURES = "features"
TARGETS = "targets"
WEIGHTS = "weights"

_SUPPORTED = (
    "a NumPy array, a (nested) list of numbers, a pandas DataFrame or Series, a "
    "scipy.sparse matrix, or a dict/list of those for several inputs"
)


def _has_base(value: Any, package: str, names: tuple[str, ...]) -> bool:
    return any(
        cls.__module__.split(".")[0] == package and cls.__name__ in names
        for cls in type(value).__mro__
    )


def is_dataframe(value: Any) -> bool:
    """Whether `value` is a pandas DataFrame (checked without importing pandas)."""
    return _has_base(value, "pandas", ("DataFrame",))


def is_series(value: Any) -> bool:
    """Whether `value` is a pandas Series (checked without importing pandas)."""
    return _has_base(value, "pandas", ("Series",))


def is_sparse(value: Any) -> bool:
    """Whether `value` is a scipy.sparse matrix or array (checked without importing scipy)."""
    return hasattr(value, "toarray") and any(
        cls.__module__.startswith("scipy.sparse") for cls in type(value).__mro__
    )


def is_array(value: Any) -> bool:
    """Whether `value` is one array with at least one axis (not a scalar, not a list).

    NumPy arrays, pandas objects, scipy.sparse matrices and array objects of other
    libraries (anything with `shape` and `__array__`) count; NumPy scalars do not.

    Example:
        >>> import numpy as np
        >>> is_array(np.zeros(3)), is_array(np.float32(1.0)), is_array([1.0])
        (True, False, False)
    """
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, np.generic):
        return False
    if is_dataframe(value) or is_series(value) or is_sparse(value):
        return True
    shape = getattr(value, "shape", None)
    return hasattr(value, "__array__") and isinstance(shape, tuple) and len(shape) >= 1


def adapt_leaf(value: Any, *, name: str, role: str = FEATURES) -> np.ndarray:
    """Converts and validates one array.

    Args:
        value: a NumPy array, nested list of numbers, pandas DataFrame/Series,
            scipy.sparse matrix, or any object with `__array__`.
        name: the name used in error messages, e.g. "x" or "x['age']".
        role: `FEATURES`, `TARGETS` or `WEIGHTS`; decides the dtype.

    Returns:
        A NumPy array: the input itself when it already has the right dtype.

    Raises:
        TypeError: for values of an unsupported type.
        ValueError: for non-numeric, empty, ragged or non-finite data.

    Example:
        >>> import numpy as np
        >>> adapt_leaf(np.array([[1, 2], [3, 4]]), name="x").dtype
        dtype('float32')
        >>> adapt_leaf([0, 1, 1], name="y", role=TARGETS)
        array([0, 1, 1], dtype=int32)
    """
    columns: Optional[Sequence[Any]] = None
    if value is None:
        raise TypeError(f"{name} is None. Pass {_SUPPORTED}.")
    if is_dataframe(value):
        columns = [value.columns[i] for i in range(value.shape[1])]
        array = _from_frame(value, name, role)
    elif is_series(value):
        array = _from_frame(value.to_frame(), name, role)[:, 0]
    elif is_sparse(value):
        array = value.astype(np.float32).toarray()
    elif isinstance(value, np.ndarray):
        array = value if type(value) is np.ndarray else np.asarray(value)
    elif isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be {_SUPPORTED}, but received the string {value!r:.60}.")
    elif isinstance(value, (list, tuple)):
        array = _from_list(value, name)
    elif hasattr(value, "__array__") or isinstance(value, (int, float, bool, np.generic)):
        array = np.asarray(value)
    else:
        raise TypeError(
            f"{name} must be {_SUPPORTED}, but received an object of type "
            f"{type(value).__module__}.{type(value).__qualname__}. For a generator or "
            "another iterable of batches, pass it as x alone (batches of (x, y))."
        )
    array = _cast(array, name, role)
    validation.check_not_empty(array, name=name)
    validation.check_finite(array, name=name, is_target=role == TARGETS, columns=columns)
    return array


def _ragged_error(value: Any, name: str) -> ValueError:
    lengths = sorted({len(row) for row in value if hasattr(row, "__len__")})
    return ValueError(
        f"{name} is a list of rows of different lengths (found lengths "
        f"{lengths[:5]}), which cannot form one array. Pad the rows to one length "
        "(e.g. keras.utils.pad_sequences(x, maxlen=...) for sequences of token ids) or, "
        "for several inputs, pass a list of NumPy arrays."
    )


def _from_list(value: list | tuple, name: str) -> np.ndarray:
    if len(value) == 0:
        raise ValueError(f"{name} is empty: received an empty {type(value).__name__}.")
    try:
        return np.asarray(value)
    except ValueError:
        raise _ragged_error(value, name) from None


def _from_frame(frame: Any, name: str, role: str) -> np.ndarray:
    import pandas as pd  # the value is a pandas object, so pandas is installed

    bad = []
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
            continue
        example = frame[column].iloc[0] if len(frame) else None
        bad.append((repr(column), f"dtype {dtype}, e.g. {_short(example)}"))
    if bad:
        raise validation.non_numeric_error(name, bad, role == TARGETS)
    dtypes = list(frame.dtypes)
    numpy_dtypes = all(isinstance(d, np.dtype) for d in dtypes)
    kinds = {np.dtype(d).kind if isinstance(d, np.dtype) else d.kind for d in dtypes}
    if role == TARGETS and kinds and kinds <= {"i", "u"}:
        target = np.int32
    else:
        target = np.float32
    if numpy_dtypes:
        return frame.to_numpy(dtype=target)
    # Nullable extension dtypes (Int64, boolean, Float64) may hold pd.NA.
    array = frame.to_numpy(dtype=np.float32, na_value=np.nan)
    if target is np.int32 and np.isfinite(array.sum()):
        return array.astype(np.int32)
    return array


def _cast(array: np.ndarray, name: str, role: str) -> np.ndarray:
    kind = array.dtype.kind
    if kind == "O":
        array = _from_objects(array, name, role)
        kind = array.dtype.kind
    if kind in "USMmV":
        raise validation.non_numeric_error(name, _bad_values(array), role == TARGETS)
    if kind == "c":
        raise TypeError(
            f"{name} has complex dtype {array.dtype}; received complex numbers. "
            "Split them into real and imaginary columns (np.real, np.imag)."
        )
    wanted = np.int32 if role == TARGETS and kind in "iu" else np.float32
    return array if array.dtype == wanted else array.astype(wanted)


def _from_objects(array: np.ndarray, name: str, role: str) -> np.ndarray:
    """Re-infers the dtype of an object array; numbers pass, strings are reported."""
    try:
        inferred = np.asarray(array.tolist()) if array.size else array.astype(np.float32)
    except ValueError:  # an object array of sequences of different lengths
        raise _ragged_error(array.reshape(-1), name) from None
    if inferred.dtype.kind in "biuf":
        return inferred
    try:
        return array.astype(np.float64)  # numbers mixed with None -> NaN
    except (TypeError, ValueError):
        raise validation.non_numeric_error(name, _bad_values(array), role == TARGETS) from None


def _short(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(item: Any) -> bool:
    if item is None or isinstance(item, (int, float, np.number, np.bool_)):
        return True
    if isinstance(item, (str, bytes, np.str_, np.bytes_)):
        try:
            float(item)
        except ValueError:
            return False
        return True
    return False


def _first_bad(values: np.ndarray) -> Optional[Any]:
    for item in values.ravel()[:10_000]:
        if not _is_number(item):
            return item
    return None


def _bad_values(array: np.ndarray) -> list[tuple[Optional[str], str]]:
    """Finds the columns (2-D) or the first value that is not a number.

    Strings that spell numbers ('1.5') only count when nothing else is wrong.
    """
    if array.ndim == 2:
        bad = []
        for j in range(array.shape[1]):
            item = _first_bad(array[:, j])
            if item is not None:
                bad.append((f"column {j}", f"e.g. {_short(item)}"))
        if bad:
            return bad
    item = _first_bad(array)
    if item is None:
        item = array.ravel()[0]
        hint = "; convert number strings with .astype(float)"
    else:
        hint = ""
    return [(None, f"e.g. {_short(item)} (dtype {array.dtype}{hint})")]
