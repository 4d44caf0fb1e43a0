"""The safetensors format, read defensively: the header first, then exactly the data
it promises.

A safetensors file is an 8-byte little-endian header length, a JSON header
(`{name: {"dtype", "shape", "data_offsets": [start, stop]}, "__metadata__": {...}}`)
and the tensors' bytes, indexed by the header without holes. `read_header` reads
and checks the header alone (dtypes, shapes, offsets, and that the sizes agree with
the size the container declares), so a caller can compare the declared tensors
with a model before a byte of data is read; `read_data` then reads exactly the
declared bytes, in chunks, and refuses a stream that holds fewer or more. Memory
is therefore bounded by what the file declares, never by what a compressed member
would expand to. Writing uses the `safetensors` package.
"""
from __future__ import annotations

import io
import json
import os
import struct
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

MAX_HEADER_BYTES = 16 * 2**20   # a header this large would describe ~100,000 tensors
MAX_TENSOR_BYTES = 256 * 2**30  # larger than any model this library trains
CHUNK = 2**20
DTYPES = {"BOOL": np.dtype("?"), "U8": np.dtype("<u1"), "I8": np.dtype("<i1"),
          "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "F16": np.dtype("<f2"),
          "BF16": np.dtype(jnp.bfloat16), "U32": np.dtype("<u4"), "I32": np.dtype("<i4"),
          "F32": np.dtype("<f4"), "U64": np.dtype("<u8"), "I64": np.dtype("<i8"),
          "F64": np.dtype("<f8")}


class TensorInfo(NamedTuple):
    """One tensor as the header declares it: dtype, shape and byte range in the data."""

    dtype: np.dtype
    shape: tuple[int, ...]
    start: int
    stop: int


class Header(NamedTuple):
    """A checked safetensors header.

    Attributes:
        tensors: the declared tensors by name.
        metadata: the `__metadata__` strings.
        header_bytes: the bytes before the data (8 + the JSON's length).
        data_bytes: the bytes of tensor data the header indexes.
    """

    tensors: dict[str, TensorInfo]
    metadata: dict[str, str]
    header_bytes: int
    data_bytes: int


def _read_exact(stream: Any, n: int, where: str, what: str) -> bytearray:
    """Exactly `n` bytes from `stream`, read in chunks; `ValueError` if it holds fewer."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        chunk = stream.read(min(CHUNK, n - got))
        if not chunk:
            raise ValueError(f"{where} is damaged: it ends after {got} of the {n} bytes of "
                             f"its {what}; it may be truncated. Save it again.")
        view[got:got + len(chunk)] = chunk
        got += len(chunk)
    return buf


def _entry(name: str, value: Any, where: str) -> TensorInfo:
    def bad(why: str) -> ValueError:
        return ValueError(f"{where} is damaged: its header declares the tensor {name!r} with "
                          f"{why}.")

    if not isinstance(value, dict):
        raise bad(f"{type(value).__name__} instead of a dict of dtype, shape and offsets")
    dtype, shape, offsets = value.get("dtype"), value.get("shape"), value.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise bad(f"the dtype {str(dtype)[:40]!r}, not one of {sorted(DTYPES)}")
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise bad(f"the shape {str(shape)[:80]}, not a list of non-negative integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(
            isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets) \
            or offsets[0] > offsets[1]:
        raise bad(f"the data_offsets {str(offsets)[:80]}, not [start, stop] with "
                  "0 <= start <= stop")
    nbytes = DTYPES[dtype].itemsize
    for d in shape:
        nbytes *= d
    if nbytes != offsets[1] - offsets[0]:
        raise bad(f"shape {shape} of {dtype} ({nbytes} bytes) but the byte range "
                  f"{offsets} ({offsets[1] - offsets[0]} bytes)")
    return TensorInfo(DTYPES[dtype], tuple(shape), offsets[0], offsets[1])


def read_header(stream: Any, where: str, size: int | None = None) -> Header:
    """Read and check the header at the start of `stream`.

    Args:
        stream: a binary stream at the start of the safetensors bytes.
        where: how messages name the file (`"the weights in 'm.lamina'"`).
        size: the total size the container declares (a zip member's size, a file's
            size); the header must index exactly that many bytes.

    Returns:
        The `Header`; the stream is left at the start of the data.

    Raises:
        ValueError: a truncated or malformed header, or sizes that disagree.

    Example:
        >>> import io, numpy as np
        >>> data = tensors_to_bytes({"w": np.ones((2, 3), np.float32)}, {"k": "v"})
        >>> header = read_header(io.BytesIO(data), "x", size=len(data))
        >>> header.tensors["w"].shape, header.data_bytes, header.metadata
        ((2, 3), 24, {'k': 'v'})
    """
    if size is not None and size < 8:
        raise ValueError(f"{where} is not a safetensors file: it holds only {size} bytes. It "
                         "may be truncated; save it again.")
    (length,) = struct.unpack("<Q", bytes(_read_exact(stream, 8, where, "header length")))
    limit = MAX_HEADER_BYTES if size is None else min(MAX_HEADER_BYTES, size - 8)
    if length > limit:
        raise ValueError(f"{where} is damaged or not a safetensors file: its header declares "
                         f"{length} bytes, more than the {limit} it can hold.")
    text = _read_exact(stream, length, where, "header")
    try:
        header = json.loads(bytes(text))
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{where} is damaged: its header is not valid JSON "
                         f"({str(err)[:120]}).") from None
    if not isinstance(header, dict):
        raise ValueError(f"{where} is damaged: its header is a {type(header).__name__}, not a "
                         "JSON object.")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str)
                                                 for v in metadata.values()):
        raise ValueError(f"{where} is damaged: its __metadata__ is not a dict of strings.")
    tensors = {name: _entry(name, value, where) for name, value in header.items()}
    end = 0
    for name, info in sorted(tensors.items(), key=lambda item: (item[1].start, item[1].stop)):
        if info.start != end:
            raise ValueError(f"{where} is damaged: the tensor {name!r} starts at byte "
                             f"{info.start} of the data, where {end} was expected (the data "
                             "must be indexed without gaps or overlaps).")
        end = info.stop
    if end > MAX_TENSOR_BYTES:
        raise ValueError(f"{where} is refused: it declares {end} bytes of tensors, more than "
                         f"the {MAX_TENSOR_BYTES} a model file may hold.")
    if size is not None and 8 + length + end != size:
        raise ValueError(f"{where} is damaged: its header promises {8 + length + end} bytes "
                         f"in all, but it holds {size}.")
    return Header(tensors, dict(metadata), 8 + length, end)


def read_data(stream: Any, header: Header, where: str) -> dict[str, np.ndarray]:
    """The tensors `header` declares, read from `stream` (positioned after the header).

    Raises:
        ValueError: the stream holds fewer or more bytes than the header promises.
    """
    buf = _read_exact(stream, header.data_bytes, where, "tensor data")
    if stream.read(1):
        raise ValueError(f"{where} is damaged: it holds more bytes than its header "
                         f"indexes ({header.data_bytes} bytes of tensors).")
    out = {}
    for name, info in header.tensors.items():
        count = (info.stop - info.start) // info.dtype.itemsize
        array = np.frombuffer(buf, info.dtype, count, info.start) if count else \
            np.zeros(0, info.dtype)
        out[name] = array.reshape(info.shape)
    return out


def tensors_to_bytes(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The safetensors encoding of named NumPy arrays with string metadata.

    Example:
        >>> import numpy as np
        >>> data = tensors_to_bytes({"w": np.ones(2, np.float32)}, {"k": "v"})
        >>> sorted(tensors_from_bytes(data, "x")[0]), tensors_from_bytes(data, "x")[1]
        (['w'], {'k': 'v'})
    """
    from safetensors.numpy import save

    arrays = {k: np.asarray(v, order="C") for k, v in tensors.items()}
    return save(arrays, metadata=metadata)


def tensors_from_bytes(data: bytes, where: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Named arrays and metadata from safetensors bytes; `ValueError` naming `where`."""
    stream = io.BytesIO(data)
    header = read_header(stream, where, size=len(data))
    return read_data(stream, header, where), header.metadata


def file_size(filepath: str) -> int:
    """The size of a file to read, refusing a missing or empty one.

    Raises:
        FileNotFoundError: there is no such file.
        ValueError: the file is empty.
    """
    if not os.path.isfile(filepath):
        raise FileNotFoundError(f"No file at '{filepath}'. Check the path.")
    size = os.path.getsize(filepath)
    if size == 0:
        raise ValueError(f"'{filepath}' is refused: it is empty (0 bytes). The save that "
                         "wrote it may have been interrupted; save again.")
    return size


def read_file_bytes(filepath: str, limit: int = MAX_TENSOR_BYTES) -> bytes:
    """The bytes of a file, refusing an empty or absurdly large one."""
    size = file_size(filepath)
    if size > limit:
        raise ValueError(f"'{filepath}' is refused: it holds {size} bytes, more than the "
                         f"limit of {limit}.")
    with open(filepath, "rb") as f:
        return f.read()
