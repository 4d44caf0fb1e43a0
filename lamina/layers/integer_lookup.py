"""`IntegerLookup`: integers to indices through a vocabulary (or back), on the host."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina import registry
from lamina.layers._index_lookup import IndexLookup, integer_tokens


@registry.register_serializable("lamina.layers")
class IntegerLookup(IndexLookup):
    """Maps integer categories to contiguous indices, as `keras.layers.IntegerLookup`.

    Index 0 is the mask token's (when `mask_token` is set, in `output_mode="int"`),
    then come `num_oov_indices` indices for unknown values (the value modulo
    `num_oov_indices` with several, as Keras), then the vocabulary. The vocabulary
    comes from `vocabulary=`, `set_vocabulary` or `adapt(data)` and is saved with
    the model. It runs on the host, so inside a model it must take a model input
    directly.

    Args:
        max_tokens: the most indices, special ones included (None: no limit).
        num_oov_indices: indices for unknown values.
        mask_token: the value that means padding (index 0), or None.
        oov_token: the value shown for the OOV indices and returned by `invert=True`
            for unknown indices (-1).
        vocabulary: a list of integers, or a text file with one per line.
        vocabulary_dtype: `"int64"` (Keras's; accepted for compatibility).
        idf_weights: the inverse document frequencies for `output_mode="tf_idf"`.
        invert: map indices to values instead.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
        sparse: must be False (outputs are dense).
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.

    Example:
        >>> import numpy as np
        >>> lookup = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> np.asarray(lookup(np.array([[12, 1138, 42], [42, 1000, 36]]))).tolist()
        [[1, 3, 4], [4, 0, 2]]
    """

    strings = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token: int | None = None, oov_token: int = -1, vocabulary: Any = None,
                 vocabulary_dtype: str = "int64", idf_weights: Any = None,
                 invert: bool = False, output_mode: str = "int", sparse: bool = False,
                 pad_to_max_tokens: bool = False, **kwargs: Any):
        if np.dtype(vocabulary_dtype).kind not in "iu":
            raise ValueError(f"IntegerLookup needs an integer vocabulary_dtype, but received "
                             f"vocabulary_dtype={vocabulary_dtype!r}. Use StringLookup for "
                             "strings.")
        self.vocabulary_dtype = str(np.dtype(vocabulary_dtype))
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token),
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _check_tokens(self, values: Any) -> np.ndarray:
        return integer_tokens(self, values)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
