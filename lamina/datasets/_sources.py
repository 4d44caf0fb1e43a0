"""Where Keras's data sets come from: `SOURCES`, one entry per file Keras caches.

Each entry names the URL Keras downloads the file from and its digest (sha256, or md5
for the word indices, as Keras checks them; None where Keras publishes none). The
loaders read this table at each call, so a mirror (or a test server) can be used by
changing an entry: `lamina.datasets.SOURCES["mnist.npz"] = Source(url, digest)`.
"""
from __future__ import annotations

from typing import NamedTuple

from lamina.utils.file_utils import get_file

_STORAGE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_TORONTO = "https://www.cs.toronto.edu/~kriz/"


class Source(NamedTuple):
    """A file's origin URL and the digest it must have (None: not checked)."""
    origin: str
    file_hash: str | None


SOURCES: dict[str, Source] = {
    "mnist.npz": Source(_STORAGE + "mnist.npz",
                        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-labels-idx1-ubyte.gz": Source(_STORAGE + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": Source(_STORAGE + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": Source(_STORAGE + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": Source(_STORAGE + "t10k-images-idx3-ubyte.gz", None),
    "cifar-10-python.tar.gz": Source(
        _TORONTO + "cifar-10-python.tar.gz",
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar-100-python.tar.gz": Source(
        _TORONTO + "cifar-100-python.tar.gz",
        "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
    "imdb.npz": Source(_STORAGE + "imdb.npz",
                       "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": Source(_STORAGE + "imdb_word_index.json",
                                   "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": Source(_STORAGE + "reuters.npz",
                          "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index.json": Source(_STORAGE + "reuters_word_index.json",
                                      "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing.npz": Source(
        _STORAGE + "boston_housing.npz",
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
}


def fetch(key: str, fname: str | None = None, **kwargs: object) -> str:
    """The cached path of the file `SOURCES[key]` describes, downloaded when absent.

    Args:
        key: the entry of `SOURCES`.
        fname: the name in the cache (default: `key`), as the loaders' `path`.
        **kwargs: passed to `lamina.utils.get_file` (`cache_subdir`, `extract`).
    """
    source = SOURCES[key]
    return get_file(fname or key, origin=source.origin, file_hash=source.file_hash,
                    **kwargs)  # type: ignore[arg-type]
