"""Reading the pickles inside Keras's data files without running code from them.

CIFAR's batch files are pickled dicts of arrays, and IMDB's and Reuters' `.npz` hold
object arrays (lists of word indices), which NumPy stores as pickles. Both are read
by `read_pickle` (`_pickle_reader`), which interprets the pickle's opcodes as data and
never imports or calls anything the file names: NumPy arrays and plain Python values
only; any other global, call or object is refused.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any, BinaryIO

import numpy as np

from lamina.datasets._pickle_errors import PickleRefused
from lamina.datasets._pickle_reader import read_pickle

MAX_MEMBER_BYTES = 4 * 2**30
_CHUNK_BYTES = 2**24


def load_pickle(f: BinaryIO, where: str, encoding: str = "ASCII") -> Any:
    """The value pickled in the rest of `f`, read as data by `read_pickle`.

    Args:
        f: a binary file, read from its position to its end.
        where: the file's name in error messages, quoted (`"'data_batch_1'"`).
        encoding: how Python 2 strings are read: "bytes" keeps them, a codec decodes.

    Raises:
        ValueError: the pickle is damaged, or asks for more than data (a global other
            than NumPy's, an object, a call).

    Example:
        >>> import io
        >>> load_pickle(io.BytesIO(b"\\x80\\x02]q\\x00(K\\x01K\\x02e."), "'x.pkl'")
        [1, 2]
        >>> load_pickle(io.BytesIO(b"\\x80\\x02cbuiltins\\nprint\\n."), "'x.pkl'")
        Traceback (most recent call last):
        ...
        ValueError: 'x.pkl': Refusing to load the global 'builtins.print' from a data \
file: only NumPy arrays may be rebuilt. The file may be corrupted or malicious; delete \
it and download it again.
    """
    chunks, size = [], 0
    while chunk := f.read(_CHUNK_BYTES):  # a buffered read(n) would reserve n bytes
        size += len(chunk)
        if size > MAX_MEMBER_BYTES:
            raise ValueError(f"{where} is refused: it holds more than {MAX_MEMBER_BYTES} "
                             "bytes, more than any Keras data file. Delete it and download "
                             "it again.")
        chunks.append(chunk)
    data = b"".join(chunks)
    try:
        return read_pickle(data, encoding=encoding)
    except PickleRefused as err:
        raise ValueError(f"{where}: {err}") from None
    except ValueError as err:
        raise ValueError(f"{where} is corrupted ({err}); delete it and download it "
                         "again.") from None


def _read_npy(data: bytes, where: str) -> np.ndarray:
    f = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(f)
        shape, _, dtype = (np.lib.format.read_array_header_1_0(f) if version[0] == 1
                           else np.lib.format.read_array_header_2_0(f))
    except ValueError as err:
        raise ValueError(f"{where} is corrupted: {err}. Delete it and download it "
                         "again.") from None
    if not dtype.hasobject:
        f.seek(0)
        try:
            return np.lib.format.read_array(f, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"{where} is corrupted: {err}. Delete it and download it "
                             "again.") from None
    array = load_pickle(f, where, encoding="latin1")
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"{where} is corrupted: its object array does not match its "
                         "header. Delete it and download it again.")
    return array


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Every array of an `.npz` file; object arrays read by `load_pickle`.

    Example:
        >>> import os, tempfile, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
        >>> ragged = np.empty(2, dtype=object); ragged[:] = [[1, 2], [3]]
        >>> np.savez(path, x=ragged, y=np.array([0, 1]))
        >>> data = load_npz(path)
        >>> data["x"].tolist(), data["y"].tolist()
        ([[1, 2], [3]], [0, 1])
    """
    where = f"'{path}'"
    out: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ValueError(f"{where} is refused: its member '{info.filename}' "
                                     f"declares {info.file_size} bytes.")
                with zf.open(info) as member:
                    data = member.read(info.file_size + 1)
                out[info.filename[:-4]] = _read_npy(data, f"{where} ({info.filename})")
    except zipfile.BadZipFile as err:
        raise ValueError(f"{where} is not a readable .npz file ({err}); delete it and "
                         "download it again.") from None
    return out
