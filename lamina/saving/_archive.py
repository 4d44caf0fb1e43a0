"""The `.lamina` archive: a zip of three members, written atomically, read defensively.

Members (read by these exact names only; a member name is never used as a path):

- `config.json`: `{"format": "lamina.model", "format_version", "lamina_version",
  "model": {class_name, config, build_config}, "compile_config"}`.
- `model.weights.safetensors`: every Variable by its name (`dense/kernel`).
- `optimizer.safetensors`: the optimizer state by key path, the step, the rng key
  and the shuffle seed (absent when saved with `include_optimizer=False`).

Version policy: `format_version` is an integer raised whenever a change to the
layout would mislead an older reader. This library reads every format version up
to `FORMAT_VERSION`; a file with a newer version is refused with a message naming
both versions and asking to upgrade Lamina. Additions older readers can ignore
(new optional members, new config keys) keep the version.

Safety: a file is checked before it is read (empty, not a zip, truncated, member
names that are absolute or contain `..`, duplicate names, declared sizes beyond
the limits below or beyond what the compression could produce); each failure is
a `ValueError` naming the file and the reason. No pickle is involved anywhere.
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import warnings
import zipfile
from typing import Any, Callable

import numpy as np
from lamina._version import __version__

FORMAT_NAME = "lamina.model"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.weights.safetensors"
OPTIMIZER = "optimizer.safetensors"
MODEL_EXTENSIONS = (".lamina", ".keras")
# Course code names files as tf.keras 2 did; such names are accepted, with a warning that
# the content is Lamina's format (never HDF5 or a TensorFlow checkpoint).
HDF5_EXTENSIONS = (".h5", ".hdf5", ".h5f")
_warned: set[str] = set()


def warn_foreign_name(path: str, what: str, suggested: str) -> None:
    """Warn once per name that `path` holds `what`, not the format its name suggests."""
    if path in _warned:
        return
    _warned.add(path)
    warnings.warn(f"'{path}' is written and read as {what}, not as HDF5 or a TensorFlow "
                  f"checkpoint: Lamina never writes those. Only Lamina can open it; name it "
                  f"'...{suggested}' to say so.", stacklevel=4)

MAX_CONFIG_BYTES = 64 * 2**20       # a config of this size is not a real model's
MAX_TENSOR_BYTES = 256 * 2**30      # larger than any model this library trains
MAX_MEMBERS = 64
MAX_DEFLATE_RATIO = 1100            # deflate cannot compress more than ~1032:1


def check_model_path(filepath: Any, action: str) -> str:
    """The path as a string if it names a model archive, else a `ValueError`.

    Example:
        >>> check_model_path("model.keras", "save")
        'model.keras'
    """
    path = os.fspath(filepath)
    lower = path.lower()
    if lower.endswith(MODEL_EXTENSIONS):
        return path
    if lower.endswith(HDF5_EXTENSIONS):
        warn_foreign_name(path, "a Lamina model archive (a zip of JSON and safetensors)",
                          ".lamina")
        return path
    hint = "A model file needs the .lamina (or .keras) extension."
    raise ValueError(f"Cannot {action} a model at '{path}': {hint} Use a path such as "
                     f"'{os.path.splitext(path)[0] or 'model'}.lamina', or "
                     "save_weights('....weights.safetensors') for the weights alone.")


def atomic_write(filepath: str, write: Callable[[Any], None], overwrite: bool = True) -> None:
    """Call `write(file)` on a temporary file next to `filepath`, then rename it into
    place, so an interrupted save never leaves a broken file or destroys the old one.
    Missing parent folders are created.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
        >>> atomic_write(path, lambda f: f.write(b"abc"))
        >>> open(path, "rb").read()
        b'abc'
    """
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' already exists and overwrite=False. Pass "
                              "overwrite=True to replace it, or choose another path.")
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(filepath)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_archive(f: Any, members: dict[str, bytes]) -> None:
    """Write `members` (name -> bytes) as a zip to the open binary file `f`."""
    with zipfile.ZipFile(f, "w") as zf:
        for name, data in members.items():
            method = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                        compress_type=method)


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (name.startswith(("/", "\\")) or ".." in parts or ":" in name
            or "\x00" in name)


def read_archive(filepath: str, optional: tuple[str, ...] = (OPTIMIZER,)) -> dict[str, bytes]:
    """The expected members of a model archive, after the safety checks.

    Args:
        filepath: the archive.
        optional: members that may be absent.

    Returns:
        `{name: bytes}` for `config.json`, the weights and any optional member present.

    Raises:
        ValueError: the file is not a sound Lamina archive (the message says why).
        FileNotFoundError: there is no such file.
    """
    if not os.path.isfile(filepath):
        raise FileNotFoundError(f"No model file at '{filepath}'. Check the path (saved "
                                "models end in .lamina or .keras).")
    size = os.path.getsize(filepath)
    if size == 0:
        raise ValueError(f"'{filepath}' is empty (0 bytes), not a Lamina model file. The "
                         "save that wrote it may have been interrupted; save again.")
    try:
        with zipfile.ZipFile(filepath) as zf:
            infos = zf.infolist()
            _check_infos(infos, filepath, size)
            by_name = {info.filename: info for info in infos}
            out: dict[str, bytes] = {}
            for name in (CONFIG, WEIGHTS, *optional):
                if name not in by_name:
                    if name in optional:
                        continue
                    raise ValueError(f"'{filepath}' is not a Lamina model file: it has no "
                                     f"'{name}' member (it holds {sorted(by_name)[:10]}).")
                out[name] = _read_member(zf, by_name[name], filepath)
            return out
    except zipfile.BadZipFile as err:
        raise ValueError(f"'{filepath}' is not a Lamina model file: it is not a readable zip "
                         f"archive ({err}); it may be truncated or corrupted. Save the model "
                         "again.") from None
    except (EOFError, OSError, RuntimeError, NotImplementedError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"'{filepath}' could not be read as a Lamina model file ({err}); "
                         "it may be truncated or corrupted.") from None


def _check_infos(infos: list[zipfile.ZipInfo], filepath: str, size: int) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"'{filepath}' is not a Lamina model file: it holds {len(infos)} "
                         f"members (a model file has 3).")
    seen: set[str] = set()
    for info in infos:
        if _unsafe(info.filename):
            raise ValueError(f"'{filepath}' is refused: it holds a member named "
                             f"{info.filename!r}, a path leading outside the archive. A "
                             "Lamina model file never does; do not use this file.")
        if info.filename in seen:
            raise ValueError(f"'{filepath}' is refused: the member '{info.filename}' appears "
                             "twice, so which one counts would be ambiguous.")
        seen.add(info.filename)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filepath: str) -> bytes:
    limit = MAX_CONFIG_BYTES if info.filename.endswith(".json") else MAX_TENSOR_BYTES
    if info.file_size > limit:
        raise ValueError(f"'{filepath}' is refused: its member '{info.filename}' declares "
                         f"{info.file_size} bytes, more than the {limit} a model file may "
                         "hold.")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ValueError(f"'{filepath}' is corrupted: the stored member '{info.filename}' "
                         f"declares {info.file_size} bytes but occupies {info.compress_size}.")
    if info.file_size > max(info.compress_size, 1) * MAX_DEFLATE_RATIO:
        raise ValueError(f"'{filepath}' is refused: its member '{info.filename}' would expand "
                         f"from {info.compress_size} to {info.file_size} bytes, more than "
                         "compression can produce (a zip bomb or a corrupted file).")
    with zf.open(info) as member:
        data = member.read(info.file_size)
        beyond = member.read(1)
    if len(data) != info.file_size or beyond:
        raise ValueError(f"'{filepath}' is corrupted: the member '{info.filename}' holds "
                         f"{len(data)} bytes, not the {info.file_size} declared.")
    return data


# -- safetensors ----------------------------------------------------------------------
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
    from safetensors.numpy import load

    if len(data) < 8:
        raise ValueError(f"{where} is not a safetensors file: it holds only {len(data)} "
                         "bytes. It may be truncated; save again.")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > min(len(data) - 8, MAX_CONFIG_BYTES):
        raise ValueError(f"{where} is not a valid safetensors file: its header declares "
                         f"{header_len} bytes but the file holds {len(data)}. It may be "
                         "truncated or corrupted.")
    try:
        header = json.loads(data[8:8 + header_len])
        metadata = header.get("__metadata__") or {}
        if not isinstance(metadata, dict):
            raise ValueError("metadata is not a dict")
        tensors = load(bytes(data))
    except Exception as err:  # safetensors raises its own error type
        raise ValueError(f"{where} is not a valid safetensors file ({err}). It may be "
                         "truncated or corrupted.") from None
    return tensors, {str(k): str(v) for k, v in metadata.items()}


def read_file_bytes(filepath: str, limit: int = MAX_TENSOR_BYTES) -> bytes:
    """The bytes of a file, refusing an empty or absurdly large one."""
    if not os.path.isfile(filepath):
        raise FileNotFoundError(f"No file at '{filepath}'. Check the path.")
    size = os.path.getsize(filepath)
    if size == 0 or size > limit:
        raise ValueError(f"'{filepath}' is refused: it holds {size} bytes, "
                         + ("empty." if size == 0 else f"more than the limit of {limit}."))
    with open(filepath, "rb") as f:
        return f.read()


def config_from_bytes(data: bytes, filepath: str) -> dict[str, Any]:
    """The parsed `config.json`, with its format and version checked."""
    try:
        config = json.loads(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read())
    except (ValueError, RecursionError, UnicodeDecodeError) as err:
        raise ValueError(f"'{filepath}' is corrupted: its config.json is not valid JSON "
                         f"({str(err)[:200]}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise ValueError(f"'{filepath}' is not a Lamina model file: its config.json does not "
                         f"declare format '{FORMAT_NAME}'.")
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"'{filepath}' is corrupted: config.json has format_version "
                         f"{version!r}, not a positive integer.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"'{filepath}' was written by a newer Lamina ({config.get('lamina_version')}, file "
            f"format {version}); this Lamina ({__version__}) reads file formats up to "
            f"{FORMAT_VERSION}. Upgrade lamina (pip install -U lamina) to load it.")
    if not isinstance(config.get("model"), dict):
        raise ValueError(f"'{filepath}' is corrupted: config.json has no 'model' entry.")
    return config
