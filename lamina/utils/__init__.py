"""Utilities: seeding, and the helpers Keras keeps under `keras.utils`."""
from __future__ import annotations

import random as _py_random
import warnings
from typing import Any

import numpy as np

from lamina import random as _random
from lamina.data import unpack_xy as unpack_x_y_sample_weight
from lamina.utils._image_dataset import image_dataset_from_directory
from lamina.utils._image_io import array_to_img, img_to_array, load_img, save_img
from lamina.utils.dataset_split import split_dataset
from lamina.utils.file_utils import get_file
from lamina.utils.numerical import normalize, to_categorical
from lamina.utils.padding import pad_sequences
from lamina.utils.progbar import Progbar
from lamina.utils.sequence import PyDataset, Sequence
from lamina.utils.timeseries import timeseries_dataset_from_array

__all__ = ["Progbar", "PyDataset", "Sequence", "array_to_img", "get_file",
           "image_dataset_from_directory", "img_to_array", "load_img", "multi_gpu_model",
           "normalize", "pad_sequences", "save_img", "set_random_seed", "split_dataset",
           "timeseries_dataset_from_array", "to_categorical", "unpack_x_y_sample_weight"]


def set_random_seed(seed: int) -> None:
    """Seed Python, NumPy and Lamina at once, as `keras.utils.set_random_seed`.

    The same seed gives the same initial weights, the same Dropout masks and
    the same shuffling, so the same History, bit for bit, on CPU.

    Args:
        seed: a non-negative integer.

    Example:
        >>> import lamina
        >>> lamina.utils.set_random_seed(0)
    """
    _random.set_seed(seed)
    _py_random.seed(seed)
    np.random.seed(int(seed) % (2**32))


def multi_gpu_model(model: Any, gpus: Any = None, cpu_merge: bool = True,
                    cpu_relocation: bool = False) -> Any:
    """Keras 2's `multi_gpu_model`, removed from later Keras: returns `model` itself,
    with a warning, so that Keras 2 scripts run (on the device JAX places them on).

    Example:
        >>> import warnings, lamina
        >>> model = lamina.Sequential([lamina.layers.Input((2,)), lamina.layers.Dense(1)])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     multi_gpu_model(model, gpus=2) is model
        True
    """
    warnings.warn("multi_gpu_model is from Keras 2 and returns the model unchanged: it "
                  "trains on the device JAX places it on. Use the model directly.",
                  stacklevel=2)
    return model
