"""`TextVectorization`: texts to token indices or bag-of-words vectors, on the host."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from lamina import registry
from lamina.backend import KerasTensor
from lamina.layers import _categorical as cat
from lamina.layers import _text_ops as ops
from lamina.layers._host_layer import HostLayer, host_batches
from lamina.layers._index_lookup import text_tokens
from lamina.layers._vocabulary import Vocabulary

_MODES = (cat.INT, cat.MULTI_HOT, cat.COUNT, cat.TF_IDF)


@registry.register_serializable("lamina.layers")
class TextVectorization(HostLayer):
    """Turns texts into sequences of token indices or into vectors, as
    `keras.layers.TextVectorization`.

    Each text is standardized (lowercased and stripped of punctuation by default),
    split into tokens (words), optionally joined into n-grams, and looked up in a
    vocabulary learned by `adapt(texts)` (the most frequent tokens first) or given
    as `vocabulary=`. In `output_mode="int"` index 0 is padding and 1 is unknown
    tokens, and each text becomes `output_sequence_length` indices (cut or padded
    with zeros at the end); the other modes give one vector per text, as wide as
    the vocabulary (or `max_tokens` with `pad_to_max_tokens=True`).

    The layer runs on the host: strings never enter a compiled program. As the first
    layer of a model (`keras.Input(shape=(1,), dtype="string")` or none), the model
    vectorizes its string inputs before each compiled call, so `model.predict(["some
    text"])` works; the vocabulary is saved with the model.

    Args:
        max_tokens: the vocabulary's size, the padding and OOV indices included.
        standardize: `"lower_and_strip_punctuation"`, `"lower"`,
            `"strip_punctuation"`, None, or a function (it receives a 1-D NumPy array
            of strings and returns one of the same length; a function of one string
            is applied to each). TensorFlow lowercases ASCII letters only, and so
            does Lamina, so vocabularies equal Keras's.
        split: `"whitespace"` (ASCII whitespace), `"character"`, None (whole
            strings), or a function (of the batch, or of one string) giving tokens.
        ngrams: None, an integer n (all n-grams up to n) or a tuple of widths.
        output_mode: `"int"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
        output_sequence_length: the length of `"int"` outputs (needed inside a
            model; without it, eager outputs are padded to the longest text).
        pad_to_max_tokens: vectors have `max_tokens` columns.
        vocabulary: a list of tokens or a text file with one per line.
        idf_weights: the inverse document frequencies for `"tf_idf"`.
        sparse: must be False. ragged: must be False.
        encoding: the encoding of bytes inputs (UTF-8).

    Example:
        >>> import numpy as np
        >>> vectorize = TextVectorization(max_tokens=6, output_sequence_length=4)
        >>> vectorize.adapt(["The cat sat.", "The cat ran!", "A dog"])
        >>> vectorize.get_vocabulary()
        ['', '[UNK]', 'the', 'cat', 'sat', 'ran']
        >>> np.asarray(vectorize(["the dog sat"])).tolist()
        [[2, 1, 4, 0]]
    """

    def __init__(self, max_tokens: int | None = None,
                 standardize: Any = ops.LOWER_AND_STRIP_PUNCTUATION,
                 split: Any = ops.WHITESPACE, ngrams: Any = None, output_mode: str = "int",
                 output_sequence_length: int | None = None, pad_to_max_tokens: bool = False,
                 vocabulary: Any = None, idf_weights: Any = None, sparse: bool = False,
                 ragged: bool = False, encoding: str = "utf-8", **kwargs: Any):
        kwargs.pop("vocabulary_size", None)
        if kwargs.get("dtype") in ("string", "str"):
            kwargs.pop("dtype")
        super().__init__(**kwargs)
        name = "TextVectorization"
        self.standardize = ops.resolve_option(name, "standardize", standardize,
                                              ops.STANDARDIZE_MODES)
        self.split = ops.resolve_option(name, "split", split, ops.SPLIT_MODES)
        self.ngrams = list(ngrams) if isinstance(ngrams, (list, tuple)) else ngrams
        self._widths = ops.ngram_widths(name, ngrams)
        self.output_mode = cat.check_output_mode(name, output_mode, _MODES)
        cat.check_not_sparse(name, sparse, ragged)
        if output_sequence_length is not None:
            if self.output_mode != cat.INT:
                raise ValueError(f"{name} received output_sequence_length="
                                 f"{output_sequence_length}, which only output_mode='int' "
                                 f"uses (output_mode={self.output_mode!r}).")
            if isinstance(output_sequence_length, bool) or not isinstance(
                    output_sequence_length, (int, np.integer)) or output_sequence_length < 1:
                raise ValueError(f"{name} needs output_sequence_length to be a positive "
                                 f"integer or None, but received {output_sequence_length!r}.")
            if self.split is None:
                raise ValueError(f"{name} with split=None gives one index per string, so "
                                 "output_sequence_length does not apply. Leave it None, or "
                                 "split the texts.")
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        self.sparse = self.ragged = False
        self._vocab = Vocabulary(name, max_tokens, 1, "", "[UNK]", self.output_mode,
                                 pad_to_max_tokens, strings=True)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError(f"{name} received idf_weights without a vocabulary. Pass both.")

    max_tokens = property(lambda self: self._vocab.max_tokens)
    pad_to_max_tokens = property(lambda self: self._vocab.pad_to_max_tokens)

    # -- texts to tokens --------------------------------------------------------------
    def _texts(self, inputs: Any) -> np.ndarray:
        texts = text_tokens(self, inputs)
        if texts.ndim == 0:
            texts = texts[None]
        if self.split is not None and texts.ndim > 1:
            if texts.ndim != 2 or texts.shape[-1] != 1:
                raise ValueError(f"TextVectorization '{self.name}' splits one text per row, "
                                 f"so it takes inputs of shape (batch,) or (batch, 1), but "
                                 f"received shape {texts.shape}.")
            texts = texts[:, 0]
        return texts

    def _tokens(self, texts: np.ndarray) -> list[list[str]] | np.ndarray:
        standard = ops.standardize(texts.reshape(-1).tolist(), self.standardize)
        if self.split is None:
            return np.array(standard, dtype=str).reshape(texts.shape) if standard else \
                np.zeros(texts.shape, dtype=str)
        docs = ops.split(standard, self.split)
        if self._widths is not None:
            docs = [ops.ngrams(doc, self._widths) for doc in docs]
        return docs

    # -- the vocabulary -----------------------------------------------------------------
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None
              ) -> None:
        """Learn the vocabulary (and the idf weights) from texts.

        Args:
            data: a list or array of texts, or an iterable of batches of texts.
            batch_size: accepted for Keras compatibility.
            steps: the most batches to take from an iterable.
        """
        docs: list[Any] = []
        for batch in host_batches(data, batch_size, steps):
            tokens = self._tokens(self._texts(batch))
            docs.extend(tokens if self.split is not None else
                        [[t] for t in np.asarray(tokens).reshape(-1).tolist()])
        if not docs:
            raise ValueError("TextVectorization.adapt received no texts. Pass the training "
                             "texts, e.g. adapt(texts).")
        self._vocab.adapt(docs)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Set the vocabulary (with or without `""` and `"[UNK]"` in front)."""
        self._vocab.set(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The token of each index: `""` (padding) and `"[UNK]"` first in "int" mode."""
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
        return "int32" if self.output_mode == cat.INT else "float32"

    def compute_output_shape(self, input_shape: Any) -> tuple:
        batch = tuple(input_shape)[:1] or (None,)
        if self.output_mode == cat.INT:
            if self.split is None:
                return tuple(input_shape)
            return batch + (self.output_sequence_length,)
        self._vocab.require()
        return batch + (self._vocab.depth(),)

    def compute_output_spec(self, inputs: Any) -> KerasTensor:
        if self.output_mode == cat.INT and self.split is not None and \
                self.output_sequence_length is None:
            raise ValueError(f"TextVectorization '{self.name}' inside a model needs "
                             "output_sequence_length=... : a compiled model takes sequences "
                             "of one length (e.g. output_sequence_length=200).")
        return super().compute_output_spec(inputs)

    def host_call(self, inputs: Any) -> np.ndarray:
        self._vocab.require()
        tokens = self._tokens(self._texts(inputs))
        if self.split is None:
            return self._vocab.encode(self._vocab.lookup(tokens))
        ids = self._vocab.lookup_tokens(list(itertools.chain.from_iterable(tokens)))
        lengths = np.array([len(doc) for doc in tokens], np.int64)
        rows = np.repeat(np.arange(len(tokens)), lengths)
        cols = np.arange(len(ids)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        width = int(lengths.max(initial=0))
        if self.output_mode == cat.INT:
            length = width if self.output_sequence_length is None else \
                self.output_sequence_length
            out = np.zeros((len(tokens), length), np.int64)
            keep = cols < length
            out[rows[keep], cols[keep]] = ids[keep]
            return out
        padded = np.full((len(tokens), max(width, 1)), -1, np.int64)  # -1 counts for nothing
        padded[rows, cols] = ids
        return self._vocab.encode(padded)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        idf = self._vocab.idf_weights
        config.update(max_tokens=self.max_tokens,
                      standardize=ops.serialize_option(self.standardize),
                      split=ops.serialize_option(self.split),
                      ngrams=self.ngrams, output_mode=self.output_mode,
                      output_sequence_length=self.output_sequence_length,
                      pad_to_max_tokens=self.pad_to_max_tokens,
                      sparse=self.sparse, ragged=self.ragged,
                      vocabulary=self.get_vocabulary() if self._vocab.is_set else None,
                      idf_weights=None if idf is None else idf[:self._vocab.size()].tolist(),
                      encoding=self.encoding)
        return config
