"""`IndexLookup`: the shared layer of `StringLookup` and `IntegerLookup`."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from lamina.layers import _categorical as cat
from lamina.layers._host_layer import HostLayer, as_text, host_batches, is_text
from lamina.layers._vocabulary import Vocabulary

_MODES = (cat.INT, cat.ONE_HOT, cat.MULTI_HOT, cat.COUNT, cat.TF_IDF)
# Keys of tf.keras 2 configs that describe its lookup tables, not arguments.
_KERAS_ONLY = ("vocabulary_size", "has_input_vocabulary", "has_static_table")


class IndexLookup(HostLayer):
    """Tokens to indices (or back, with `invert=True`) through a vocabulary, on the
    host. See `StringLookup` and `IntegerLookup` for the arguments."""

    #: Whether the tokens are strings (StringLookup) or integers (IntegerLookup).
    strings: bool = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: Any = None, oov_token: Any = None, vocabulary: Any = None,
                 idf_weights: Any = None, invert: bool = False, output_mode: str = "int",
                 sparse: bool = False, pad_to_max_tokens: bool = False, **kwargs: Any):
        for key in _KERAS_ONLY:
            kwargs.pop(key, None)
        super().__init__(**kwargs)
        name = type(self).__name__
        output_mode = cat.check_output_mode(name, output_mode, _MODES)
        cat.check_not_sparse(name, sparse)
        if invert and output_mode != cat.INT:
            raise ValueError(f"{name} with invert=True maps indices back to tokens, so it "
                             f"needs output_mode='int', but received output_mode={output_mode!r}.")
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self._vocab = Vocabulary(name, max_tokens, num_oov_indices, mask_token, oov_token,
                                 output_mode, pad_to_max_tokens, self.strings)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{name} received idf_weights without a vocabulary. Pass both.")

    max_tokens = property(lambda self: self._vocab.max_tokens)
    num_oov_indices = property(lambda self: self._vocab.num_oov_indices)
    mask_token = property(lambda self: self._vocab.mask_token)
    oov_token = property(lambda self: self._vocab.oov_token)
    pad_to_max_tokens = property(lambda self: self._vocab.pad_to_max_tokens)

    # -- the vocabulary -----------------------------------------------------------------
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None
              ) -> None:
        """Learn the vocabulary from data: the most frequent tokens first (ties by the
        token, descending), at most `max_tokens` indices with the special ones.

        Args:
            data: an array or list of tokens (each row of a 2-D array is one document
                for `tf_idf`), or an iterable of such batches.
            batch_size: accepted for Keras compatibility (the counts do not depend on it).
            steps: the most batches to take from an iterable.
        """
        docs = []
        for batch in host_batches(data, batch_size, steps):
            batch = self._check_tokens(batch)
            docs.extend([batch.reshape(-1)] if batch.ndim <= 1 else
                        list(batch.reshape(len(batch), -1)))
        if not docs:
            raise ValueError(f"{type(self).__name__}.adapt received no data. Pass the "
                             "training tokens, e.g. adapt(x_train).")
        self._vocab.adapt(d.tolist() for d in docs)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary: a list of tokens (with or without the mask and OOV tokens
        in front) or a text file with one token per line; `idf_weights` too in
        `tf_idf` mode."""
        self._vocab.set(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[Any]:
        """The token of each index, the mask and OOV tokens first."""
        return self._vocab.get(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of indices, the special ones included."""
        return self._vocab.size()

    @property
    def idf_weights(self) -> np.ndarray | None:
        """The inverse document frequencies, one per index (`tf_idf` mode)."""
        return self._vocab.idf_weights

    # -- the call -------------------------------------------------------------------------
    @property
    def output_dtype(self) -> str:
        if self.invert:
            return "string" if self.strings else "int32"
        return "int32" if self.output_mode == cat.INT else "float32"

    def compute_output_shape(self, input_shape: Any) -> tuple:
        if self.output_mode == cat.INT:
            return tuple(input_shape)
        self._vocab.require()
        return cat.output_shape(tuple(input_shape), self.output_mode, self._vocab.depth())

    @abstractmethod
    def _check_tokens(self, values: Any) -> np.ndarray:
        """`values` as an array of this layer's token type, or a clear error."""

    def host_call(self, inputs: Any) -> np.ndarray:
        if self.invert:
            indices = np.asarray(inputs)
            if is_text(indices) or indices.dtype.kind not in "iuf":
                raise TypeError(f"{type(self).__name__} '{self.name}' with invert=True maps "
                                f"indices to tokens, but received {indices.dtype} data.")
            return self._vocab.invert(indices)
        self._vocab.require()
        return self._vocab.encode(self._vocab.lookup(self._check_tokens(inputs)))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        idf = self._vocab.idf_weights
        if idf is not None:
            idf = idf[:self._vocab.size()].tolist()
        config.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices,
                      mask_token=self.mask_token, oov_token=self.oov_token,
                      vocabulary=self.get_vocabulary() if self._vocab.is_set else None,
                      idf_weights=idf, invert=self.invert, output_mode=self.output_mode,
                      sparse=self.sparse, pad_to_max_tokens=self.pad_to_max_tokens)
        return config


def text_tokens(layer: HostLayer, values: Any) -> np.ndarray:
    """Strings as a `str` array, or a TypeError that names the layer to use."""
    if not is_text(values):
        kind = np.asarray(values).dtype
        raise TypeError(f"{type(layer).__name__} '{layer.name}' takes strings, but received "
                        f"{kind} data. For integer categories use IntegerLookup; for token "
                        "ids that are already integers, leave this layer out.")
    return as_text(values)


def integer_tokens(layer: HostLayer, values: Any) -> np.ndarray:
    """Integers as an int64 array (integral floats accepted), or a TypeError."""
    arr = np.asarray(values)
    if is_text(arr) or arr.dtype.kind not in "biuf":
        raise TypeError(f"{type(layer).__name__} '{layer.name}' takes integers, but received "
                        f"{arr.dtype} data. For strings use StringLookup.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise TypeError(f"{type(layer).__name__} '{layer.name}' takes integers, but "
                            "received non-integral floats. Discretize them first (e.g. "
                            "with Discretization).")
    return arr.astype(np.int64)
