"""`Embedding`: token ids to dense vectors, one learned row per id."""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from lamina import registry
from lamina.layers import _weight_spec as weight_spec
from lamina.layers.core import _positive_int
from lamina.layers.layer import Layer


@registry.register_serializable("lamina.layers")
class Embedding(Layer):
    """Turns token ids into vectors: row `i` of `embeddings` for id `i`, as
    `keras.layers.Embedding`.

    Ids may arrive as integers or as floats holding integers (NumPy data given to
    `fit` is float32); they must lie in `[0, input_dim)`. `fit`, `evaluate` and
    `predict` check that on the host before running (inside a compiled program an
    id out of range would silently give NaN): the error names the largest id and
    the `input_dim` to use.

    Args:
        input_dim: the vocabulary size: the largest id plus one.
        output_dim: the size of each vector.
        embeddings_initializer: "uniform" (-0.05..0.05) by default.
        embeddings_regularizer, activity_regularizer: penalties.
        embeddings_constraint: a projection applied after each update.
        mask_zero: id 0 is padding: the output carries a mask `ids != 0`, so that
            RNNs skip those steps and losses ignore them (then id 0 cannot be a word).
        weights: `[matrix]` of shape `(input_dim, output_dim)` to start from, e.g.
            pretrained word vectors (with `trainable=False` to keep them fixed).
        input_length: the length of the sequences, as tf.keras 2 took it: on the
            first layer of a `Sequential` model it declares `input_shape=
            (input_length,)`.

    Example:
        >>> import numpy as np
        >>> matrix = np.arange(12, dtype=np.float32).reshape(4, 3)
        >>> layer = Embedding(4, 3, weights=[matrix], trainable=False, mask_zero=True)
        >>> out = layer(np.array([[2, 0]]))
        >>> out.tolist(), layer.compute_mask(np.array([[2, 0]])).tolist()
        ([[[6.0, 7.0, 8.0], [0.0, 1.0, 2.0]]], [[True, False]])
    """

    def __init__(self, input_dim: int, output_dim: int,
                 embeddings_initializer: Any = "uniform", embeddings_regularizer: Any = None,
                 activity_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: Sequence[Any] | Any = None,
                 input_length: int | None = None, **kwargs: Any):
        if input_length is not None and not any(
                kwargs.get(k) is not None for k in ("input_shape", "batch_input_shape")):
            kwargs["input_shape"] = (int(input_length),)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _positive_int(output_dim, "output_dim", "Embedding")
        weight_spec.declare(self, "embeddings", embeddings_initializer,
                            embeddings_regularizer, embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = None if input_length is None else int(input_length)
        self.supports_masking = self.mask_zero
        self.embeddings = None
        if weights is not None:
            self._set_initial(weights)

    def _set_initial(self, weights: Any) -> None:
        matrix = weights[0] if isinstance(weights, (list, tuple)) and len(weights) == 1 \
            else weights
        matrix = np.asarray(matrix, dtype=np.float32)
        expected = (self.input_dim, self.output_dim)
        if matrix.shape != expected:
            raise ValueError(f"Embedding '{self.name}' has input_dim={self.input_dim} and "
                             f"output_dim={self.output_dim}, so weights=[matrix] needs a "
                             f"matrix of shape {expected}, but received shape "
                             f"{matrix.shape}. Build the matrix with one row per id "
                             f"(np.zeros((input_dim, output_dim)) filled row by row) or "
                             f"set input_dim={matrix.shape[0]}"
                             + (f", output_dim={matrix.shape[1]}." if matrix.ndim == 2
                                else "."))
        self._maybe_build(jax.ShapeDtypeStruct((1, 1), jnp.int32))
        self.embeddings.assign(matrix)

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = weight_spec.add(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def _validate_host_input(self, ids: Any, what: str = "x") -> None:
        """Check token ids on the host (`fit`/`predict` call this before running)."""
        ids = np.asarray(ids)
        if ids.size == 0 or ids.dtype.kind not in "iuf":
            return
        largest, smallest = ids.max(), ids.min()
        if largest >= self.input_dim:
            raise ValueError(
                f"Embedding layer '{self.name}' has input_dim={self.input_dim} (token ids "
                f"0..{self.input_dim - 1}), but {what} holds the token id {int(largest)}. "
                f"Use Embedding(input_dim={int(largest) + 1}, ...) or more (the vocabulary "
                "size, plus one when ids start at 1), or keep fewer words when making the "
                "ids (Tokenizer(num_words=...), TextVectorization(max_tokens=...)).")
        if smallest < 0:
            raise ValueError(f"Embedding layer '{self.name}' received the negative token id "
                             f"{smallest:g} in {what}; ids must be 0..{self.input_dim - 1}.")
        if ids.dtype.kind == "f" and not np.array_equal(ids, np.floor(ids)):
            bad = ids[ids != np.floor(ids)].ravel()[0]
            raise ValueError(f"Embedding layer '{self.name}' needs whole-number token ids, "
                             f"but {what} holds {bad:g}. Pass the integer ids a Tokenizer or "
                             "TextVectorization layer gives.")

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, jax.core.Tracer):
            self._validate_host_input(inputs, "the input")
        ids = inputs if jnp.issubdtype(inputs.dtype, jnp.integer) else \
            inputs.astype(jnp.int32)
        return jnp.take(self.embeddings.value, ids, axis=0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return jnp.not_equal(inputs, 0)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      **weight_spec.config(self), mask_zero=self.mask_zero)
        if self.input_length is not None:
            config["input_length"] = self.input_length
        return config
