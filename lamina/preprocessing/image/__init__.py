"""`keras.preprocessing.image`: tf.keras 2's `ImageDataGenerator` and its iterators, and
the image helpers (`load_img`, `img_to_array`, `array_to_img`, `save_img`,
`smart_resize`).

Example:
    >>> import numpy as np
    >>> from lamina.preprocessing.image import ImageDataGenerator
    >>> gen = ImageDataGenerator(width_shift_range=0.1, horizontal_flip=True)
    >>> batches = gen.flow(np.zeros((5, 4, 4, 1)), np.arange(5), batch_size=2)
    >>> len(batches), [batches[i][0].shape[0] for i in range(len(batches))]
    (3, [2, 2, 1])
"""
from lamina.preprocessing.image._generator import ImageDataGenerator
from lamina.preprocessing.image._iterators import DirectoryIterator, Iterator, NumpyArrayIterator
from lamina.utils._image_io import array_to_img, img_to_array, load_img, save_img
from lamina.utils._image_resize import smart_resize

__all__ = ["DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator",
           "array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
