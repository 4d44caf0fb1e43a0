"""Reading a pickle as data, without running anything the file names.

`read_pickle` walks the opcodes (decoded by `_pickle_opcodes`) and interprets a data-only
subset with its own stack and memo: numbers, booleans, None, strings and bytes, lists,
tuples, dicts and sets, the memo, and NumPy's array pickles (`_pickle_numpy`), whose
globals become inert markers. Every other opcode (INST, OBJ, NEWOBJ, EXT*, PERSID, ...),
every other global, a REDUCE on anything but a NumPy marker and a BUILD on anything but
a NumPy array or dtype in the making are refused with `PickleRefused`; a malformed
pickle raises `PickleDamaged`.

Memory stays proportional to the pickle's length: each opcode makes at most one object
from its own bytes, an array's data must match its shape, and tuples (whose hash
recurses) may nest at most `MAX_TUPLE_DEPTH` deep. Runs of small-int opcodes (IMDB's
word indices) are decoded in one loop without an `Opcodes.next` step each.
"""
from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Any

from lamina.datasets import _pickle_numpy as npk
from lamina.datasets._pickle_errors import PickleDamaged, PickleRefused, damaged, refuse
from lamina.datasets._pickle_opcodes import HIGHEST_PROTOCOL, OPCODES, Opcodes

MAX_TUPLE_DEPTH = 100
# Opcodes whose argument is the value itself.
_VALUES = frozenset({"BININT", "BININT1", "BININT2", "LONG1", "LONG4", "INT", "LONG",
                     "BINFLOAT", "FLOAT", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
                     "UNICODE", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"})
_CONSTANTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False}
_BUILDERS = (npk.ArrayBuilder, npk.DtypeBuilder)
_BININT1, _BININT2, _BININT, _FRAME = b"KMJ\x95"  # the opcodes' bytes


class _Args:
    """A tuple holding a NumPy marker or builder: only a REDUCE may take it."""
    __slots__ = ("items",)

    def __init__(self, items: tuple) -> None:
        self.items = items

    def __repr__(self) -> str:
        return f"<arguments {self.items!r}>"


_SPECIAL = frozenset({npk.Global, npk.ArrayBuilder, npk.DtypeBuilder, _Args})


def read_pickle(data: bytes, *, encoding: str = "ASCII") -> Any:
    """The value pickled in `data`, read as data only.

    Args:
        data: a pickle, of protocol 0 to 5.
        encoding: how Python 2 strings (BINSTRING) are read, as `pickle.load` reads
            them: `"bytes"` keeps bytes, any codec name ("latin1", "ASCII") decodes.

    Returns:
        The value: numbers, strings, bytes, lists, tuples, dicts, sets and NumPy arrays.

    Raises:
        PickleRefused: the pickle names another global or asks for another opcode.
        PickleDamaged: the pickle is malformed or cut short.

    Example:
        >>> read_pickle(b"\\x80\\x03}q\\x00(C\\x01nq\\x01]q\\x02(K\\x01K\\x02eX\\x01\\x00\\x00"
        ...             b"\\x00xq\\x03G?\\xe0\\x00\\x00\\x00\\x00\\x00\\x00u.")
        {b'n': [1, 2], 'x': 0.5}
        >>> read_pickle(b"\\x80\\x02cos\\nsystem\\nX\\x07\\x00\\x00\\x00echo hi\\x85R.")
        Traceback (most recent call last):
        ...
        lamina.datasets._pickle_errors.PickleRefused: Refusing to load the global \
'os.system' from a data file: only NumPy arrays may be rebuilt. The file may be \
corrupted or malicious; delete it and download it again.
    """
    if encoding != "bytes":
        codecs.lookup(encoding)
    return _Reader(bytes(data), encoding).read()


class _Reader:
    """One pass over one pickle: the stack, the marks, the memo."""

    def __init__(self, data: bytes, encoding: str) -> None:
        self.data, self.encoding = data, encoding
        self.stack: list[Any] = []
        self.marks: list[int] = []
        self.memo: dict[int, Any] = {}
        self.depths: dict[int, tuple[int, tuple]] = {}  # id -> (depth, tuple) past 1
        self.handlers: dict[str, Callable[[Any, int], None]] = {
            "PROTO": self._proto, "FRAME": self._nothing, "MARK": self._mark,
            "BINSTRING": self._py2_string, "SHORT_BINSTRING": self._py2_string,
            "EMPTY_DICT": lambda arg, pos: self.stack.append({}),
            "EMPTY_LIST": lambda arg, pos: self.stack.append([]),
            "EMPTY_TUPLE": lambda arg, pos: self.stack.append(()),
            "EMPTY_SET": lambda arg, pos: self.stack.append(set()),
            "TUPLE": self._tuple_mark,
            "TUPLE1": self._tuple_n, "TUPLE2": self._tuple_n, "TUPLE3": self._tuple_n,
            "LIST": self._list, "DICT": self._dict, "FROZENSET": self._frozenset,
            "APPEND": self._append, "APPENDS": self._appends, "SETITEM": self._setitem,
            "SETITEMS": self._setitems, "ADDITEMS": self._additems,
            "PUT": self._put, "BINPUT": self._put, "LONG_BINPUT": self._put,
            "MEMOIZE": lambda arg, pos: self._put(len(self.memo), pos),
            "GET": self._get, "BINGET": self._get, "LONG_BINGET": self._get,
            "GLOBAL": self._global, "STACK_GLOBAL": self._stack_global,
            "REDUCE": self._reduce, "BUILD": self._build,
        }
        self.op = ""

    def read(self) -> Any:
        ops = Opcodes(self.data)
        stack, handlers = self.stack, self.handlers
        while True:
            start = ops.pos
            try:
                name, arg, pos = ops.next()
            except (ValueError, OverflowError) as err:  # cut short, or no opcode
                raise self._unreadable(start, err) from None
            self.op = name
            if name in _VALUES:
                stack.append(arg)
                continue
            if name in _CONSTANTS:
                stack.append(_CONSTANTS[name])
                continue
            if name == "STOP":
                value = self._pop(1, pos)
                self._plain(value, pos)
                return value[0]
            handler = handlers.get(name)
            if handler is None:
                raise refuse(f"the pickle opcode {name}", pos)
            try:
                handler(arg, pos)
            except (PickleRefused, PickleDamaged):
                raise
            except (TypeError, ValueError, KeyError, IndexError, OverflowError) as err:
                raise damaged(f"{name} failed ({type(err).__name__}: {err})", pos) from None
            if name in ("MARK", "FRAME"):
                self._int_run(ops)

    def _unreadable(self, start: int, err: Exception) -> ValueError:
        code = self.data[start:start + 1]
        if not code:
            return damaged("the pickle ends before its STOP opcode", start)
        if code[0] not in OPCODES:
            return refuse(f"the unknown pickle opcode {code!r}", start)
        return damaged(f"the pickle is cut short or malformed ({err})", start)

    def _int_run(self, ops: Opcodes) -> None:
        """Push the ints of the BININT1/BININT2/BININT opcodes (and skip the FRAMEs)
        that follow, in one loop; `ops` goes on after them."""
        buf, i = self.data, ops.pos
        end, begin, push = len(buf) - 9, i, self.stack.append
        while i < end:
            code = buf[i]
            if code == _BININT1:
                push(buf[i + 1])
                i += 2
            elif code == _BININT2:
                push(buf[i + 1] | buf[i + 2] << 8)
                i += 3
            elif code == _BININT:
                push(int.from_bytes(buf[i + 1:i + 5], "little", signed=True))
                i += 5
            elif code == _FRAME:
                i += 9
            else:
                break
        if i != begin:
            ops.pos = i

    # -- the stack ---------------------------------------------------------------------
    def _pop(self, n: int, pos: int) -> list:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) - floor < n:
            raise damaged(f"{self.op} needs {n} values but the stack holds "
                          f"{len(self.stack) - floor}", pos)
        items = self.stack[len(self.stack) - n:]
        del self.stack[len(self.stack) - n:]
        return items

    def _pop_mark(self, pos: int) -> list:
        if not self.marks:
            raise damaged(f"{self.op} found no MARK", pos)
        k = self.marks.pop()
        items = self.stack[k:]
        del self.stack[k:]
        return items

    def _top(self, kind: type, pos: int) -> Any:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) <= floor or type(self.stack[-1]) is not kind:
            found = type(self.stack[-1]).__name__ if len(self.stack) > floor else "nothing"
            raise damaged(f"{self.op} found a {found}, not a {kind.__name__}", pos)
        return self.stack[-1]

    def _plain(self, items: list, pos: int) -> None:
        """Refuse a marker, an unfinished array or dtype, or their arguments, going
        into a container or out of the reader."""
        if not _SPECIAL.isdisjoint(map(type, items)):
            odd = next(x for x in items if type(x) in _SPECIAL)
            raise refuse(f"the pickle opcode {self.op} with {odd!r} as a value", pos)

    # -- opcodes -------------------------------------------------------------------------
    def _proto(self, arg: int, pos: int) -> None:
        if arg > HIGHEST_PROTOCOL:
            raise damaged(f"the pickle has protocol {arg}, past the highest "
                          f"({HIGHEST_PROTOCOL})", pos)

    def _nothing(self, arg: Any, pos: int) -> None:
        pass

    def _mark(self, arg: Any, pos: int) -> None:
        self.marks.append(len(self.stack))

    def _py2_string(self, raw: bytes, pos: int) -> None:
        self.stack.append(raw if self.encoding == "bytes" else raw.decode(self.encoding))

    def _tuple(self, items: list, pos: int) -> Any:
        if not _SPECIAL.isdisjoint(map(type, items)):
            return _Args(tuple(items))
        out = tuple(items)
        if any(type(x) is tuple for x in items):
            depth = 1 + max(self._depth(x) for x in items)
            if depth > MAX_TUPLE_DEPTH:
                raise refuse(f"tuples nested more than {MAX_TUPLE_DEPTH} deep", pos)
            self.depths[id(out)] = (depth, out)
        return out

    def _depth(self, x: Any) -> int:
        if type(x) is not tuple:
            return 0
        entry = self.depths.get(id(x))
        return entry[0] if entry is not None and entry[1] is x else 1

    def _tuple_mark(self, arg: Any, pos: int) -> None:
        self.stack.append(self._tuple(self._pop_mark(pos), pos))

    def _tuple_n(self, arg: Any, pos: int) -> None:
        self.stack.append(self._tuple(self._pop(int(self.op[-1]), pos), pos))

    def _list(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        self.stack.append(items)

    def _dict(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        if len(items) % 2:
            raise damaged(f"DICT got an odd number ({len(items)}) of keys and values", pos)
        self.stack.append(dict(zip(items[::2], items[1::2])))

    def _frozenset(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        self.stack.append(frozenset(items))

    def _append(self, arg: Any, pos: int) -> None:
        item = self._pop(1, pos)
        self._plain(item, pos)
        self._top(list, pos).append(item[0])

    def _appends(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        self._top(list, pos).extend(items)

    def _setitem(self, arg: Any, pos: int) -> None:
        key, value = self._pop(2, pos)
        self._plain([key, value], pos)
        self._top(dict, pos)[key] = value

    def _setitems(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        if len(items) % 2:
            raise damaged(f"SETITEMS got an odd number ({len(items)}) of keys and values",
                          pos)
        self._top(dict, pos).update(zip(items[::2], items[1::2]))

    def _additems(self, arg: Any, pos: int) -> None:
        items = self._pop_mark(pos)
        self._plain(items, pos)
        self._top(set, pos).update(items)

    def _put(self, key: int, pos: int) -> None:
        if key < 0:
            raise damaged(f"{self.op} stores at the negative memo index {key}", pos)
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) <= floor:
            raise damaged(f"{self.op} found nothing to store", pos)
        value = self.memo[key] = self.stack[-1]
        if type(value) in _BUILDERS:
            value.memo_keys.append(key)

    def _get(self, key: int, pos: int) -> None:
        if key not in self.memo:
            raise damaged(f"{self.op} reads the memo index {key}, never stored", pos)
        self.stack.append(self.memo[key])

    def _global(self, arg: str, pos: int) -> None:
        module, _, name = arg.partition(" ")
        self.stack.append(npk.find_global(module, name))

    def _stack_global(self, arg: Any, pos: int) -> None:
        module, name = self._pop(2, pos)
        if type(module) is not str or type(name) is not str:
            raise damaged("STACK_GLOBAL got a module or name that is not a string", pos)
        self.stack.append(npk.find_global(module, name))

    def _reduce(self, arg: Any, pos: int) -> None:
        func, args = self._pop(2, pos)
        if type(func) is not npk.Global:
            raise refuse(f"the pickle opcode REDUCE on a {type(func).__name__}", pos)
        if type(args) not in (tuple, _Args):
            raise damaged(f"REDUCE got a {type(args).__name__} as arguments, not a tuple",
                          pos)
        self.stack.append(npk.reduce(func, args.items if type(args) is _Args else args,
                                     pos))

    def _build(self, arg: Any, pos: int) -> None:
        target, state = self._pop(2, pos)
        if type(target) not in _BUILDERS:
            raise refuse(f"the pickle opcode BUILD on a {type(target).__name__}", pos)
        value = target.build(state, pos)
        self.stack.append(value)
        for key in target.memo_keys:
            if self.memo.get(key) is target:
                self.memo[key] = value
