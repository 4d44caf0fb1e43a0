"""Reading HDF5 files defensively, for Keras's model and weight files.

h5py is an optional extra (`pip install 'lamina[h5]'`). Every failure of a damaged or
hostile file is a `ValueError` naming the file and the problem: a file that HDF5
cannot open, a missing group or attribute, a link to another file (never followed),
a dataset stored outside the file, a dataset that is not numeric or is absurdly large.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# HDF5 puts its signature at 0, or after a user block of 512, 1024, 2048, ... bytes.
_SIGNATURE_OFFSETS = (0, 512, 1024, 2048, 4096, 8192)
MAX_ARRAY_BYTES = 16 * 2**30
MAX_ATTRIBUTE_CHARS = 64 * 2**20


def is_hdf5(path: str) -> bool:
    """Whether the file at `path` starts with HDF5's signature, whatever its name.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "weights.h5")
        >>> _ = open(path, "wb").write(b"not hdf5")
        >>> is_hdf5(path)
        False
    """
    try:
        with open(path, "rb") as f:
            for offset in _SIGNATURE_OFFSETS:
                f.seek(offset)
                head = f.read(len(HDF5_SIGNATURE))
                if len(head) < len(HDF5_SIGNATURE):
                    return False
                if head == HDF5_SIGNATURE:
                    return True
    except OSError:
        return False
    return False


def require_h5py() -> Any:
    """The h5py module, or an `ImportError` saying how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading Keras's HDF5 files (.h5, .hdf5, .h5f, .weights.h5 and the "
                          "weights inside .keras archives) needs h5py. Install it with: "
                          "pip install 'lamina[h5]'") from None
    return h5py


def open_h5(source: Any, where: str) -> Any:
    """An open, read-only `h5py.File` for a path or a binary file object.

    Raises:
        ValueError: the data is not a readable HDF5 file.
    """
    h5py = require_h5py()
    try:
        return h5py.File(source, "r")
    except (OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"{where} is not a readable HDF5 file ({err}); it may be truncated "
                         "or corrupted. Save it again with Keras.") from None


def child(group: Any, key: str, where: str, kind: str = "group") -> Any:
    """The member `key` of `group`, reached through links inside the file only.

    Raises:
        ValueError: the member is missing, is of the other kind, or is a link to
            another file.
    """
    h5py = require_h5py()
    try:
        link = group.get(key, getlink=True)
    except (OSError, ValueError, RuntimeError, KeyError) as err:
        raise ValueError(f"{where} is corrupted: its member '{key}' cannot be read "
                         f"({err}).") from None
    if link is None:
        raise ValueError(f"{where} is missing the {kind} '{_path(group, key)}' that its "
                         "layout names. The file is incomplete or was not written by Keras.")
    if isinstance(link, h5py.ExternalLink):
        raise ValueError(f"{where} is refused: '{_path(group, key)}' is a link to another "
                         f"file ({link.filename!r}), which a Keras file never holds and "
                         "Lamina never follows.")
    try:
        obj = group[key]
    except (OSError, ValueError, RuntimeError, KeyError) as err:
        raise ValueError(f"{where} is corrupted: '{_path(group, key)}' cannot be opened "
                         f"({err}).") from None
    wanted = h5py.Group if kind == "group" else h5py.Dataset
    if not isinstance(obj, wanted):
        raise ValueError(f"{where} is corrupted: '{_path(group, key)}' should be a {kind}, "
                         f"but it is a {type(obj).__name__}.")
    return obj


def members(group: Any, where: str) -> list[str]:
    """The names of a group's members, in HDF5's (alphabetical) order."""
    try:
        return [str(k) for k in group.keys()]
    except (OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"{where} is corrupted: the members of '{group.name}' cannot be "
                         f"listed ({err}).") from None


def read_array(group: Any, key: str, where: str) -> np.ndarray:
    """A numeric dataset of `group` as a NumPy array, after the safety checks."""
    dataset = child(group, key, where, kind="dataset")
    name = _path(group, key)
    if getattr(dataset, "external", None) or getattr(dataset, "is_virtual", False):
        raise ValueError(f"{where} is refused: the weight '{name}' is stored outside the "
                         "file, which a Keras file never does.")
    dtype = dataset.dtype
    if dtype.kind not in "fiub" or dtype.fields is not None:
        raise ValueError(f"{where} is corrupted: the weight '{name}' has dtype {dtype}, not "
                         "a number type.")
    nbytes = int(np.prod(dataset.shape, dtype=np.int64)) * dtype.itemsize \
        if dataset.shape is not None else 0
    if nbytes > MAX_ARRAY_BYTES:
        raise ValueError(f"{where} is refused: the weight '{name}' declares {nbytes} bytes, "
                         f"more than the {MAX_ARRAY_BYTES} a weight may hold.")
    try:
        return np.asarray(dataset[()])
    except (OSError, ValueError, RuntimeError, TypeError) as err:
        raise ValueError(f"{where} is corrupted: the weight '{name}' cannot be read "
                         f"({err}).") from None


def string_list(group: Any, name: str, where: str) -> list[str] | None:
    """A list-of-strings attribute, as Keras writes it (whole, or in numbered chunks
    `name0`, `name1`, ... when it is large); None when absent."""
    attrs = _attrs(group, where)
    if name in attrs:
        chunks = [attrs[name]]
    elif f"{name}0" in attrs:
        chunks, i = [], 0
        while f"{name}{i}" in attrs:
            chunks.append(attrs[f"{name}{i}"])
            i += 1
    else:
        return None
    out: list[str] = []
    for chunk in chunks:
        values = np.atleast_1d(np.asarray(chunk))
        if values.dtype.kind == "f" and values.size == 0:  # h5py's empty attribute
            continue
        for value in values.tolist():
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            if not isinstance(value, str):
                raise ValueError(f"{where} is corrupted: the attribute '{name}' of "
                                 f"'{group.name}' holds {value!r}, not a string.")
            out.append(value)
    return out


def text_attribute(group: Any, name: str, where: str) -> str | None:
    """A string attribute (bytes are decoded as UTF-8); None when absent."""
    attrs = _attrs(group, where)
    if name not in attrs:
        return None
    value = attrs[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bytes, np.bytes_)):
        value = bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise ValueError(f"{where} is corrupted: its attribute '{name}' is a "
                         f"{type(value).__name__}, not text.")
    if len(value) > MAX_ATTRIBUTE_CHARS:
        raise ValueError(f"{where} is refused: its attribute '{name}' holds {len(value)} "
                         "characters, more than a model's config ever does.")
    return value


def json_attribute(group: Any, name: str, where: str) -> Any:
    """A JSON attribute (`model_config`, `training_config`) parsed; None when absent."""
    text = text_attribute(group, name, where)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{where} is corrupted: its attribute '{name}' is not valid JSON "
                         f"({str(err)[:200]}).") from None


def _attrs(group: Any, where: str) -> Any:
    try:
        return dict(group.attrs)
    except (OSError, ValueError, RuntimeError, TypeError) as err:
        raise ValueError(f"{where} is corrupted: the attributes of '{group.name}' cannot be "
                         f"read ({err}).") from None


def _path(group: Any, key: str) -> str:
    base = (getattr(group, "name", "") or "").strip("/")
    return f"{base}/{key}" if base else key


def describe(path: Any) -> str:
    """How messages name a file: its path in quotes."""
    return f"'{os.fspath(path)}'"
