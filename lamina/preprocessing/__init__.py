"""tf.keras 2's host-side preprocessing helpers, as `keras.preprocessing`: `image`
(`ImageDataGenerator`), `text` (`Tokenizer`), `sequence` (`pad_sequences`,
`TimeseriesGenerator`), `image_dataset_from_directory` and
`timeseries_dataset_from_array`."""
from lamina.preprocessing import image, sequence, text
from lamina.utils._image_dataset import image_dataset_from_directory
from lamina.utils.timeseries import timeseries_dataset_from_array

__all__ = ["image", "image_dataset_from_directory", "sequence", "text",
           "timeseries_dataset_from_array"]
