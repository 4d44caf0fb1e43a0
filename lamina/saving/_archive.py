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
names that are absolute or contain `..`, duplicate names, compression other than
stored or deflated, declared sizes beyond the limits below or beyond what the
compression could produce). Members are read in chunks, never beyond the size they
declare; a safetensors member's header is read and checked first (see
`_safetensors`), so the loader can compare the declared tensors with the rebuilt
architecture before a byte of their data is read. Each failure is a `ValueError`
naming the file, the member and the reason. No pickle is involved anywhere.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import tempfile
import warnings
import zipfile
import zlib
from typing import Any, Callable, Iterator

import numpy as np

from lamina._version import __version__
from lamina.saving import _safetensors as _st

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

MAX_CONFIG_BYTES = 16 * 2**20       # 50 times the config of InceptionV3
MAX_TENSOR_BYTES = _st.MAX_TENSOR_BYTES
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

    A process killed in the middle of a save (SIGKILL, a power cut) cannot remove its
    temporary file `.NAME.<pid>-<random>.tmp`; the next save of the same target
    removes those whose process is gone.

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
    base = os.path.basename(filepath)
    remove_stale_temporaries(folder, base)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.{os.getpid()}-", suffix=".tmp")
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


def remove_stale_temporaries(folder: str, base: str) -> list[str]:
    """Remove the temporary files earlier saves of `base` left in `folder` when their
    process died mid-write; those of a process still running are kept. Returns the
    names removed.

    Example:
        >>> import os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> for name in (".m.lamina.999999999-x.tmp", f".m.lamina.{os.getpid()}-y.tmp"):
        ...     open(os.path.join(folder, name), "wb").close()
        >>> remove_stale_temporaries(folder, "m.lamina")
        ['.m.lamina.999999999-x.tmp']
    """
    prefix = f".{base}."
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in sorted(names):
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        owner = name[len(prefix):-len(".tmp")].split("-", 1)[0]
        if owner.isdigit() and _running(int(owner)):
            continue
        try:
            os.remove(os.path.join(folder, name))
            removed.append(name)
        except OSError:  # gone already, or held open (Windows)
            pass
    return removed


def _running(pid: int) -> bool:
    """Whether process `pid` exists (on Windows, always assumed: an open file there
    cannot be removed anyway)."""
    if pid == os.getpid() or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such process (or no such pid)
        return False
    except OSError:  # it exists, owned by another user
        return True
    return True


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


# What reading a zip member raises for damaged data, besides BadZipFile.
_DECODE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                  NotImplementedError, struct.error)


class ModelArchive:
    """An open model archive whose members are read on demand, each bounded by the
    sizes the file declares (see the module docstring for the checks).

    Args:
        filepath: the archive.

    Raises:
        ValueError: the file is not a sound Lamina archive (the message says why).
        FileNotFoundError: there is no such file.

    Example:
        >>> import os, tempfile, lamina as keras
        >>> keras.layers.clear_session()
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
        >>> path = os.path.join(tempfile.mkdtemp(), "m.lamina")
        >>> model.save(path)
        >>> with ModelArchive(path) as archive:
        ...     header = archive.header(WEIGHTS)
        ...     sorted(header.tensors), archive.has(OPTIMIZER)
        (['dense/bias', 'dense/kernel'], False)
    """

    def __init__(self, filepath: str):
        if not os.path.isfile(filepath):
            raise FileNotFoundError(f"No model file at '{filepath}'. Check the path (saved "
                                    "models end in .lamina or .keras).")
        self.path = filepath
        size = os.path.getsize(filepath)
        if size == 0:
            raise ValueError(f"'{filepath}' is empty (0 bytes), not a Lamina model file. The "
                             "save that wrote it may have been interrupted; save again.")
        try:
            self._zip = zipfile.ZipFile(filepath)
        except zipfile.BadZipFile as err:
            raise ValueError(f"'{filepath}' is not a Lamina model file: it is not a readable "
                             f"zip archive ({err}); it may be truncated or damaged. Save the "
                             "model again.") from None
        except (*_DECODE_ERRORS, ValueError) as err:
            if isinstance(err, FileNotFoundError):
                raise
            raise ValueError(f"'{filepath}' could not be read as a Lamina model file ({err}); "
                             "it may be truncated or damaged.") from None
        try:
            infos = self._zip.infolist()
            _check_infos(infos, filepath)
            self._infos = {info.filename: info for info in infos}
            if CONFIG not in self._infos or WEIGHTS not in self._infos:
                missing = CONFIG if CONFIG not in self._infos else WEIGHTS
                raise ValueError(f"'{filepath}' is not a Lamina model file: it has no "
                                 f"'{missing}' member (it holds {sorted(self._infos)[:10]}).")
        except BaseException:
            self._zip.close()
            raise

    def __enter__(self) -> "ModelArchive":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._zip.close()

    def has(self, name: str) -> bool:
        """Whether the archive holds the member `name`."""
        return name in self._infos

    @contextlib.contextmanager
    def _member(self, name: str, limit: int) -> Iterator[Any]:
        """The member's stream after the size and compression checks; errors of the
        decompressor become a `ValueError` naming the member."""
        info = self._infos[name]
        _check_member(info, self.path, limit)
        try:
            with self._zip.open(info) as stream:
                yield stream
        except _DECODE_ERRORS as err:
            raise ValueError(f"'{self.path}' is damaged: its member '{name}' cannot be "
                             f"decompressed ({type(err).__name__}: {str(err)[:120]}). Save "
                             "the model again.") from None

    def read_json(self, name: str = CONFIG) -> bytes:
        """The bytes of a JSON member, at most `MAX_CONFIG_BYTES`."""
        info = self._infos[name]
        with self._member(name, MAX_CONFIG_BYTES) as stream:
            data = _st._read_exact(stream, info.file_size, f"'{self.path}' ('{name}')",
                                   "content")
            if stream.read(1):
                raise ValueError(f"'{self.path}' is damaged: the member '{name}' holds more "
                                 f"than the {info.file_size} bytes it declares.")
        return bytes(data)

    def header(self, name: str) -> _st.Header:
        """The checked safetensors header of a member; no tensor data is read."""
        info = self._infos[name]
        with self._member(name, MAX_TENSOR_BYTES) as stream:
            return _st.read_header(stream, self._where(name), size=info.file_size)

    def tensors(self, name: str, header: _st.Header) -> dict[str, np.ndarray]:
        """The tensors of a member, read in chunks into exactly the bytes `header`
        (from `self.header(name)`) declares."""
        with self._member(name, MAX_TENSOR_BYTES) as stream:
            _st._read_exact(stream, header.header_bytes, self._where(name), "header")
            return _st.read_data(stream, header, self._where(name))

    def _where(self, name: str) -> str:
        return f"'{self.path}' (its member '{name}')"


def _check_infos(infos: list[zipfile.ZipInfo], filepath: str) -> None:
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


def _check_member(info: zipfile.ZipInfo, filepath: str, limit: int) -> None:
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"'{filepath}' is damaged or not a Lamina model file: its member "
                         f"'{info.filename}' uses zip compression method {info.compress_type}"
                         "; Lamina files store members plain or deflated.")
    if info.file_size > limit:
        raise ValueError(f"'{filepath}' is refused: its member '{info.filename}' declares "
                         f"{info.file_size} bytes, more than the {limit} a model file may "
                         "hold.")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise ValueError(f"'{filepath}' is damaged: the stored member '{info.filename}' "
                         f"declares {info.file_size} bytes but occupies {info.compress_size}.")
    if info.file_size > max(info.compress_size, 1) * MAX_DEFLATE_RATIO:
        raise ValueError(f"'{filepath}' is refused: its member '{info.filename}' would expand "
                         f"from {info.compress_size} to {info.file_size} bytes, more than "
                         "compression can produce (a zip bomb or a damaged file).")


# -- safetensors (kept here for the callbacks that read and write through this module) --
tensors_to_bytes = _st.tensors_to_bytes
tensors_from_bytes = _st.tensors_from_bytes
read_file_bytes = _st.read_file_bytes


def config_from_bytes(data: bytes, filepath: str) -> dict[str, Any]:
    """The parsed `config.json`, with its format and version checked."""
    try:
        config = json.loads(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read())
    except (ValueError, RecursionError, UnicodeDecodeError) as err:
        raise ValueError(f"'{filepath}' is damaged: its config.json is not valid JSON "
                         f"({str(err)[:200]}).") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT_NAME:
        raise ValueError(f"'{filepath}' is not a Lamina model file: its config.json does not "
                         f"declare format '{FORMAT_NAME}'.")
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"'{filepath}' is damaged: config.json has format_version "
                         f"{version!r}, not a positive integer.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"'{filepath}' was written by a newer Lamina ({config.get('lamina_version')}, file "
            f"format {version}); this Lamina ({__version__}) reads file formats up to "
            f"{FORMAT_VERSION}. Upgrade lamina (pip install -U lamina) to load it.")
    if not isinstance(config.get("model"), dict):
        raise ValueError(f"'{filepath}' is damaged: config.json has no 'model' entry.")
    return config
