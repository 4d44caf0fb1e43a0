"""Reading the pickles inside Keras's data files without running code from them.

CIFAR's batch files are pickled dicts of arrays, and IMDB's and Reuters' `.npz` hold
object arrays (lists of word indices), which NumPy stores as pickles. Both are read
with `RestrictedUnpickler`, which rebuilds NumPy arrays and plain Python values only:
a pickle naming any other global (a function to call, a class to build) is refused.
"""
from __future__ import annotations

import io
import pickle
import zipfile
from typing import Any, BinaryIO

import numpy as np

# The globals NumPy's array pickles name (numpy 1.x and 2.x spellings).
ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
})
MAX_MEMBER_BYTES = 4 * 2**30


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and plain values, and nothing else.

    Example:
        >>> import io, pickle, numpy as np
        >>> data = pickle.dumps({"x": np.arange(3)})
        >>> RestrictedUnpickler(io.BytesIO(data)).load()["x"].tolist()
        [0, 1, 2]
        >>> RestrictedUnpickler(io.BytesIO(pickle.dumps(print))).load()
        Traceback (most recent call last):
        ...
        _pickle.UnpicklingError: Refusing to load the global 'builtins.print' from a data \
file: only NumPy arrays may be rebuilt. The file may be corrupted or malicious; delete \
it and download it again.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load the global '{module}.{name}' from a data file: only NumPy "
            "arrays may be rebuilt. The file may be corrupted or malicious; delete it and "
            "download it again.")


def load_pickle(f: BinaryIO, where: str, encoding: str = "ASCII") -> Any:
    """One pickle from `f`, through `RestrictedUnpickler`; damage is a `ValueError`."""
    try:
        return RestrictedUnpickler(f, encoding=encoding).load()
    except pickle.UnpicklingError as err:
        if "Refusing" in str(err):
            raise ValueError(f"{where}: {err}") from None
        raise ValueError(f"{where} is corrupted ({err}); delete it and download it "
                         "again.") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError) as err:
        raise ValueError(f"{where} is corrupted ({type(err).__name__}: {err}); delete it "
                         "and download it again.") from None


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
    """Every array of an `.npz` file; object arrays through `RestrictedUnpickler`.

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
