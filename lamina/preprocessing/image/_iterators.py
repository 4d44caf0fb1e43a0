"""The iterators `ImageDataGenerator.flow` and `flow_from_directory` return: tf.keras 2's
`Iterator`, `NumpyArrayIterator` and `DirectoryIterator`, `keras.utils.Sequence`s whose
batches are transformed a whole batch at a time.

Indexing (`it[i]`, what `fit` does) and `next(it)` (what course code does to look at a
batch) follow tf.keras: with a seed, NumPy's global random state is seeded with
`seed + batches seen so far` before each batch; the order of the images is drawn when
the first batch is asked for and again at the end of every epoch.
"""
from __future__ import annotations

import os
import warnings
from typing import Any, Iterator as IteratorType, Optional, Sequence as SequenceType

import numpy as np

from lamina.utils import _image_files as files
from lamina.utils._image_io import array_to_img, check_color_mode, img_to_array, load_img
from lamina.utils.sequence import Sequence


class Iterator(Sequence):
    """The base of the image iterators, as `keras.preprocessing.image.Iterator`.

    Subclasses define `_get_batches_of_transformed_samples(index_array)`.

    Args:
        n: the number of images.
        batch_size: images per batch.
        shuffle: a new order every epoch.
        seed: seeds NumPy's global random state before each batch.
    """

    white_list_formats = files.GENERATOR_FORMATS

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: Optional[int]) -> None:
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, but received "
                             f"{batch_size!r}.")
        self.n = n
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array: Optional[np.ndarray] = None
        self.index_generator = self._flow_index()

    def _set_index_array(self) -> None:
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx: int) -> Any:
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def _flow_index(self) -> IteratorType[np.ndarray]:
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self) -> Any:
        return self.next()

    def next(self) -> Any:
        """The next batch, going round the images forever (a new order each pass)."""
        return self._get_batches_of_transformed_samples(next(self.index_generator))

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        raise TypeError(f"{type(self).__name__} must define "
                        "_get_batches_of_transformed_samples(index_array).")

    def _save(self, batch_x: np.ndarray, index_array: np.ndarray, high: float) -> None:
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            name = f"{self.save_prefix}_{j}_{np.random.randint(high)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, name))

    def _check_subset(self, subset: Optional[str], generator: Any) -> None:
        if subset is None:
            return
        if subset not in ("training", "validation"):
            raise ValueError(f"subset must be 'training', 'validation' or None, but "
                             f"received {subset!r}.")
        if not generator._validation_split:
            raise ValueError(f"subset={subset!r} needs the generator's validation_split, "
                             "e.g. ImageDataGenerator(validation_split=0.2, ...).")


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from arrays, as `keras.preprocessing.image.NumpyArrayIterator`.

    `subset="validation"` takes the first `validation_split` of the images and
    "training" the rest, as tf.keras does.
    """

    def __init__(self, x: Any, y: Any, image_data_generator: Any, batch_size: int = 32,
                 shuffle: bool = False, sample_weight: Any = None, seed: Optional[int] = None,
                 data_format: str = "channels_last", save_to_dir: Optional[str] = None,
                 save_prefix: str = "", save_format: str = "png",
                 subset: Optional[str] = None, ignore_class_split: bool = False,
                 dtype: str = "float32") -> None:
        self.dtype = dtype
        if isinstance(x, (tuple, list)):
            misc = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(a) for a in misc]
            x = x[0]
            for a in x_misc:
                if len(x) != len(a):
                    raise ValueError(f"All arrays in x must have the same length, but the "
                                     f"images have {len(x)} and another input {len(a)}.")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"x (images) and y (labels) must have the same length, but "
                             f"received x of shape {np.shape(x)} and y of shape "
                             f"{np.shape(y)}.")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"x (images) and sample_weight must have the same length, but "
                             f"received x of shape {np.shape(x)} and sample_weight of shape "
                             f"{np.shape(sample_weight)}.")
        self._check_subset(subset, image_data_generator)
        if subset is not None:
            split = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(y[:split]), np.unique(y[split:])):
                raise ValueError("The training and validation subsets have different sets "
                                 "of labels after the split. If the arrays are sorted by "
                                 "label, shuffle them first; for targets that are not "
                                 "classes pass ignore_class_split=True.")
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x, x_misc = x[part], [np.asarray(a[part]) for a in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            hint = (" For grayscale images add the channel axis: x[..., None]."
                    if self.x.ndim == 3 else "")
            raise ValueError(f"flow() needs images of rank 4 (samples, height, width, "
                             f"channels), but received an array of shape {self.x.shape}."
                             f"{hint}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 "
                f"channels on axis {channels_axis}. However, it was passed an array with "
                f"shape {self.x.shape} ({self.x.shape[channels_axis]} channels).",
                stacklevel=3)
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        batch_x = self.image_data_generator._augment(self.x[index_array],
                                                     pad_to=self.batch_size)
        if self.save_to_dir:
            self._save(batch_x, index_array, 1e4)
        misc = [a[index_array] for a in self.x_misc]
        inputs = [batch_x] + misc if misc else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is None:
            return inputs, self.y[index_array]
        return inputs, self.y[index_array], self.sample_weight[index_array]


class DirectoryIterator(Iterator):
    """Batches of augmented images read from class subfolders, as
    `keras.preprocessing.image.DirectoryIterator`.

    Attributes:
        class_indices: class name -> label.
        classes: the label of every file (int32), in the order of `filenames`.
        filenames: the files, relative to `directory` (`cats/1.jpg`).
        filepaths: the same, joined to `directory`.
        samples: the number of files.
        num_classes: the number of classes.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory: str, image_data_generator: Any,
                 target_size: tuple[int, int] = (256, 256), color_mode: str = "rgb",
                 classes: Optional[SequenceType[str]] = None,
                 class_mode: Optional[str] = "categorical", batch_size: int = 32,
                 shuffle: bool = True, seed: Optional[int] = None,
                 data_format: str = "channels_last", save_to_dir: Optional[str] = None,
                 save_prefix: str = "", save_format: str = "png", follow_links: bool = False,
                 subset: Optional[str] = None, interpolation: str = "nearest",
                 keep_aspect_ratio: bool = False, dtype: str = "float32") -> None:
        what = "flow_from_directory"
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(s) for s in target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        channels = check_color_mode(color_mode)
        self.color_mode = color_mode
        self.data_format = data_format
        self.image_shape = self.target_size + (channels,) if data_format == "channels_last" \
            else (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self._check_subset(subset, image_data_generator)
        split = None if subset is None else (
            (0, image_data_generator._validation_split) if subset == "validation"
            else (image_data_generator._validation_split, 1))
        self.split = split
        self.subset = subset
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"class_mode must be one of {list(self.allowed_class_modes)}, "
                             f"but received {class_mode!r}.")
        self.class_mode = class_mode
        self.dtype = dtype
        self.directory = os.fspath(directory)
        found = files.class_folders(self.directory, what)
        names = files.match_classes(self.directory, classes, found, what)
        everything = files.index_classes(self.directory, names, self.white_list_formats,
                                         follow_links)
        files.check_found(self.directory, len(everything.filenames), self.white_list_formats,
                          what)
        index = everything if split is None else files.index_classes(
            self.directory, names, self.white_list_formats, follow_links, split)
        files.check_readable(self.directory, index.filenames, what)
        self.num_classes = len(names)
        self.class_indices = dict(zip(names, range(len(names))))
        self.filenames = index.filenames
        self.samples = len(self.filenames)
        self.classes = np.asarray(index.labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self) -> list[str]:
        return self._filepaths

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    @property
    def sample_weight(self) -> None:
        return None

    def _load(self, path: str) -> np.ndarray:
        img = load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                       interpolation=self.interpolation,
                       keep_aspect_ratio=self.keep_aspect_ratio)
        x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
        img.close()
        return x

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        raw = np.stack([self._load(self._filepaths[j]) for j in index_array]) \
            if len(index_array) else np.zeros((0,) + self.image_shape, self.dtype)
        batch_x = self.image_data_generator._augment(raw, pad_to=self.batch_size) \
            if self.image_data_generator else raw
        if self.save_to_dir:
            self._save(batch_x, index_array, 1e7)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.eye(len(self.class_indices), dtype=self.dtype)[self.classes[index_array]]
        else:
            return batch_x
        return batch_x, batch_y
