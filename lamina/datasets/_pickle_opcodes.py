"""The opcodes of a pickle, decoded from its bytes one at a time, as plain values.

`Opcodes(data).next()` gives `(name, argument, position)` for each opcode of protocols
0 to 5: numbers as `int`/`float`, strings as `str`, Python 2 strings and bytes as
`bytes`, a GLOBAL's two names as `"module name"`. Opcodes that take their operands
from the stack have the argument None; so have the opcodes the reader refuses whatever
their argument (INST, OBJ, PERSID, STRING, EXT*, ...), which are named and never
decoded further. Nothing here imports, looks up or calls what the pickle names.

A length that runs past the end of the data, a missing newline or a byte that is no
opcode raises `ValueError` before anything is read.
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

HIGHEST_PROTOCOL = 5


def _uint(size: int) -> Callable[[Opcodes], int]:
    return lambda ops: int.from_bytes(ops.take(size, "integer"), "little")


def _int4(ops: Opcodes) -> int:
    return int.from_bytes(ops.take(4, "integer"), "little", signed=True)


def _sized(length: Callable[[Opcodes], int], kind: str,
           make: Callable[[bytes], Any] = bytes) -> Callable[[Opcodes], Any]:
    def read(ops: Opcodes) -> Any:
        n = length(ops)
        if n < 0:
            raise ValueError(f"a {kind} of negative length {n}")
        return make(ops.take(n, kind))
    return read


def _utf8(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def _long(raw: bytes) -> int:
    return int.from_bytes(raw, "little", signed=True)


def _line(ops: Opcodes) -> bytes:
    end = ops.data.find(b"\n", ops.pos)
    if end < 0:
        raise ValueError("no newline ends the text argument")
    raw, ops.pos = ops.data[ops.pos:end], end + 1
    return raw


def _text_int(ops: Opcodes) -> int | bool:
    raw, flags = _line(ops), {b"00": False, b"01": True}
    return flags[raw] if raw in flags else int(raw)


def _text_long(ops: Opcodes) -> int:
    raw = _line(ops)
    return int(raw[:-1] if raw.endswith(b"L") else raw)


def _global(ops: Opcodes) -> str:
    return f"{_line(ops).decode('utf-8')} {_line(ops).decode('utf-8')}"


# code -> (name, how its argument is read, or None)
OPCODES: dict[int, tuple[str, Callable[[Opcodes], Any] | None]] = {
    code[0]: (name, read) for code, name, read in [
        (b"(", "MARK", None), (b".", "STOP", None), (b"0", "POP", None),
        (b"1", "POP_MARK", None), (b"2", "DUP", None),
        (b"F", "FLOAT", lambda ops: float(_line(ops))),
        (b"I", "INT", _text_int), (b"J", "BININT", _int4), (b"K", "BININT1", _uint(1)),
        (b"L", "LONG", _text_long), (b"M", "BININT2", _uint(2)), (b"N", "NONE", None),
        (b"P", "PERSID", None), (b"Q", "BINPERSID", None), (b"R", "REDUCE", None),
        (b"S", "STRING", None), (b"T", "BINSTRING", _sized(_int4, "BINSTRING")),
        (b"U", "SHORT_BINSTRING", _sized(_uint(1), "SHORT_BINSTRING")),
        (b"V", "UNICODE", lambda ops: _line(ops).decode("raw-unicode-escape")),
        (b"X", "BINUNICODE", _sized(_uint(4), "BINUNICODE", _utf8)),
        (b"a", "APPEND", None), (b"b", "BUILD", None), (b"c", "GLOBAL", _global),
        (b"d", "DICT", None), (b"}", "EMPTY_DICT", None), (b"e", "APPENDS", None),
        (b"g", "GET", lambda ops: int(_line(ops))), (b"h", "BINGET", _uint(1)),
        (b"i", "INST", None), (b"j", "LONG_BINGET", _uint(4)), (b"l", "LIST", None),
        (b"]", "EMPTY_LIST", None), (b"o", "OBJ", None),
        (b"p", "PUT", lambda ops: int(_line(ops))), (b"q", "BINPUT", _uint(1)),
        (b"r", "LONG_BINPUT", _uint(4)), (b"s", "SETITEM", None), (b"t", "TUPLE", None),
        (b")", "EMPTY_TUPLE", None), (b"u", "SETITEMS", None),
        (b"G", "BINFLOAT", lambda ops: struct.unpack(">d", ops.take(8, "float"))[0]),
        # protocol 2
        (b"\x80", "PROTO", _uint(1)), (b"\x81", "NEWOBJ", None), (b"\x82", "EXT1", None),
        (b"\x83", "EXT2", None), (b"\x84", "EXT4", None), (b"\x85", "TUPLE1", None),
        (b"\x86", "TUPLE2", None), (b"\x87", "TUPLE3", None), (b"\x88", "NEWTRUE", None),
        (b"\x89", "NEWFALSE", None), (b"\x8a", "LONG1", _sized(_uint(1), "LONG1", _long)),
        (b"\x8b", "LONG4", _sized(_int4, "LONG4", _long)),
        # protocol 3
        (b"B", "BINBYTES", _sized(_uint(4), "BINBYTES")),
        (b"C", "SHORT_BINBYTES", _sized(_uint(1), "SHORT_BINBYTES")),
        # protocol 4
        (b"\x8c", "SHORT_BINUNICODE", _sized(_uint(1), "SHORT_BINUNICODE", _utf8)),
        (b"\x8d", "BINUNICODE8", _sized(_uint(8), "BINUNICODE8", _utf8)),
        (b"\x8e", "BINBYTES8", _sized(_uint(8), "BINBYTES8")),
        (b"\x8f", "EMPTY_SET", None), (b"\x90", "ADDITEMS", None),
        (b"\x91", "FROZENSET", None), (b"\x92", "NEWOBJ_EX", None),
        (b"\x93", "STACK_GLOBAL", None), (b"\x94", "MEMOIZE", None),
        (b"\x95", "FRAME", _uint(8)),
        # protocol 5
        (b"\x96", "BYTEARRAY8", _sized(_uint(8), "BYTEARRAY8", bytearray)),
        (b"\x97", "NEXT_BUFFER", None), (b"\x98", "READONLY_BUFFER", None),
    ]}


class Opcodes:
    """A cursor over a pickle's bytes; `pos` is the offset of the next opcode.

    Example:
        >>> ops = Opcodes(b"\\x80\\x02K\\x07X\\x02\\x00\\x00\\x00hi.")
        >>> [ops.next() for _ in range(4)]
        [('PROTO', 2, 0), ('BININT1', 7, 2), ('BINUNICODE', 'hi', 4), ('STOP', None, 11)]
    """

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int, kind: str) -> bytes:
        """The next `n` bytes of an argument; `ValueError` if fewer remain."""
        left = len(self.data) - self.pos
        if n > left:
            raise ValueError(f"expected {n} bytes in a {kind}, but only {left} remain")
        out, self.pos = self.data[self.pos:self.pos + n], self.pos + n
        return out

    def next(self) -> tuple[str, Any, int]:
        """`(name, argument, position)` of the next opcode."""
        start = self.pos
        if start >= len(self.data):
            raise ValueError("the data ends before an opcode")
        entry = OPCODES.get(self.data[start])
        if entry is None:
            raise ValueError(f"the byte {self.data[start:start + 1]!r} is no opcode")
        self.pos += 1
        name, read = entry
        return name, (read(self) if read is not None else None), start
