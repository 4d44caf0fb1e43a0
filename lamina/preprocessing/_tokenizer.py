"""`Tokenizer`: tf.keras 2's word index over a corpus, and texts to sequences or matrices."""
from __future__ import annotations

import collections
import json
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from lamina.preprocessing._words import DEFAULT_FILTERS, text_to_word_sequence

_MODES = ("binary", "count", "tfidf", "freq")


class Tokenizer:
    """Words of a corpus indexed by frequency, as `keras.preprocessing.text.Tokenizer`.

    `fit_on_texts` counts the words; the most frequent gets index 1 (index 0 is
    never a word; ties keep the order in which the words first appeared), after
    `oov_token` when one is given, which takes index 1. `texts_to_sequences` turns
    texts into lists of indices, keeping only the `num_words - 1` most frequent
    words (the others become `oov_token`'s index, or are dropped without one).

    Args:
        num_words: keep the words with index below `num_words` when converting
            (None keeps all); `word_index` always holds every word.
        filters: characters removed from texts (punctuation, tab, newline).
        lower: lowercase texts first.
        split: the separator between words.
        char_level: every character is a token.
        oov_token: the token that stands for unknown words (index 1), or None.
        analyzer: a function from a text to its tokens, instead of splitting.

    Attributes:
        word_index: `{word: index}`. index_word: `{index: word}`.
        word_counts: `{word: occurrences}` in order of first appearance.
        word_docs: `{word: texts containing it}`. index_docs: the same by index.
        document_count: texts (or sequences) seen by `fit_on_*`.

    Example:
        >>> tokenizer = Tokenizer(num_words=4, oov_token="<unk>")
        >>> tokenizer.fit_on_texts(["The cat sat.", "The cat ran!", "A dog"])
        >>> tokenizer.word_index
        {'<unk>': 1, 'the': 2, 'cat': 3, 'sat': 4, 'ran': 5, 'a': 6, 'dog': 7}
        >>> tokenizer.texts_to_sequences(["the dog sat", "cat"])
        [[2, 1, 1], [3]]
    """

    def __init__(self, num_words: int | None = None, filters: str = DEFAULT_FILTERS,
                 lower: bool = True, split: str = " ", char_level: bool = False,
                 oov_token: str | None = None,
                 analyzer: Callable[[str], list[str]] | None = None, **kwargs: Any):
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer got unexpected keyword argument(s) {sorted(kwargs)}. "
                            "Valid ones: num_words, filters, lower, split, char_level, "
                            "oov_token, analyzer.")
        if num_words is not None and (isinstance(num_words, bool) or
                                      not isinstance(num_words, int) or num_words < 1):
            raise ValueError(f"Tokenizer needs num_words to be a positive integer or None, "
                             f"but received num_words={num_words!r}.")
        self.word_counts: dict[str, int] = collections.OrderedDict()
        self.word_docs: dict[str, int] = collections.defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs: dict[int, int] = collections.defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.analyzer = analyzer

    def _tokens(self, text: Any) -> list[str]:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer needs texts (strings) or lists of tokens, but "
                            f"received {type(text).__name__} {text!r:.60}. Pass a list of "
                            "strings, e.g. tokenizer.fit_on_texts(['first text', 'second']).")
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    def fit_on_texts(self, texts: Iterable[Any]) -> None:
        """Count the words of `texts` (strings, or lists of tokens) and rebuild the index.

        Calling it again adds to the counts.
        """
        if isinstance(texts, str):
            raise TypeError("fit_on_texts needs a list of texts, but received one string. "
                            "Wrap it in a list: fit_on_texts([text]).")
        counts: collections.Counter = collections.Counter()  # keeps first-seen order
        docs: collections.Counter = collections.Counter()
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            counts.update(seq)
            docs.update(set(seq))
        for w, c in counts.items():
            self.word_counts[w] = self.word_counts.get(w, 0) + c
        for w, c in docs.items():
            self.word_docs[w] += c
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + \
            [w for w, _ in ranked]
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences: Iterable[Iterable[int]]) -> None:
        """Count documents per index from sequences of indices (for `tfidf`)."""
        sequences = list(sequences)
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences_generator(self, texts: Iterable[Any]) -> Iterator[list[int]]:
        """`texts_to_sequences`, one text at a time."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        limit = self.num_words or None
        get = self.word_index.get
        for text in texts:
            vect = []
            for i in map(get, self._tokens(text)):
                if i is not None and (limit is None or i < limit):
                    vect.append(i)
                elif oov is not None:
                    vect.append(oov)
            yield vect

    def texts_to_sequences(self, texts: Iterable[Any]) -> list[list[int]]:
        """Each text as a list of word indices (see the class for `num_words`).

        Example:
            >>> tokenizer = Tokenizer()
            >>> tokenizer.fit_on_texts(["b a b"])
            >>> tokenizer.texts_to_sequences(["a b c"])
            [[2, 1]]
        """
        if isinstance(texts, str):
            raise TypeError("texts_to_sequences needs a list of texts, but received one "
                            "string. Wrap it in a list: texts_to_sequences([text]).")
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences: Iterable[Iterable[int]]
                                     ) -> Iterator[str]:
        """`sequences_to_texts`, one sequence at a time."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for seq in sequences:
            words = []
            for num in seq:
                num = int(num)
                word = self.index_word.get(num)
                if word is not None and not (self.num_words and num >= self.num_words):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def sequences_to_texts(self, sequences: Iterable[Iterable[int]]) -> list[str]:
        """Each sequence of indices as a text of space-separated words.

        Example:
            >>> tokenizer = Tokenizer()
            >>> tokenizer.fit_on_texts(["b a b"])
            >>> tokenizer.sequences_to_texts([[2, 1, 7]])
            ['a b']
        """
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts: Iterable[Any], mode: str = "binary") -> np.ndarray:
        """One row per text, one column per index: see `sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences: Iterable[Iterable[int]],
                            mode: str = "binary") -> np.ndarray:
        """One row per sequence, `num_words` columns (or `len(word_index) + 1`).

        Modes: `"binary"` (1 where the index occurs), `"count"` (occurrences),
        `"freq"` (occurrences over the sequence's length) and `"tfidf"`:
        `(1 + log(count)) * log(1 + document_count / (1 + index_docs[j]))`.

        Example:
            >>> tokenizer = Tokenizer()
            >>> tokenizer.fit_on_texts(["b a b", "b"])
            >>> tokenizer.sequences_to_matrix([[1, 1, 2]], mode="count").tolist()
            [[0.0, 2.0, 1.0]]
        """
        if mode not in _MODES:
            raise ValueError(f"Unknown vectorization mode {mode!r}; choose one of "
                             f"{list(_MODES)}.")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (the num_words argument), or fit the "
                             "Tokenizer on some text data first (fit_on_texts).")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data (fit_on_texts or "
                             "fit_on_sequences) before using the tfidf mode.")
        sequences = list(sequences)
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            seq = list(seq)
            if not seq:
                continue
            counts = collections.Counter(int(j) for j in seq if int(j) < num_words)
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = (1 + np.log(c)) * idf
        return x

    def get_config(self) -> dict[str, Any]:
        """The settings and the counts, the dictionaries as JSON strings (as tf.keras)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs: Any) -> str:
        """The tokenizer as JSON text; `tokenizer_from_json` reads it back.

        Args:
            **kwargs: passed to `json.dumps` (e.g. `indent=2`).
        """
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """A `Tokenizer` from `Tokenizer.to_json()` text (tf.keras 2's files read too).

    Example:
        >>> tokenizer = Tokenizer(oov_token="?")
        >>> tokenizer.fit_on_texts(["a b b"])
        >>> tokenizer_from_json(tokenizer.to_json()).texts_to_sequences(["b a c"])
        [[2, 3, 1]]
    """
    try:
        config = dict(json.loads(json_string)["config"])
        counts = json.loads(config.pop("word_counts"))
        docs = json.loads(config.pop("word_docs"))
        index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
        index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
        word_index = json.loads(config.pop("word_index"))
    except (TypeError, KeyError, ValueError) as err:
        raise ValueError(f"tokenizer_from_json needs the text of Tokenizer.to_json(), but "
                         f"could not read it ({type(err).__name__}: {err}).") from None
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(counts)
    tokenizer.word_docs = collections.defaultdict(int, docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index, tokenizer.index_word = word_index, index_word
    return tokenizer
