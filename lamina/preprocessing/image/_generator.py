"""`ImageDataGenerator`: tf.keras 2's real-time augmentation, a batch at a time.

The semantics are tf.keras 2's, image for image: the same random parameters from
NumPy's global random state (a seeded `flow` gives tf.keras's images), the same order
of operations (affine map, channel shift, flips, brightness, then `standardize`:
`preprocessing_function`, `rescale`, sample-wise and feature-wise normalisation, ZCA).
Only the work is batched: one compiled call transforms the whole batch.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Optional, Sequence

import numpy as np

from lamina.preprocessing.image import _affine, _params
from lamina.preprocessing.image._iterators import DirectoryIterator, NumpyArrayIterator
from lamina.preprocessing.image._params import TransformParams
from lamina.utils._image_io import check_data_format


def _warn(message: str) -> None:
    warnings.warn(message, stacklevel=3)


class ImageDataGenerator:
    """Batches of images with random augmentation, as `keras.preprocessing.image.ImageDataGenerator`.

    Args:
        featurewise_center: subtract the data set's mean per channel (needs `fit`).
        samplewise_center: subtract each image's mean.
        featurewise_std_normalization: divide by the data set's std per channel
            (needs `fit`; implies `featurewise_center`).
        samplewise_std_normalization: divide each image by its std.
        zca_whitening: ZCA whitening (needs `fit`).
        zca_epsilon: epsilon of the whitening.
        rotation_range: rotations drawn in [-range, range] degrees.
        width_shift_range, height_shift_range: a float < 1 is a fraction of the
            width (height), a float >= 1 pixels, both drawn uniformly in [-r, r]; an
            int or a list draws whole pixels from `range(r)` or the list, with a
            random sign.
        brightness_range: `(low, high)` brightness factors (through 8-bit values, as
            tf.keras does with Pillow).
        shear_range: shear angles drawn in [-range, range] degrees.
        zoom_range: a float `z` for [1 - z, 1 + z], or `(low, high)`; rows and columns
            are zoomed independently. Above 1 zooms out.
        channel_shift_range: a value drawn in [-range, range] added to every channel
            (clipped to the image's range).
        fill_mode: "constant", "nearest" (the default), "reflect" or "wrap", as
            `scipy.ndimage` fills points outside the image.
        cval: the value outside the image with "constant".
        horizontal_flip, vertical_flip: flip half of the images.
        rescale: a factor every image is multiplied by (after augmentation).
        preprocessing_function: called on each image (3-D) after augmentation and
            before `rescale`; returns an image of the same shape.
        data_format: "channels_last" (the default) or "channels_first".
        validation_split: the fraction of images `subset="validation"` takes.
        interpolation_order: 0 (nearest) or 1 (bilinear, the default).
        dtype: the dtype of the batches, float32 by default.

    Example:
        >>> import numpy as np
        >>> gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True,
        ...                          rescale=1 / 255)
        >>> x = np.random.rand(10, 8, 8, 3) * 255
        >>> images, labels = gen.flow(x, np.arange(10), batch_size=4, seed=0)[0]
        >>> images.shape, labels.shape, bool(images.max() <= 1)
        ((4, 8, 8, 3), (4,), True)
    """

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False,
                 samplewise_std_normalization: bool = False, zca_whitening: bool = False,
                 zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range: Any = 0.0, height_shift_range: Any = 0.0,
                 brightness_range: Optional[Sequence[float]] = None, shear_range: float = 0.0,
                 zoom_range: Any = 0.0, channel_shift_range: float = 0.0,
                 fill_mode: str = "nearest", cval: float = 0.0, horizontal_flip: bool = False,
                 vertical_flip: bool = False, rescale: Optional[float] = None,
                 preprocessing_function: Optional[Callable] = None,
                 data_format: Optional[str] = None, validation_split: float = 0.0,
                 interpolation_order: int = 1, dtype: Optional[str] = None) -> None:
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or "float32"
        if fill_mode not in _affine.FILL_MODES:
            raise ValueError(f"fill_mode must be one of {list(_affine.FILL_MODES)}, but "
                             f"received {fill_mode!r}.")
        self.fill_mode = fill_mode
        if interpolation_order not in _affine.ORDERS:
            raise ValueError(f"interpolation_order must be 0 (nearest) or 1 (bilinear), but "
                             f"received {interpolation_order!r}. Higher spline orders are "
                             "not supported.")
        self.interpolation_order = interpolation_order
        self.data_format = check_data_format(data_format)
        self.channel_axis, self.row_axis, self.col_axis = \
            (3, 1, 2) if self.data_format == "channels_last" else (1, 2, 3)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"validation_split must be strictly between 0 and 1, but "
                             f"received {validation_split!r}.")
        self._validation_split = validation_split
        self.mean: Optional[np.ndarray] = None
        self.std: Optional[np.ndarray] = None
        self.zca_whitening_matrix: Optional[np.ndarray] = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2 and all(
                isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"zoom_range must be a float or a pair (low, high), but "
                             f"received {zoom_range!r}.")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                _warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                      "setting of `featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                _warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                      "setting of`featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            _warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which "
                  "overrides setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            _warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which "
                  "overrides setting of `samplewise_center`.")
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError(f"brightness_range must be a pair (low, high), but received "
                             f"{brightness_range!r}.")
        self.brightness_range = brightness_range

    # -- iterators ----------------------------------------------------------------------
    def flow(self, x: Any, y: Any = None, batch_size: int = 32, shuffle: bool = True,
             sample_weight: Any = None, seed: Optional[int] = None,
             save_to_dir: Optional[str] = None, save_prefix: str = "",
             save_format: str = "png", ignore_class_split: bool = False,
             subset: Optional[str] = None) -> NumpyArrayIterator:
        """Augmented batches of arrays: a `NumpyArrayIterator` (a `keras.utils.Sequence`).

        Args:
            x: images, rank 4; or `(images, extra)` where `extra` (an array or a list of
                arrays) is passed through untouched as more model inputs.
            y: labels, or None for images only.
            batch_size: images per batch.
            shuffle: a new order every epoch.
            sample_weight: weights, one per image.
            seed: seeds NumPy's random state before each batch (`seed + batches seen`).
            save_to_dir, save_prefix, save_format: save each augmented image there.
            ignore_class_split: allow subsets whose sets of labels differ.
            subset: "training" or "validation" (with `validation_split`).

        Returns:
            Batches `(x, y)`, `(x, y, sample_weight)`, or `x` when y is None.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory: str, target_size: tuple[int, int] = (256, 256),
                            color_mode: str = "rgb", classes: Optional[Sequence[str]] = None,
                            class_mode: Optional[str] = "categorical", batch_size: int = 32,
                            shuffle: bool = True, seed: Optional[int] = None,
                            save_to_dir: Optional[str] = None, save_prefix: str = "",
                            save_format: str = "png", follow_links: bool = False,
                            subset: Optional[str] = None, interpolation: str = "nearest",
                            keep_aspect_ratio: bool = False) -> DirectoryIterator:
        """Augmented batches of image files in one subfolder per class: a
        `DirectoryIterator`. It prints "Found N images belonging to K classes." and has
        `class_indices`, `classes`, `filenames` and `samples`.

        Args:
            directory: the folder of class subfolders.
            target_size: `(height, width)` every image is resized to (Pillow).
            color_mode: "grayscale", "rgb" or "rgba".
            classes: the class subfolders in label order (default: all, sorted).
            class_mode: "categorical" (one-hot), "binary" (0/1), "sparse" (integers),
                "input" (the images themselves) or None (images only).
            batch_size, shuffle, seed, save_to_dir, save_prefix, save_format: as in `flow`.
            follow_links: follow symbolic links to folders.
            subset: "training" or "validation" (with `validation_split`): the last or
                first fraction of each class's files.
            interpolation: Pillow's filter for resizing, "nearest" by default.
            keep_aspect_ratio: crop to the target's aspect ratio before resizing.
        """
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
            save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation,
            dtype=self.dtype)

    # -- normalisation ------------------------------------------------------------------
    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Applies `preprocessing_function`, `rescale` and the normalisations to `x` in
        place, as tf.keras does (sample-wise statistics are over all of `x`)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        return self._normalize(x, axes=None)

    def _normalize(self, x: np.ndarray, axes: Optional[tuple[int, ...]]) -> np.ndarray:
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, axis=axes, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                _warn(_NOT_FIT.format("featurewise_center"))
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                _warn(_NOT_FIT.format("featurewise_std_normalization"))
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
            else:
                _warn(_NOT_FIT.format("zca_whitening"))
        return x

    # -- random transforms ------------------------------------------------------------
    def get_random_transform(self, img_shape: tuple[int, ...], seed: Optional[int] = None
                             ) -> dict:
        """Random parameters for one image of `img_shape`, as tf.keras draws them."""
        if seed is not None:
            np.random.seed(seed)
        return _params.draw_one(self, img_shape[self.row_axis - 1], img_shape[self.col_axis - 1])

    def apply_transform(self, x: np.ndarray, transform_parameters: dict) -> np.ndarray:
        """One image transformed by the given parameters (tf.keras's keys: theta, tx, ty,
        shear, zx, zy, flip_horizontal, flip_vertical, channel_shift_intensity,
        brightness)."""
        params = TransformParams.from_dicts([transform_parameters])
        return self._transform(np.asarray(x, self.dtype)[None], params)[0]

    def random_transform(self, x: np.ndarray, seed: Optional[int] = None) -> np.ndarray:
        """One image with a random transform."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def _transform(self, batch: np.ndarray, params: TransformParams,
                   pad_to: Optional[int] = None) -> np.ndarray:
        """A batch (in `data_format`) transformed by `params`."""
        last = self.data_format == "channels_last"
        images = np.asarray(batch if last else batch.transpose(0, 2, 3, 1), np.float32)
        out = _affine.transform(images, params, fill_mode=self.fill_mode, cval=self.cval,
                                order=self.interpolation_order, pad_to=pad_to)
        out = out if last else out.transpose(0, 3, 1, 2)
        return np.array(out, dtype=self.dtype)

    def _augment(self, batch: np.ndarray, pad_to: Optional[int] = None) -> np.ndarray:
        """What tf.keras's iterators do to each image of a batch: a random transform,
        then `standardize` (sample-wise statistics per image)."""
        rows, cols = batch.shape[self.row_axis], batch.shape[self.col_axis]
        params = _params.draw(self, len(batch), rows, cols)
        out = self._transform(batch, params, pad_to)
        if self.preprocessing_function:
            for i in range(len(out)):
                out[i] = self.preprocessing_function(out[i])
        return self._normalize(out, axes=(1, 2, 3))

    # -- statistics -----------------------------------------------------------------
    def fit(self, x: Any, augment: bool = False, rounds: int = 1,
            seed: Optional[int] = None) -> None:
        """Computes the statistics `featurewise_center`, `featurewise_std_normalization`
        and `zca_whitening` need, from sample images (after `rescale`; over `rounds`
        augmented passes with `augment=True`).

        Raises:
            ValueError: for data that is not rank 4.

        Example:
            >>> import numpy as np
            >>> gen = ImageDataGenerator(featurewise_center=True)
            >>> gen.fit(np.ones((4, 2, 2, 3)) * np.array([1.0, 2.0, 3.0]))
            >>> gen.mean.ravel()
            array([1., 2., 3.], dtype=float32)
        """
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit needs images of rank 4 (samples, height, "
                             f"width, channels), but received shape {x.shape}.")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            _warn(f"Expected images with 1, 3 or 4 channels on axis {self.channel_axis} "
                  f"(data_format={self.data_format!r}), but received an array of shape "
                  f"{x.shape} ({x.shape[self.channel_axis]} channels).")
        if seed is not None:
            np.random.seed(seed)
        if self.rescale:
            x *= self.rescale
        if augment:
            rows, cols = x.shape[self.row_axis], x.shape[self.col_axis]
            params = _params.draw(self, rounds * len(x), rows, cols)
            x = self._transform(np.concatenate([x] * rounds), params)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(np.reshape(x, (n, -1)).T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)


_NOT_FIT = ("This ImageDataGenerator specifies `{}`, but it hasn't been fit on any "
            "training data. Fit it first by calling `.fit(numpy_data)`.")
