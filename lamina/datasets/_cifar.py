"""CIFAR's batch files (pickled dicts of arrays), and where Keras caches them.

Keras 3 unpacks `cifar-10-python.tar.gz` into
`~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/`; tf.keras 2 into
`~/.keras/datasets/cifar-10-batches-py/`. Either is read when present; a download
goes where Keras 3 puts it. (CIFAR-100 likewise, with `cifar-100-python`.)
"""
from __future__ import annotations

import os

import numpy as np

from lamina import backend
from lamina.datasets._pickles import load_pickle
from lamina.datasets._sources import fetch
from lamina.utils.file_utils import keras_home


def load_batch(fpath: str, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """`(data of shape (n, 3, 32, 32), labels)` from one CIFAR batch file, read by
    `load_pickle` (NumPy arrays and plain values only, nothing called)."""
    with open(fpath, "rb") as f:
        batch = load_pickle(f, f"'{fpath}'", encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"'{fpath}' is not a CIFAR batch file: it holds a "
                         f"{type(batch).__name__}, not a dict.")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"'{fpath}' is not a CIFAR batch file: it has no 'data' and "
                         f"'{label_key}' entries (it has {sorted(batch)[:8]}).")
    data = np.asarray(batch["data"])
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"'{fpath}' is corrupted: its data have shape {data.shape}, not "
                         "(n, 3072).")
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def batches_folder(name: str, files: tuple[str, ...]) -> str:
    """The folder holding `files` of the CIFAR archive whose top folder is `name`
    (`cifar-10-batches-py`), from Keras 3's or tf.keras 2's cache, downloaded when
    absent."""
    datasets = os.path.join(keras_home(), "datasets")
    for folder in (os.path.join(datasets, f"{name}-target", name),
                   os.path.join(datasets, name)):
        if all(os.path.isfile(os.path.join(folder, f)) for f in files):
            return folder
    archive = "cifar-10-python.tar.gz" if name.startswith("cifar-10-") \
        else "cifar-100-python.tar.gz"
    try:
        folder = os.path.join(fetch(archive, f"{name}-target", extract=True), name)
    except ConnectionError as err:
        raise ConnectionError(
            f"{err}\nOr, simpler: download {archive} and unpack it into {datasets}, so "
            f"that {os.path.join(datasets, name, files[0])} exists (tf.keras 2's "
            "layout, which Lamina reads too).") from None
    missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
    if missing:
        raise ValueError(f"The CIFAR archive unpacked into '{folder}' lacks {missing}. "
                         "Delete the folder and the archive next to it and try again.")
    return folder


def channels(x: np.ndarray) -> np.ndarray:
    """`(n, 3, 32, 32)` images in the layout `lamina.backend.image_data_format()` asks."""
    return x.transpose(0, 2, 3, 1) if backend.image_data_format() == "channels_last" else x
