"""`Vocabulary`: the token <-> index table of Keras's lookup layers, on the host.

Indices follow Keras's `IndexLookup`: in `output_mode="int"` the mask token (if
any) is index 0; then come `num_oov_indices` out-of-vocabulary indices, then the
tokens. In the other modes the mask token has no index (masked tokens count for
nothing). `adapt` ranks tokens by count, ties by the token itself, both
descending (as `np.lexsort` in Keras); `max_tokens` counts the special indices.
Unknown tokens take the one OOV index, or with several, a bucket: FarmHash
`Fingerprint64` modulo `num_oov_indices` for strings, the value modulo it for
integers, as TensorFlow does.
"""
from __future__ import annotations

import collections
import itertools
from typing import Any, Iterable, Sequence

import numpy as np

from lamina.layers import _categorical as cat
from lamina.layers._hashes import hash_buckets


class Vocabulary:
    """The vocabulary and its settings (a plain object; the layers own one).

    Args:
        layer: the owning layer's class name, for messages.
        max_tokens: the most indices, the special ones included, or None.
        num_oov_indices: indices for unknown tokens (0 makes them an error).
        mask_token: the token that means "padding", or None.
        oov_token: the token `get_vocabulary` shows at the OOV indices (and what an
            inverse lookup gives for unknown indices).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.
        strings: whether tokens are strings (else integers).
    """

    def __init__(self, layer: str, max_tokens: int | None, num_oov_indices: int,
                 mask_token: Any, oov_token: Any, output_mode: str,
                 pad_to_max_tokens: bool, strings: bool):
        if max_tokens is not None and (isinstance(max_tokens, bool) or
                                       not isinstance(max_tokens, (int, np.integer))
                                       or max_tokens <= 1):
            raise ValueError(f"{layer} needs max_tokens > 1 (it counts the mask and OOV "
                             f"indices) or None, but received max_tokens={max_tokens!r}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{layer} received pad_to_max_tokens=True without max_tokens. "
                             "Set max_tokens to the width the outputs should have.")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, int) \
                or num_oov_indices < 0:
            raise ValueError(f"{layer} needs num_oov_indices >= 0, but received "
                             f"num_oov_indices={num_oov_indices!r}.")
        self.layer, self.max_tokens = layer, max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.output_mode, self.pad_to_max_tokens = output_mode, bool(pad_to_max_tokens)
        self.strings = strings
        self.tokens: list[Any] = []
        self.index: dict[Any, int] = {}
        self._table: dict[Any, int] | None = None
        self.idf_weights: np.ndarray | None = None
        self.is_set = False

    # -- indices ------------------------------------------------------------------
    @property
    def oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == cat.INT else 0

    @property
    def token_start(self) -> int:
        return self.oov_start + self.num_oov_indices

    def size(self) -> int:
        """The number of indices: special ones and tokens."""
        return self.token_start + len(self.tokens)

    def depth(self) -> int:
        """The width of encoded outputs."""
        return self.max_tokens if self.pad_to_max_tokens else self.size()

    def get(self, include_special_tokens: bool = True) -> list[Any]:
        """The token of each index, as `get_vocabulary()`."""
        special = [self.mask_token] * self.oov_start + [self.oov_token] * self.num_oov_indices
        tokens = [_plain(t) for t in self.tokens]
        return special + tokens if include_special_tokens else tokens

    # -- setting ------------------------------------------------------------------
    def _key(self, token: Any) -> Any:
        return str(token) if self.strings else int(token)

    def set(self, vocabulary: Sequence[Any], idf_weights: Any = None) -> None:
        """Set the tokens (with or without the special tokens in front), as Keras's
        `set_vocabulary`; `idf_weights` go with them in `tf_idf` mode."""
        tf_idf = self.output_mode == cat.TF_IDF
        if tf_idf and idf_weights is None:
            raise ValueError(f"{self.layer} in output_mode='tf_idf' needs idf_weights with "
                             "the vocabulary (one weight per token).")
        if not tf_idf and idf_weights is not None:
            raise ValueError(f"{self.layer} received idf_weights, which only "
                             f"output_mode='tf_idf' uses (output_mode={self.output_mode!r}).")
        vocabulary = [self._key(t) for t in _as_list(vocabulary)]
        if not vocabulary:
            raise ValueError(f"{self.layer} cannot take an empty vocabulary. Pass a list of "
                             "tokens, or call adapt(data).")
        special = [self._key(t) for t in self.get()[:self.token_start] if t is not None]
        has_special = len(special) == self.token_start and \
            vocabulary[:self.token_start] == special
        tokens = vocabulary[self.token_start:] if has_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{self.layer}'s vocabulary repeats the tokens {repeated[:10]}; "
                             "each token may appear once.")
        if self.mask_token is not None and self._key(self.mask_token) in tokens:
            raise ValueError(f"{self.layer}'s vocabulary holds the mask token "
                             f"{self.mask_token!r} among its tokens. Leave the mask and OOV "
                             f"tokens out, or put them first, exactly as {self.get()[:self.token_start]}.")
        if self.max_tokens is not None and self.token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"{self.layer} received a vocabulary of "
                             f"{self.token_start + len(tokens)} indices (with the special "
                             f"ones), more than max_tokens={self.max_tokens}.")
        self.tokens = tokens
        self.index = {t: i + self.token_start for i, t in enumerate(tokens)}
        self._table = None
        self.is_set = True
        if tf_idf:
            weights = np.asarray(idf_weights, np.float32).reshape(-1)
            if len(weights) != len(vocabulary):
                raise ValueError(f"{self.layer} needs one idf weight per vocabulary entry, "
                                 f"but received {len(weights)} weights for "
                                 f"{len(vocabulary)} entries.")
            if not has_special:  # the OOV indices weigh the average, as Keras
                weights = np.concatenate([np.full(self.token_start, weights.mean(),
                                                  np.float32), weights])
            self.idf_weights = weights

    def adapt(self, documents: Iterable[Sequence[Any]]) -> None:
        """Learn the tokens from documents (each a sequence of tokens)."""
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        num_docs = 0
        tf_idf = self.output_mode == cat.TF_IDF
        for doc in documents:
            if not self.strings or not all(type(t) is str for t in doc):
                doc = [self._key(t) for t in doc]
            counts.update(doc)
            if tf_idf:
                doc_counts.update(set(doc))
            num_docs += 1
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        if self.max_tokens is not None:
            ranked = ranked[:max(self.max_tokens - self.token_start, 0)]
        self.tokens = [t for t, _ in ranked]
        self.index = {t: i + self.token_start for i, t in enumerate(self.tokens)}
        self._table = None
        self.is_set = True
        if self.output_mode == cat.TF_IDF:
            dc = np.array([doc_counts[t] for t in self.tokens], np.float64)
            idf = np.log(1 + num_docs / (1 + dc)).astype(np.float32)
            front = np.full(self.token_start, idf.mean() if len(idf) else 0.0, np.float32)
            self.idf_weights = np.concatenate([front, idf])

    def require(self) -> None:
        if not self.is_set and self.output_mode != cat.INT and not self.pad_to_max_tokens:
            raise RuntimeError(f"{self.layer} in output_mode={self.output_mode!r} needs its "
                               "vocabulary before it is called (its outputs are as wide as "
                               "the vocabulary). Pass vocabulary=..., call adapt(data) first, "
                               "or set pad_to_max_tokens=True with max_tokens.")

    # -- lookups ------------------------------------------------------------------
    def lookup_tokens(self, tokens: list[Any]) -> np.ndarray:
        """Token -> index for a flat list of tokens (int64), by one dict look-up each
        when there is at most one OOV index."""
        if not tokens:
            return np.zeros(0, np.int64)
        if self.num_oov_indices > 1:
            return self.lookup(np.array(tokens)).astype(np.int64)
        table = self._table
        if table is None:  # the index with the mask token's entry, made once per vocabulary
            table = dict(self.index)
            if self.mask_token is not None:
                table[self._key(self.mask_token)] = 0 if self.output_mode == cat.INT else -1
            self._table = table
        default = self.oov_start if self.num_oov_indices == 1 else -1
        ids = np.fromiter(map(table.get, tokens, itertools.repeat(default, len(tokens))),
                          np.int64, len(tokens))
        if self.num_oov_indices == 0 and (ids == -1).any():
            self.lookup(np.array(tokens))  # raises with the unknown tokens named
        return ids

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Token -> index for an array of tokens (int64, same shape)."""
        values = np.asarray(values)
        uniques, inverse = np.unique(values.reshape(-1), return_inverse=True)
        keys = [self._key(u) for u in uniques.tolist()]
        default = self.oov_start if self.num_oov_indices == 1 else -1
        found = np.array([self.index.get(k, default) for k in keys], np.int64)
        if self.num_oov_indices > 1:
            unknown = found == -1
            if unknown.any():
                buckets = hash_buckets(uniques[unknown], self.num_oov_indices) if self.strings \
                    else np.mod(uniques[unknown].astype(np.int64), self.num_oov_indices)
                found[unknown] = buckets + self.oov_start
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == cat.INT else -1  # -1: counts for nothing
            found[[k == self._key(self.mask_token) for k in keys]] = mask_value
        if self.num_oov_indices == 0 and (found == -1).any():
            missing = [_plain(k) for k, f in zip(keys, found) if f == -1]
            mask = self.mask_token is not None and self.output_mode != cat.INT
            missing = [m for m in missing if not (mask and m == _plain(self._key(self.mask_token)))]
            if missing:
                raise ValueError(f"{self.layer} has num_oov_indices=0, so every input must be "
                                 f"in the vocabulary, but found {missing[:10]}. Set "
                                 "num_oov_indices=1 to map unknown tokens to an OOV index.")
        return found[inverse].reshape(values.shape)

    def invert(self, indices: np.ndarray) -> np.ndarray:
        """Index -> token for an array of indices (unknown indices give `oov_token`)."""
        indices = np.asarray(indices).astype(np.int64)
        table = np.array(self.get(), dtype=object)
        if self.num_oov_indices:
            table[self.oov_start:self.token_start] = self.oov_token
        ok = (indices >= 0) & (indices < len(table))
        out = np.where(ok, table[np.clip(indices, 0, max(len(table) - 1, 0))]
                       if len(table) else self.oov_token, self.oov_token)
        return out.astype(str if self.strings else np.int64)

    def encode(self, indices: np.ndarray) -> np.ndarray:
        """Indices in the output mode (a copy for "int")."""
        if self.output_mode == cat.INT:
            return indices
        return cat.encode_numpy(indices, self.output_mode, self.depth(), self.idf_weights)


def _as_list(vocabulary: Any) -> list[Any]:
    if isinstance(vocabulary, str):
        try:
            with open(vocabulary, encoding="utf-8") as f:
                return f.read().split("\n")
        except OSError as err:
            raise ValueError(f"The vocabulary file '{vocabulary}' cannot be read ({err}). "
                             "Pass a list of tokens, or a text file with one per line.") from None
    if hasattr(vocabulary, "tolist"):
        vocabulary = vocabulary.tolist()
    return [_plain(t) for t in vocabulary]


def _plain(token: Any) -> Any:
    """A token as a plain Python str or int (never a NumPy scalar or bytes)."""
    if isinstance(token, bytes):
        return token.decode("utf-8")
    if isinstance(token, np.generic):
        return token.item()
    return token
