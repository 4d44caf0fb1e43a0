"""Movie reviews with a sentiment signal: a small IMDB-like binary set, generated.

Each review is a few sentences about a movie: one to three opinions ("the acting
was really wonderful.", "the plot was not bad.") mixed with neutral sentences
("we watched it at home."). An opinion's polarity is its adjective's, flipped by
"not"; a "..., but ..." sentence counts only for the clause after "but". A review
is positive (label 1) when its opinions are mostly positive. So a bag of words
gets most reviews right, and word order (negation, "but") the rest: what an
Embedding + LSTM model learns beyond a bag of words.

Example:
    >>> from lamina.datasets import sentiment
    >>> (x_train, y_train), (x_test, y_test) = sentiment.load_data(num_train=200,
    ...                                                             num_test=50)
    >>> x_train.shape, y_train.shape, y_test.dtype.name, sorted(set(y_train.tolist()))
    ((200,), (200,), 'int32', [0, 1])
"""
from __future__ import annotations

import numpy as np

SUBJECTS = ("the movie", "the film", "this picture", "the story", "the plot", "the acting",
            "the cast", "the script", "the soundtrack", "the ending", "the director",
            "the pacing", "the dialogue", "the camera work", "the lead actor")
POSITIVE = ("good", "great", "wonderful", "brilliant", "moving", "funny", "charming",
            "excellent", "delightful", "gripping", "beautiful", "clever")
NEGATIVE = ("bad", "awful", "boring", "terrible", "dull", "predictable", "weak", "clumsy",
            "tedious", "painful", "forgettable", "silly")
INTENSIFIERS = ("", "", "very ", "really ", "truly ", "rather ", "quite ", "so ")
NEUTRAL = ("i saw it on a sunday.", "we watched it at home.", "it runs about two hours.",
           "my friend picked it.", "the cinema was full.", "it came out last year.",
           "i went with my sister.", "there is a long car chase.", "it is set in a small town.",
           "the popcorn was cold.", "it is based on a novel.", "i had read about it.")
_FRAMES = ("{s} was {i}{a}.", "{s} is {i}{a}.", "i thought {s} was {i}{a}.",
           "{s} felt {i}{a}.", "honestly, {s} was {i}{a}.")
_NEGATED = ("{s} was not {a}.", "{s} is not {a}.", "i did not think {s} was {a}.")


def _clause(rng: np.random.Generator, polarity: int) -> tuple[str, str]:
    """An opinion of the given polarity: `(template, adjective)`."""
    negate = rng.random() < 0.25
    words = NEGATIVE if (polarity > 0) == negate else POSITIVE
    frames = _NEGATED if negate else _FRAMES
    return frames[rng.integers(len(frames))], words[rng.integers(len(words))]


def _opinion(rng: np.random.Generator, polarity: int) -> str:
    template, adjective = _clause(rng, polarity)
    text = template.format(s=SUBJECTS[rng.integers(len(SUBJECTS))],
                           i=INTENSIFIERS[rng.integers(len(INTENSIFIERS))], a=adjective)
    if rng.random() < 0.2:  # "<the opposite>, but <this>": the clause after "but" counts
        first, first_adj = _clause(rng, -polarity)
        before = first.format(s=SUBJECTS[rng.integers(len(SUBJECTS))], i="",
                              a=first_adj).rstrip(".")
        text = f"{before}, but {text}"
    return text


def review(rng: np.random.Generator, label: int) -> str:
    """One review whose opinions are mostly of the label's polarity (1 or 0)."""
    polarity = 1 if label else -1
    count = int(rng.integers(1, 4))
    against = int(rng.integers(0, (count + 1) // 2)) if count > 1 else 0
    signs = [polarity] * (count - against) + [-polarity] * against
    sentences = [_opinion(rng, s) for s in signs]
    sentences += [NEUTRAL[i] for i in rng.choice(len(NEUTRAL), int(rng.integers(0, 4)),
                                                 replace=False)]
    order = rng.permutation(len(sentences))
    return " ".join(sentences[i] for i in order)


def reviews(num_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`num_samples` reviews and their labels, half positive (in random order).

    Args:
        num_samples: how many reviews.
        seed: the random seed; the same seed gives the same reviews.

    Returns:
        `(texts, labels)`: a `str` array of shape `(num_samples,)` and int32 labels
        (1 positive, 0 negative).

    Example:
        >>> texts, labels = reviews(4, seed=1)
        >>> texts.shape, labels.tolist()
        ((4,), [0, 1, 0, 1])
    """
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 1:
        raise ValueError(f"reviews needs num_samples to be a positive integer, but received "
                         f"{num_samples!r}.")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(num_samples) % 2).astype(np.int32)
    texts = np.array([review(rng, int(y)) for y in labels], dtype=str)
    return texts, labels


def load_data(num_train: int = 2000, num_test: int = 500, *, seed: int = 0
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Training and test reviews, as `keras.datasets.imdb.load_data` returns its split
    (texts rather than word indices: vectorize them with `TextVectorization` or a
    `Tokenizer`).

    Args:
        num_train: training reviews.
        num_test: test reviews (drawn after the training ones, from the same seed).
        seed: the random seed.

    Returns:
        `((x_train, y_train), (x_test, y_test))`.
    """
    texts, labels = reviews(num_train + num_test, seed=seed)
    return (texts[:num_train], labels[:num_train]), (texts[num_train:], labels[num_train:])
