"""`image_dataset_from_directory`: batches of images read from class folders, as
tf.keras 2 builds them (the same files, labels, order of files, split and resizing),
returned as a `Sequence` that `fit`, `evaluate` and `predict` take.
"""
from __future__ import annotations

import copy
import math
import os
from typing import Any, Optional, Sequence as SequenceType

import numpy as np

from lamina.utils import _image_files as files
from lamina.utils._image_io import check_color_mode, load_img
from lamina.utils._image_resize import check_interpolation, crop_box, resize
from lamina.utils.sequence import Sequence

LABEL_MODES = ("int", "categorical", "binary", None)
_WHAT = "image_dataset_from_directory"


class ImageDataset(Sequence):
    """Batches `(images, labels)` (or `images`) read from files when asked for.

    What `image_dataset_from_directory` returns: images are float32 in 0..255 of shape
    `(batch, height, width, channels)`; labels are int32 `(batch,)`, float32 one-hot
    `(batch, classes)` or float32 `(batch, 1)` for "int", "categorical" and "binary".
    With `shuffle`, each epoch (after the first) takes the files in a new order.

    Attributes:
        class_names: the classes, in label order.
        file_paths: the files, in the order of the first epoch.
    """

    def __init__(self, file_paths: list[str], labels: Optional[np.ndarray],
                 label_mode: Optional[str], class_names: Optional[list[str]], *,
                 image_size: tuple[int, int], color_mode: str, interpolation: str,
                 crop_to_aspect_ratio: bool, batch_size: int, shuffle: bool, seed: int):
        super().__init__()
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self.label_mode = label_mode
        self.batch_size = batch_size
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self._labels = labels
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)
        self._order = np.arange(len(self.file_paths))
        self._cache: Optional[dict[int, np.ndarray]] = None
        self._limit: Optional[int] = None

    def __len__(self) -> int:
        batches = math.ceil(len(self.file_paths) / self.batch_size)
        return batches if self._limit is None else min(batches, self._limit)

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} is out of range: this dataset has "
                             f"{len(self)} batches.")
        rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        images = np.stack([self._image(int(i)) for i in rows])
        if self.label_mode is None:
            return images
        labels = self._labels[rows]
        if self.label_mode == "categorical":
            labels = np.eye(len(self.class_names), dtype=np.float32)[labels]
        elif self.label_mode == "binary":
            labels = labels.astype(np.float32)[:, None]
        return images, labels.astype(np.int32) if self.label_mode == "int" else labels

    def _image(self, i: int) -> np.ndarray:
        if self._cache is not None and i in self._cache:
            return self._cache[i]
        img = load_img(self.file_paths[i], color_mode=self.color_mode)
        x = np.asarray(img, np.float32)
        if x.ndim == 2:
            x = x[:, :, None]
        if self.crop_to_aspect_ratio:
            top, left, height, width = crop_box(x.shape[0], x.shape[1], self.image_size)
            x = x[top:top + height, left:left + width]
        x = resize(x, self.image_size, self.interpolation)
        if self._cache is not None:
            self._cache[i] = x
        return x

    def on_epoch_end(self) -> None:
        """Draws the next epoch's order of files (with `shuffle`)."""
        if self._shuffle:
            self._order = self._rng.permutation(len(self.file_paths))

    # tf.data's methods that the courses chain after loading.
    def cache(self, filename: str = "") -> "ImageDataset":
        """This dataset, keeping each decoded and resized image in memory after its first
        read, as `tf.data.Dataset.cache()` (in memory only; `filename` is not supported).

        Raises:
            ValueError: for a `filename` (a cache on disk).
        """
        if filename:
            raise ValueError("ImageDataset.cache keeps images in memory only; call "
                             "cache() without a filename.")
        out = copy.copy(self)
        out._cache = {}
        return out

    def prefetch(self, buffer_size: Any = None) -> "ImageDataset":
        """This dataset as it is: `fit` reads batches when it needs them, so there is
        nothing to prefetch. Kept so `ds.cache().prefetch(AUTOTUNE)` runs."""
        return self

    def shuffle(self, buffer_size: int = 0, seed: Optional[int] = None,
                reshuffle_each_iteration: bool = True) -> "ImageDataset":
        """This dataset with its files in a new order every epoch (the whole set is
        shuffled, which a buffer of any size approximates in tf.data)."""
        out = copy.copy(self)
        out._shuffle = True
        out._rng = np.random.RandomState(seed) if seed is not None else self._rng
        return out

    def take(self, count: int) -> "ImageDataset":
        """The first `count` batches, as `tf.data.Dataset.take` (`ds.take(1)` to look at
        one batch)."""
        out = copy.copy(self)
        out._limit = max(0, int(count)) if self._limit is None else min(self._limit, int(count))
        return out


def _check_arguments(labels: Any, label_mode: Any, class_names: Any, batch_size: Any,
                     validation_split: Any, subset: Any, shuffle: bool, seed: Any) -> None:
    if not (labels in ("inferred", None) or isinstance(labels, (list, tuple))):
        raise ValueError(f"labels must be 'inferred', None or a list of integer labels, one "
                         f"per image file in sorted order, but received {labels!r}.")
    if isinstance(labels, (list, tuple)) and class_names:
        raise ValueError("class_names only applies with labels='inferred' (the class "
                         f"subfolders), but received labels as a list and class_names="
                         f"{class_names!r}. Drop class_names.")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be one of {list(LABEL_MODES)}, but received "
                         f"{label_mode!r}.")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, but received "
                         f"{batch_size!r}. Unbatched datasets (batch_size=None) are not "
                         "supported: use e.g. batch_size=32.")
    if validation_split is not None and validation_split != 0 \
            and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, but received "
                         f"{validation_split!r}.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"subset must be 'training', 'validation', 'both' or None, but "
                         f"received {subset!r}.")
    if bool(validation_split) != bool(subset):
        raise ValueError("validation_split and subset go together: pass both (e.g. "
                         "validation_split=0.2, subset='training') or neither, but received "
                         f"validation_split={validation_split!r}, subset={subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError("With validation_split and shuffle=True, pass the same seed to "
                         "both calls (subset='training' and subset='validation') so the "
                         "two subsets do not overlap, e.g. seed=123.")


def _index(directory: str, labels: Any, class_names: Any, follow_links: bool
           ) -> tuple[list[str], Optional[np.ndarray], Optional[list[str]]]:
    if labels == "inferred":
        found = files.class_folders(directory, _WHAT)
        if class_names and set(class_names) != set(found):
            raise ValueError(f"{_WHAT} received class_names={list(class_names)}, but the "
                             f"subfolders of {directory!r} are {found}. Pass the same names "
                             "(in the order you want for the labels).")
        names = list(class_names) if class_names else found
        index = files.index_classes(directory, names, files.DATASET_FORMATS, follow_links)
        print(f"Found {len(index.filenames)} files belonging to {len(names)} classes.")
        return index.filenames, np.asarray(index.labels, np.int32), names
    if not os.path.isdir(directory):
        files.class_folders(directory, _WHAT)  # raises the error for a missing folder
    found = [os.path.relpath(path, directory)
             for path in files.walk_files(directory, files.DATASET_FORMATS, follow_links)]
    if labels is None:
        print(f"Found {len(found)} files.")
        return found, None, None
    if len(labels) != len(found):
        raise ValueError(f"{_WHAT} received {len(labels)} labels, but found {len(found)} "
                         f"image files in {directory!r}. Pass one label per file, in the "
                         "sorted order of their paths.")
    names = sorted(set(labels))
    print(f"Found {len(found)} files belonging to {len(names)} classes.")
    return found, np.asarray(labels, np.int32), [str(n) for n in names]


def _split(paths: list[str], labels: Optional[np.ndarray], validation_split: Optional[float],
           subset: str) -> tuple[list[str], Optional[np.ndarray]]:
    if not validation_split:
        return paths, labels
    num_val = int(validation_split * len(paths))
    keep = slice(0, len(paths) - num_val) if subset == "training" else \
        slice(len(paths) - num_val, len(paths))
    kept = paths[keep]
    print(f"Using {len(kept)} files for {subset}.")
    return kept, None if labels is None else labels[keep]


def image_dataset_from_directory(
        directory: str, labels: Any = "inferred", label_mode: Optional[str] = "int",
        class_names: Optional[SequenceType[str]] = None, color_mode: str = "rgb",
        batch_size: int = 32, image_size: tuple[int, int] = (256, 256), shuffle: bool = True,
        seed: Optional[int] = None, validation_split: Optional[float] = None,
        subset: Optional[str] = None, interpolation: str = "bilinear",
        follow_links: bool = False, crop_to_aspect_ratio: bool = False) -> Any:
    """Batches of images from a folder of class subfolders, as
    `keras.utils.image_dataset_from_directory`.

    `directory/class_a/*.jpg, directory/class_b/*.png, ...` gives labels 0 and 1 (the
    subfolders in alphanumeric order, or `class_names`' order). Files are shuffled once
    with `seed` (as tf.keras does, so `subset="training"` and `"validation"` with the same
    seed never overlap); the last `validation_split` of them is the validation subset.
    Images are decoded with Pillow and resized as `tf.image.resize` does.

    Args:
        directory: the folder.
        labels: "inferred" (from the subfolders), None (images only) or a list of
            integer labels, one per file in the sorted order of their paths.
        label_mode: "int", "categorical", "binary" (exactly two classes) or None.
        class_names: with "inferred", the subfolders in the order of their labels.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: images per batch.
        image_size: `(height, width)` every image is resized to.
        shuffle: shuffle the files (else alphanumeric order), and each epoch's order.
        seed: the seed of the shuffles; needed with `validation_split`.
        validation_split: the fraction of files held out, with `subset`.
        subset: "training", "validation", or "both" for a `(training, validation)` pair.
        interpolation: "bilinear", "nearest", "bicubic", "area", "lanczos3",
            "lanczos5", "gaussian" or "mitchellcubic".
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the largest centred box of the target's aspect ratio
            before resizing, rather than stretching.

    Returns:
        An `ImageDataset` with `class_names` and `file_paths` (a pair with "both").

    Raises:
        ImportError: without Pillow (`pip install 'lamina[image]'`).
        ValueError: for invalid arguments, a folder without class subfolders or without
            images, or files that are not readable images (named).

    Example:
        >>> import os, tempfile, numpy as np, lamina
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cats", "dogs"):
        ...     os.makedirs(os.path.join(root, name))
        ...     for i in range(3):
        ...         lamina.utils.save_img(os.path.join(root, name, f"{i}.png"),
        ...                               np.full((8, 8, 3), 40 * i + 1.0), scale=False)
        >>> ds = lamina.utils.image_dataset_from_directory(root, image_size=(4, 4),
        ...                                                batch_size=4, seed=1)
        Found 6 files belonging to 2 classes.
        >>> images, labels = ds[0]
        >>> ds.class_names, images.shape, labels.dtype.name, len(ds)
        (['cats', 'dogs'], (4, 4, 4, 3), 'int32', 2)
    """
    _check_arguments(labels, label_mode, class_names, batch_size, validation_split, subset,
                     shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_color_mode(color_mode)
    interpolation = check_interpolation(interpolation)
    directory = os.fspath(directory)
    if seed is None:
        seed = int(np.random.randint(1e6))
    names, label_array, classes = _index(directory, labels, class_names, follow_links)
    files.check_found(directory, len(names), files.DATASET_FORMATS, _WHAT)
    files.check_readable(directory, names, _WHAT)
    if label_mode == "binary" and len(classes) != 2:
        raise ValueError(f"label_mode='binary' needs exactly 2 classes, but found "
                         f"{len(classes)}: {classes}. Use label_mode='int' or "
                         "'categorical' for more.")
    paths = [os.path.join(directory, name) for name in names]
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    options = dict(image_size=tuple(image_size), color_mode=color_mode,
                   interpolation=interpolation, crop_to_aspect_ratio=crop_to_aspect_ratio,
                   batch_size=int(batch_size), shuffle=shuffle, seed=seed)
    subsets = ["training", "validation"] if subset == "both" else [subset]
    out = []
    for part in subsets:
        part_paths, part_labels = _split(paths, label_array, validation_split, part)
        if not part_paths:
            raise ValueError(f"{_WHAT}: the {part} subset of {directory!r} has no files "
                             f"(validation_split={validation_split}, {len(paths)} files). "
                             "Use a validation_split that leaves files on both sides.")
        out.append(ImageDataset(part_paths, part_labels, label_mode, classes, **options))
    return tuple(out) if subset == "both" else out[0]
