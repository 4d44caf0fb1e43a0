"""`Hashing`: strings or integers to bins by FarmHash or SipHash, on the host."""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from lamina import registry
from lamina.layers import _categorical as cat
from lamina.layers._hashes import fingerprint64, hash_buckets, siphash24
from lamina.layers._host_layer import HostLayer, as_text, is_text
from lamina.layers._index_lookup import integer_tokens

_MODES = (cat.INT, cat.ONE_HOT, cat.MULTI_HOT, cat.COUNT)


@registry.register_serializable("lamina.layers")
class Hashing(HostLayer):
    """Hashes strings or integers into `num_bins` bins, as `keras.layers.Hashing`.

    Without a salt the hash is FarmHash's `Fingerprint64` (what
    `tf.strings.to_hash_bucket_fast` uses); with `salt` it is SipHash-2-4 keyed by
    the salt (`tf.strings.to_hash_bucket_strong`). Integers are hashed as their
    decimal text, as TensorFlow does. So the bins equal Keras's, value for value.
    With `mask_value`, that value goes to bin 0 and the others to bins
    `1..num_bins - 1`. The layer runs on the host, so inside a model it must take
    a model input directly.

    Args:
        num_bins: the number of bins (the mask bin included).
        mask_value: the value that maps to bin 0, or None.
        salt: an integer, or two, keying SipHash; None for FarmHash.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` or `"count"`.
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = Hashing(num_bins=3)
        >>> np.asarray(layer(np.array([["A"], ["B"], ["C"], ["D"], ["E"]]))).ravel().tolist()
        [1, 0, 1, 1, 2]
    """

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None,
                 output_mode: str = "int", sparse: bool = False, **kwargs: Any):
        if kwargs.get("dtype") in ("int64", "string"):
            kwargs.pop("dtype")
        super().__init__(**kwargs)
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) \
                or num_bins <= 0:
            raise ValueError(f"Hashing needs num_bins to be a positive integer, but received "
                             f"num_bins={num_bins!r}.")
        if salt is not None:
            if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                salt = [int(salt), int(salt)]
            elif isinstance(salt, (list, tuple)) and len(salt) == 2 and all(
                    isinstance(s, (int, np.integer)) for s in salt):
                salt = [int(s) for s in salt]
            else:
                raise ValueError(f"Hashing needs salt to be an integer or a pair of integers, "
                                 f"but received salt={salt!r}.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = cat.check_output_mode("Hashing", output_mode, _MODES)
        cat.check_not_sparse("Hashing", sparse)
        self.sparse = False

    @property
    def output_dtype(self) -> str:
        return "int32" if self.output_mode == cat.INT else "float32"

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return cat.output_shape(tuple(input_shape), self.output_mode, self.num_bins)

    def _values(self, inputs: Any) -> np.ndarray:
        if is_text(inputs):
            return as_text(inputs)
        return integer_tokens(self, inputs)

    def host_call(self, inputs: Any) -> np.ndarray:
        values = self._values(inputs)
        bins, mask = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == (str(self.mask_value) if values.dtype.kind == "U"
                              else self.mask_value)
        fn = fingerprint64 if self.salt is None else \
            functools.partial(siphash24, k0=self.salt[0], k1=self.salt[1])
        hashed = hash_buckets(values, bins, fn)
        if mask is not None:
            hashed = np.where(mask, 0, hashed + 1)
        if self.output_mode == cat.INT:
            return hashed
        return cat.encode_numpy(hashed, self.output_mode, self.num_bins)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=self.sparse)
        return config
