"""Keras 3's `.keras` archive: a zip of `config.json`, `metadata.json` and
`model.weights.h5`, read into memory by exact member names (never extracted to disk).

A file is taken for a Keras 3 archive when it is a zip holding `model.weights.h5`;
Lamina's own archives (which may also end in `.keras`) hold
`model.weights.safetensors` instead.
"""
from __future__ import annotations

import json
import zipfile
from typing import Any

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
METADATA = "metadata.json"
MAX_MEMBERS = 4096
MAX_CONFIG_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 64 * 2**30
MAX_RATIO = 1100  # deflate cannot compress more than ~1032:1


def is_keras_archive(path: str) -> bool:
    """Whether `path` is a zip holding Keras 3's `model.weights.h5`.

    Example:
        >>> import os, tempfile, zipfile
        >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
        >>> with zipfile.ZipFile(path, "w") as zf:
        ...     zf.writestr("config.json", "{}"); zf.writestr("model.weights.h5", b"")
        >>> is_keras_archive(path)
        True
    """
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as zf:
            return WEIGHTS in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def read_members(path: str, where: str, names: tuple[str, ...] = (CONFIG, WEIGHTS)
                 ) -> dict[str, bytes]:
    """The named members of a `.keras` archive, after size checks.

    Raises:
        ValueError: a member is missing, declares an absurd size, or is damaged.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ValueError(f"{where} is refused: it holds {len(infos)} members, more "
                                 "than a Keras model archive does.")
            by_name: dict[str, zipfile.ZipInfo] = {}
            for info in infos:
                if info.filename in by_name:
                    raise ValueError(f"{where} is refused: the member '{info.filename}' "
                                     "appears twice, so which one counts is ambiguous.")
                by_name[info.filename] = info
            out = {}
            for name in names:
                if name not in by_name:
                    raise ValueError(f"{where} is not a Keras model archive: it has no "
                                     f"'{name}' (it holds {sorted(by_name)[:10]}).")
                out[name] = _read(zf, by_name[name], where)
            return out
    except zipfile.BadZipFile as err:
        raise ValueError(f"{where} is not a readable zip archive ({err}); it may be "
                         "truncated or corrupted.") from None
    except (EOFError, RuntimeError, NotImplementedError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"{where} could not be read as a Keras model archive ({err}); it "
                         "may be truncated or corrupted.") from None


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    limit = MAX_CONFIG_BYTES if info.filename.endswith(".json") else MAX_WEIGHTS_BYTES
    if info.file_size > limit:
        raise ValueError(f"{where} is refused: its member '{info.filename}' declares "
                         f"{info.file_size} bytes, more than the {limit} allowed.")
    if info.file_size > max(info.compress_size, 1) * MAX_RATIO:
        raise ValueError(f"{where} is refused: its member '{info.filename}' would expand "
                         f"from {info.compress_size} to {info.file_size} bytes, more than "
                         "compression can produce (a zip bomb or a corrupted file).")
    with zf.open(info) as member:
        data = member.read(info.file_size)
        beyond = member.read(1)
    if len(data) != info.file_size or beyond:
        raise ValueError(f"{where} is corrupted: the member '{info.filename}' holds "
                         f"{len(data)} bytes, not the {info.file_size} declared.")
    return data


def parse_config(data: bytes, where: str) -> Any:
    """`config.json` parsed."""
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError) as err:
        raise ValueError(f"{where} is corrupted: its config.json is not valid JSON "
                         f"({str(err)[:200]}).") from None
