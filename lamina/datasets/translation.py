"""Translation-like pairs for sequence-to-sequence models, generated.

- `dates`: a date written the way people write it ("march 5, 2021", "5 mar 2021",
  "friday, 5 march 2021") paired with its ISO form ("2021-03-05"): a character-level
  translator must read month names and reorder the fields.
- `reversed_words`: a short sentence paired with the same words in reverse order.

Example:
    >>> from lamina.datasets import translation
    >>> sources, targets = translation.dates(3, seed=0)
    >>> len(sources), all(len(t) == 10 and t[4] == "-" for t in targets)
    (3, True)
"""
from __future__ import annotations

import datetime

import numpy as np

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FORMATS = ("{month} {day}, {year}", "{day} {month} {year}", "{mon} {day} {year}",
            "{day} {mon} {year}", "{weekday}, {month} {day}, {year}",
            "{weekday}, {day} {month} {year}", "{day}.{mm}.{year}", "{month} {dd}, {year}")
_WORDS = ("the", "cat", "dog", "sees", "likes", "a", "red", "big", "small", "ball", "bird",
          "runs", "to", "house", "green", "tree", "under", "happy", "child", "eats", "fish",
          "blue", "car", "over", "old", "man")
_START = datetime.date(1950, 1, 1).toordinal()
_END = datetime.date(2049, 12, 31).toordinal()


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} needs num_samples to be a positive integer, but received "
                         f"{value!r}.")
    return int(value)


def human_date(date: datetime.date, form: int) -> str:
    """`date` in one of the human formats (an index into them, modulo their number).

    Example:
        >>> human_date(datetime.date(2021, 3, 5), 0), human_date(datetime.date(2021, 3, 5), 4)
        ('march 5, 2021', 'friday, march 5, 2021')
    """
    month = MONTHS[date.month - 1]
    return _FORMATS[form % len(_FORMATS)].format(
        month=month, mon=month[:3], day=date.day, dd=f"{date.day:02d}", mm=f"{date.month:02d}",
        year=date.year, weekday=WEEKDAYS[date.weekday()])


def dates(num_samples: int, *, seed: int = 0) -> tuple[list[str], list[str]]:
    """Dates written by people and as ISO `YYYY-MM-DD`, between 1950 and 2049.

    Args:
        num_samples: how many pairs.
        seed: the random seed; the same seed gives the same pairs.

    Returns:
        `(sources, targets)`: two lists of strings.

    Example:
        >>> dates(2, seed=3)
        (['february 25, 2031', '12 december 1967'], ['2031-02-25', '1967-12-12'])
    """
    rng = np.random.default_rng(seed)
    n = _count("dates", num_samples)
    sources, targets = [], []
    for _ in range(n):  # one draw per pair: more pairs from a seed extend fewer
        date = datetime.date.fromordinal(int(rng.integers(_START, _END + 1)))
        sources.append(human_date(date, int(rng.integers(len(_FORMATS)))))
        targets.append(date.isoformat())
    return sources, targets


def reversed_words(num_samples: int, *, min_words: int = 3, max_words: int = 6,
                   seed: int = 0) -> tuple[list[str], list[str]]:
    """Sentences of random words and the same words in reverse order.

    Args:
        num_samples: how many pairs.
        min_words: the fewest words in a sentence.
        max_words: the most words in a sentence.
        seed: the random seed.

    Returns:
        `(sources, targets)`: two lists of strings.

    Example:
        >>> sources, targets = reversed_words(1, seed=0)
        >>> targets[0] == " ".join(reversed(sources[0].split()))
        True
    """
    rng = np.random.default_rng(seed)
    n = _count("reversed_words", num_samples)
    if not 1 <= min_words <= max_words:
        raise ValueError(f"reversed_words needs 1 <= min_words <= max_words, but received "
                         f"min_words={min_words} and max_words={max_words}.")
    sources, targets = [], []
    for _ in range(n):
        length = int(rng.integers(min_words, max_words + 1))
        words = [_WORDS[i] for i in rng.integers(0, len(_WORDS), size=length)]
        sources.append(" ".join(words))
        targets.append(" ".join(reversed(words)))
    return sources, targets
