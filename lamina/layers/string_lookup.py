"""`StringLookup`: strings to indices through a vocabulary (or back), on the host."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina import registry
from lamina.layers._index_lookup import IndexLookup, text_tokens


@registry.register_serializable("lamina.layers")
class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary, as `keras.layers.StringLookup`.

    Index 0 is the mask token's (when `mask_token` is set, in `output_mode="int"`),
    then come `num_oov_indices` indices for unknown strings, then the vocabulary.
    The vocabulary comes from `vocabulary=`, `set_vocabulary` or `adapt(data)` (the
    most frequent strings first); it is saved with the model. With `invert=True`
    the layer maps indices back to strings (eagerly: strings never enter a
    compiled program). It runs on the host, so inside a model it must take a model
    input (`keras.Input(shape=(1,), dtype="string")`) directly.

    Args:
        max_tokens: the most indices, special ones included (None: no limit).
        num_oov_indices: indices for unknown strings; several are filled by hashing
            (FarmHash, as TensorFlow, so the buckets equal Keras's).
        mask_token: the string that means padding (index 0), or None.
        oov_token: the string shown for the OOV indices (`"[UNK]"`).
        vocabulary: a list of strings, or a text file with one per line.
        idf_weights: the inverse document frequencies for `output_mode="tf_idf"`.
        encoding: the encoding of bytes inputs (UTF-8).
        invert: map indices to strings instead.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
        sparse: must be False (outputs are dense).
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.

    Example:
        >>> import numpy as np
        >>> lookup = StringLookup(vocabulary=["a", "b", "c"])
        >>> np.asarray(lookup(np.array([["a", "c"], ["d", "b"]]))).tolist()
        [[1, 3], [0, 2]]
        >>> lookup.get_vocabulary()
        ['[UNK]', 'a', 'b', 'c']
    """

    strings = True

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: str | None = None, oov_token: str = "[UNK]",
                 vocabulary: Any = None, idf_weights: Any = None, encoding: str = "utf-8",
                 invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, **kwargs: Any):
        if kwargs.get("dtype") in ("string", "str"):
            kwargs.pop("dtype")
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _check_tokens(self, values: Any) -> np.ndarray:
        return text_tokens(self, values)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "encoding": self.encoding}
