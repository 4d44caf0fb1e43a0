"""tf.keras 2's host-side preprocessing helpers, as `keras.preprocessing`: `text`
(`Tokenizer`), `sequence` (`pad_sequences`, `TimeseriesGenerator`) and
`timeseries_dataset_from_array`."""
from lamina.preprocessing import sequence, text
from lamina.utils.timeseries import timeseries_dataset_from_array

__all__ = ["sequence", "text", "timeseries_dataset_from_array"]
