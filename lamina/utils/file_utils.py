"""`get_file`: a file from a URL, kept in Keras's cache (`~/.keras`, or `$KERAS_HOME`).

The cache is Keras's own: a file another Keras already downloaded is read where that
Keras put it, and Lamina's downloads are where Keras looks for them.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any

from lamina.utils.progbar import Progbar

_CHUNK = 1 << 16


def keras_home() -> str:
    """Keras's folder: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` when the home
    folder cannot be written), read at each call.

    Example:
        >>> import os
        >>> saved = os.environ.get("KERAS_HOME")
        >>> os.environ["KERAS_HOME"] = "/data/keras"
        >>> keras_home()
        '/data/keras'
        >>> if saved is None: del os.environ["KERAS_HOME"]
        ... else: os.environ["KERAS_HOME"] = saved
    """
    if os.environ.get("KERAS_HOME"):
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = tempfile.gettempdir()
    return os.path.join(base, ".keras")


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The sha256 (or md5) hex digest of a file, as `keras.utils.hash_file`.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "empty")
        >>> _ = open(path, "wb").close()
        >>> hash_file(path)
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    hasher = _hasher(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = 65535) -> bool:
    """Whether the file's digest is `file_hash` ("auto": sha256 for 64 hex digits, else
    md5), as `keras.utils.validate_file`."""
    return hash_file(fpath, _algorithm(algorithm, file_hash), chunk_size) == str(file_hash)


def _algorithm(algorithm: str, file_hash: str | None) -> str:
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', but received "
                         f"{algorithm!r}.")
    return algorithm


def _hasher(algorithm: str) -> Any:
    return hashlib.sha256() if algorithm == "sha256" else hashlib.md5()


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: str = "auto",
             cache_dir: str | None = None, force_download: bool = False) -> str:
    """Download a file unless it is in the cache, as `keras.utils.get_file`.

    The file goes to `cache_dir/cache_subdir/fname` (by default
    `~/.keras/datasets/fname`, or under `$KERAS_HOME`). A file already there is used
    when it matches `file_hash` (or when no hash is given); a download shows a
    progress bar and is checked against `file_hash`: a mismatch removes the file and
    raises. With `extract=True` the archive (tar, tar.gz, zip) is unpacked into
    `cache_subdir/fname` (or `fname` up to its first dot plus `_extracted`), and that
    folder is returned; members that would land outside it are skipped.

    Args:
        fname: the file's name in the cache (default: the last part of `origin`).
        origin: the URL.
        untar: old name for `extract=True` with `archive_format="tar"`.
        md5_hash: old form of `file_hash` with md5.
        file_hash: the expected sha256 (64 hex digits) or md5 digest.
        cache_subdir: the folder under `cache_dir`; an absolute path is used as is.
        hash_algorithm: "auto", "sha256" or "md5".
        extract: whether to unpack the archive.
        archive_format: "auto", "tar", "zip" or None.
        cache_dir: the cache's root (default: `$KERAS_HOME` or `~/.keras`).
        force_download: download even when the file is cached.

    Returns:
        The path of the file (or of the extracted folder).

    Raises:
        ConnectionError: the download failed (offline, unknown host, HTTP error);
            the message says where to put the file by hand.
        ValueError: the downloaded file does not match `file_hash`.

    Example:
        >>> import os, tempfile
        >>> cache = tempfile.mkdtemp()
        >>> os.makedirs(os.path.join(cache, "datasets"))
        >>> _ = open(os.path.join(cache, "datasets", "data.txt"), "w").write("cached")
        >>> path = get_file("data.txt", origin="https://example.com/data.txt",
        ...                 cache_dir=cache)
        >>> open(path).read()
        'cached'
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to '
                         'download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(os.path.expanduser(cache_dir or keras_home()), cache_subdir)
    given = os.fspath(fname) if fname is not None else None
    name = given or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if os.sep in name or "/" in name:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify "
                         "the file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={name}")
    extraction_dir = None
    if extract or untar:
        if given and "." in name:
            target = os.path.join(datadir, name)
            extraction_dir = os.path.join(datadir, name[:name.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, name)
            target = os.path.join(datadir, f"{name}_archive")
    else:
        target = os.path.join(datadir, name)
    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(
            target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because "
              f"the {_algorithm(hash_algorithm, file_hash)} file hash does not match the "
              f"original value of {file_hash} so we will re-download the data.")
        download = True
    if download:
        os.makedirs(datadir, exist_ok=True)
        _download(origin, target, extraction_dir)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            os.remove(target)
            raise ValueError(f"Incomplete or corrupted file detected. The "
                             f"{_algorithm(hash_algorithm, file_hash)} file hash does not "
                             f"match the provided value of {file_hash}. The file "
                             f"downloaded from {origin} was removed; try again, or put a "
                             f"good copy at {target}.")
    if extraction_dir is None:
        return target
    if download or not os.path.isdir(extraction_dir):
        _extract(target, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir


def _download(origin: str, target: str, extraction_dir: str | None) -> None:
    print(f"Downloading data from {origin}")
    partial = target + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, \
                open(partial, "wb") as out:
            total = response.headers.get("Content-Length")
            bar = Progbar(int(total) if total and total.isdigit() else None,
                          stream=sys.stdout)
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                done += len(chunk)
                bar.update(done)
            bar.update(done, finalize=True)
        os.replace(partial, target)
    except (urllib.error.URLError, OSError, ValueError) as err:
        if os.path.exists(partial):
            os.remove(partial)
        reason = getattr(err, "reason", None) or err
        code = f"HTTP {err.code} " if isinstance(err, urllib.error.HTTPError) else ""
        where = target if extraction_dir is None else \
            f"{target} (or unpack it into {extraction_dir})"
        raise ConnectionError(
            f"URL fetch failure on {origin}: {code}{reason}. To work offline, download "
            f"that file elsewhere and put it at {where}; Keras caches it under the same "
            "name, so a copy from another machine's ~/.keras works too.") from None


def _extract(archive: str, path: str, archive_format: str | None) -> None:
    formats = ["tar", "zip"] if archive_format == "auto" else \
        [] if not archive_format else [archive_format]
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                _guarded(path, lambda: tf.extractall(path, members=_safe_tar(tf, path),
                                                     filter="data"))
            return
        if fmt == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if _inside(path, n)]
                _guarded(path, lambda: zf.extractall(path, members=names))
            return
    raise ValueError(f"'{archive}' is not a {' or '.join(formats) or 'known'} archive, so "
                     "it cannot be extracted. Remove it and try again.")


def _guarded(path: str, unpack: Any) -> None:
    try:
        unpack()
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as err:
        shutil.rmtree(path, ignore_errors=True)
        raise ValueError(f"The archive could not be extracted into {path} ({err}); it may "
                         "be truncated. Remove it and try again.") from None


def _inside(base: str, name: str) -> bool:
    base = os.path.realpath(base)
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([base, target]) == base


def _safe_tar(tf: tarfile.TarFile, path: str) -> list[tarfile.TarInfo]:
    return [m for m in tf.getmembers() if _inside(path, m.name) and not (m.issym() or
                                                                          m.islnk())]
