"""NumPy's array pickles, rebuilt from their data by the pickle reader.

NumPy pickles an array as `_reconstruct(ndarray, (0,), b'b')` followed by a BUILD with
the state `(version, shape, dtype, is_fortran, rawdata)` (protocols 0-4 and object
arrays), or as `_frombuffer(buffer, dtype, shape, order)` (protocol 5), and a dtype as
`dtype(descr, align, copy)` followed by a BUILD with `(3, byteorder, None, None, None,
elsize, alignment, flags)`. Python 3 writing protocol 2 spells bytes as
`_codecs.encode(text, 'latin1')`, and empty bytes as `bytes()`.

The reader never imports or calls these globals. Each allowed name becomes a `Global`
marker; `reduce` checks the arguments a marker is applied to and returns either a value
(bytes, an array) or a builder (`ArrayBuilder`, `DtypeBuilder`) that a BUILD completes
with `np.frombuffer` or `np.dtype` on checked data.
"""
from __future__ import annotations

import math
import re
import reprlib
from typing import Any

import numpy as np

from lamina.datasets._pickle_errors import damaged, refuse, refuse_global

# Simple dtypes only ('u1', 'f4', '<i8', 'O8', 'U10', 'S3', 'b1'): no structured ones.
_DESCR = re.compile(r"[A-Za-z?][0-9]{0,9}")
_BYTEORDERS = ("<", ">", "|", "=")


class Global:
    """A global a data pickle may name, as a marker that is never called."""
    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name

    def __repr__(self) -> str:
        return self.name


_KINDS = {
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    ("_codecs", "encode"): "encode",
    ("__builtin__", "bytes"): "bytes",
    ("builtins", "bytes"): "bytes",
}
GLOBALS = {key: Global(kind, ".".join(key)) for key, kind in _KINDS.items()}


def find_global(module: Any, name: Any) -> Global:
    """The marker for `module.name`; `PickleRefused` for a name outside NumPy's pickles.

    Example:
        >>> find_global("numpy", "dtype").kind
        'dtype'
    """
    marker = GLOBALS.get((module, name))
    if marker is None:
        raise refuse_global(module, name)
    return marker


class ArrayBuilder:
    """`_reconstruct(ndarray, ...)`: an array waiting for its BUILD state."""
    __slots__ = ("memo_keys",)

    def __init__(self) -> None:
        self.memo_keys: list[int] = []

    def __repr__(self) -> str:
        return "an unfinished NumPy array"

    def build(self, state: Any, pos: int) -> np.ndarray:
        if type(state) is not tuple or len(state) not in (4, 5):
            raise refuse("a NumPy array state that is not NumPy's 4- or 5-tuple", pos)
        if len(state) == 5:
            if type(state[0]) is not int:
                raise damaged(f"the array state's version is {state[0]!r}, not an int", pos)
            state = state[1:]
        shape, dtype, fortran, raw = state
        if not isinstance(dtype, np.dtype):
            raise refuse(f"a NumPy array state whose dtype is a {type(dtype).__name__}",
                         pos)
        if type(fortran) not in (bool, int) or fortran not in (0, 1):
            raise damaged(f"the array state's order flag is {fortran!r}, not a bool", pos)
        return array_from_data(raw, dtype, _shape(shape, pos), bool(fortran), pos)


class DtypeBuilder:
    """`dtype(descr, align, copy)`: a dtype waiting for its BUILD state."""
    __slots__ = ("descr", "memo_keys")

    def __init__(self, descr: str) -> None:
        self.descr = descr
        self.memo_keys: list[int] = []

    def __repr__(self) -> str:
        return f"an unfinished dtype '{self.descr}'"

    def build(self, state: Any, pos: int) -> np.dtype:
        if type(state) is not tuple or len(state) != 8 or type(state[0]) is not int \
                or state[0] != 3 or any(v is not None for v in state[2:5]):
            raise refuse("a dtype state other than a plain dtype's (3, byteorder, None, "
                         "None, None, elsize, alignment, flags)", pos)
        order, elsize = _text(state[1]), state[5]
        if order not in _BYTEORDERS or any(type(v) is not int for v in state[5:]):
            raise damaged(f"the dtype state {state!r} is not NumPy's", pos)
        try:
            dtype = np.dtype(self.descr)
            if dtype.kind in "SV" and elsize > 0:
                dtype = np.dtype(f"{dtype.kind}{elsize}")
            elif dtype.kind == "U" and elsize > 0:
                dtype = np.dtype(f"U{elsize // 4}")
        except TypeError as err:
            raise damaged(f"the dtype '{self.descr}' is not NumPy's ({err})", pos) from None
        if order in "<>" and dtype.byteorder != "|":
            dtype = dtype.newbyteorder(order)
        return dtype


def reduce(marker: Global, args: tuple, pos: int) -> Any:
    """What `marker(*args)` would give, made from checked data without calling it."""
    kind = marker.kind
    if kind == "reconstruct":
        if len(args) != 3 or args[0] is not GLOBALS["numpy", "ndarray"] \
                or type(args[2]) not in (bytes, str):
            raise refuse(f"{marker.name} with arguments that are not NumPy's "
                         "(ndarray, shape, typecode)", pos)
        _shape(args[1], pos)
        return ArrayBuilder()
    if kind == "dtype":
        if len(args) != 3 or type(args[0]) not in (str, bytes) \
                or not _DESCR.fullmatch(_text(args[0])) \
                or any(type(a) not in (bool, int) for a in args[1:]):
            raise refuse(f"numpy.dtype applied to {_brief(args)} (only a simple dtype "
                         "name such as 'u1', 'f4' or 'O8' with two flags)", pos)
        return DtypeBuilder(_text(args[0]))
    if kind == "frombuffer":
        if len(args) != 4 or not isinstance(args[1], np.dtype) or type(args[3]) is not str \
                or args[3] not in ("C", "F"):
            raise refuse(f"{marker.name} with arguments that are not NumPy's (buffer, "
                         "dtype, shape, order)", pos)
        return array_from_data(args[0], args[1], _shape(args[2], pos), args[3] == "F", pos)
    if kind == "encode":
        if len(args) != 2 or type(args[0]) is not str or type(args[1]) is not str \
                or args[1] not in ("latin1", "latin-1"):
            raise refuse(f"_codecs.encode applied to {_brief(args)} (only text and "
                         "'latin1')", pos)
        try:
            return args[0].encode("latin-1")
        except UnicodeEncodeError as err:
            raise damaged(f"_codecs.encode got text that is not latin-1 ({err})", pos) \
                from None
    if kind == "bytes" and args == ():
        return b""
    raise refuse(f"a call of {marker.name} with {_brief(args)}", pos)


def array_from_data(raw: Any, dtype: np.dtype, shape: tuple[int, ...], fortran: bool,
                    pos: int) -> np.ndarray:
    """A new array of `shape` and `dtype` holding `raw`: the bytes of its elements in
    memory order, or for an object dtype the list of its elements in C order.

    Example:
        >>> array_from_data(b"\\x01\\x02", np.dtype("u1"), (2,), False, 0).tolist()
        [1, 2]
    """
    count = math.prod(shape)
    if dtype.hasobject:
        if type(raw) is not list or len(raw) != count or dtype != np.dtype(object):
            raise refuse(f"an object array of shape {shape} rebuilt from a "
                         f"{type(raw).__name__} (only a list of its {count} elements)", pos)
        out = np.empty(count, dtype=object)
        for i, item in enumerate(raw):
            out[i] = item
        out = out.reshape(shape)
        return np.asfortranarray(out) if fortran else out
    if type(raw) is str:  # a Python 2 string read with encoding="latin1"
        raw = raw.encode("latin-1")
    if type(raw) not in (bytes, bytearray):
        raise damaged(f"an array's data is a {type(raw).__name__}, not bytes", pos)
    if count * dtype.itemsize != len(raw) or dtype.itemsize == 0:
        raise damaged(f"an array of shape {shape} and dtype {dtype} needs "
                      f"{count * dtype.itemsize} bytes but has {len(raw)}", pos)
    flat = np.frombuffer(raw, dtype=dtype, count=count)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


def _shape(shape: Any, pos: int) -> tuple[int, ...]:
    if type(shape) is not tuple or len(shape) > 64 \
            or any(type(n) is not int or n < 0 for n in shape):
        raise damaged(f"an array's shape is {_brief(shape)}, not a tuple of sizes", pos)
    return shape


def _text(value: Any) -> Any:
    """A dtype name or byte order, as `str` also when read as bytes (Python 2 pickles
    read with encoding="bytes")."""
    return value.decode("latin-1") if type(value) is bytes else value


def _brief(value: Any) -> str:
    return reprlib.repr(value)
