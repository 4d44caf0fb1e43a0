"""`CategoryEncoding`: integer categories to one-hot, multi-hot or count vectors."""
from __future__ import annotations

from typing import Any

import jax
import numpy as np

from lamina import registry
from lamina.layers import _categorical as cat
from lamina.layers.layer import Layer

_MODES = (cat.ONE_HOT, cat.MULTI_HOT, cat.COUNT)


@registry.register_serializable("lamina.layers")
class CategoryEncoding(Layer):
    """Encodes integer categories in `[0, num_tokens)` as vectors, as
    `keras.layers.CategoryEncoding`; it runs inside compiled programs.

    `"one_hot"` encodes each value (a `(batch, 1)` input gives `(batch, num_tokens)`),
    `"multi_hot"` marks the values of each row, `"count"` counts them (weighted by
    `count_weights` when given). A value outside the range is an error when the
    layer is called eagerly; inside a compiled program it counts for nothing.

    Args:
        num_tokens: the number of categories.
        output_mode: `"one_hot"`, `"multi_hot"` (the default) or `"count"`.
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = CategoryEncoding(num_tokens=4, output_mode="multi_hot")
        >>> np.asarray(layer(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))).tolist()
        [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]]
    """

    config_fields = ("num_tokens", "output_mode", "sparse")

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any):
        if "max_tokens" in kwargs and num_tokens is None:
            num_tokens = kwargs.pop("max_tokens")
        super().__init__(**kwargs)
        if num_tokens is None or isinstance(num_tokens, bool) or \
                not isinstance(num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding needs num_tokens, a positive integer (the "
                             f"number of categories), but received num_tokens={num_tokens!r}. "
                             "If it is not known, use IntegerLookup instead.")
        self.num_tokens = int(num_tokens)
        self.output_mode = cat.check_output_mode("CategoryEncoding", output_mode, _MODES)
        cat.check_not_sparse("CategoryEncoding", sparse)
        self.sparse = False

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return cat.output_shape(tuple(input_shape), self.output_mode, self.num_tokens)

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        if count_weights is not None and self.output_mode != cat.COUNT:
            raise ValueError(f"CategoryEncoding '{self.name}' received count_weights, which "
                             f"only output_mode='count' uses (output_mode={self.output_mode!r}).")
        if not isinstance(inputs, jax.core.Tracer):
            values = np.asarray(inputs)
            if values.size and (values.min() < 0 or values.max() >= self.num_tokens):
                raise ValueError(f"CategoryEncoding '{self.name}' takes values in [0, "
                                 f"{self.num_tokens}), but received values from "
                                 f"{values.min():g} to {values.max():g}. Use "
                                 f"num_tokens={int(values.max()) + 1} or map the categories "
                                 "with IntegerLookup first.")
        return cat.encode_jax(inputs, self.output_mode, self.num_tokens, count_weights)
