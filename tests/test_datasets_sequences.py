"""The generated text and series data sets: deterministic by seed, and each one's
rule checked by an independent reading of what it generated."""
import datetime
import re

import numpy as np
import pytest

from lamina.datasets import sentiment, series, translation


def polarity_by_reading(review: str) -> int:
    """+1/-1 per opinion sentence, read from the words: the adjective's polarity,
    flipped by 'not'; in '..., but ...' only the clause after 'but' counts."""
    total = 0
    for sentence in re.split(r"(?<=\.) ", review):
        clause = sentence.split(", but ")[-1]
        words = clause.rstrip(".").split()
        sign = sum(1 for w in words if w in sentiment.POSITIVE) - \
            sum(1 for w in words if w in sentiment.NEGATIVE)
        total += -sign if "not" in words else sign
    return total


def test_sentiment_labels_follow_the_opinions():
    texts, labels = sentiment.reviews(400, seed=5)
    assert texts.shape == (400,) and labels.shape == (400,) and labels.dtype == np.int32
    assert labels.sum() == 200  # balanced
    reading = np.array([polarity_by_reading(t) for t in texts])
    assert np.all(reading != 0)
    np.testing.assert_array_equal(labels, (reading > 0).astype(np.int32))
    assert any(", but " in t for t in texts) and any(" not " in t for t in texts)


def test_sentiment_is_deterministic_by_seed():
    a, b, c = (sentiment.load_data(50, 10, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a[0][0], b[0][0])
    np.testing.assert_array_equal(a[1][1], b[1][1])
    assert a[0][0].tolist() != c[0][0].tolist()
    (x_train, y_train), (x_test, y_test) = a
    assert x_train.shape == (50,) and x_test.shape == (10,) and y_test.shape == (10,)
    with pytest.raises(ValueError, match="num_samples"):
        sentiment.reviews(0)


def test_translation_dates_are_the_same_day_written_two_ways():
    sources, targets = translation.dates(300, seed=4)
    assert len(sources) == len(targets) == 300
    for source, target in zip(sources, targets):
        date = datetime.date.fromisoformat(target)
        assert 1950 <= date.year <= 2049
        assert str(date.year) in source and str(date.day) in source
        month = translation.MONTHS[date.month - 1]
        assert month[:3] in source or f".{date.month:02d}." in source
        if "," in source and source.split(",")[0] in translation.WEEKDAYS:
            assert source.split(",")[0] == date.strftime("%A").lower()
    assert translation.dates(5, seed=4) == (sources[:5], targets[:5])  # more pairs extend
    assert translation.dates(5, seed=5) != (sources[:5], targets[:5])


def test_translation_reversed_words():
    sources, targets = translation.reversed_words(50, min_words=2, max_words=4, seed=0)
    for source, target in zip(sources, targets):
        assert target.split() == source.split()[::-1] and 2 <= len(source.split()) <= 4
    with pytest.raises(ValueError, match="min_words"):
        translation.reversed_words(3, min_words=5, max_words=2)


def test_seasonal_series_is_its_formula_plus_seeded_noise():
    clean = series.seasonal(96, noise=0.0, trend=0.0, level=0.0, amplitude=2.0, seed=7)
    assert clean.shape == (96,) and clean.dtype == np.float32
    # cycles of 24 and 96 steps: shifting by 96 steps repeats a noiseless, trendless series
    longer = series.seasonal(192, noise=0.0, trend=0.0, level=0.0, amplitude=2.0, seed=7)
    np.testing.assert_allclose(longer[96:], longer[:96], atol=1e-5)
    np.testing.assert_allclose(longer[:96], clean, atol=1e-6)
    noisy = series.seasonal(5000, noise=0.3, trend=0.0, level=0.0, amplitude=2.0, seed=7)
    full = series.seasonal(5000, noise=0.0, trend=0.0, level=0.0, amplitude=2.0, seed=7)
    assert abs(float(np.std(noisy - full)) - 0.3) < 0.02
    trend = series.seasonal(1000, noise=0.0, trend=0.01, level=5.0, seed=3) - \
        series.seasonal(1000, noise=0.0, trend=0.0, level=0.0, seed=3)
    np.testing.assert_allclose(trend, 5.0 + 0.01 * np.arange(1000), rtol=1e-5)
    np.testing.assert_array_equal(series.seasonal(100, seed=1), series.seasonal(100, seed=1))


def test_seasonal_series_naive_forecast_is_beaten_by_a_linear_model():
    values = series.seasonal(2000, seed=0)
    x, y = series.windows(values, 24)
    assert x.shape == (1976, 24, 1) and y.shape == (1976,)
    np.testing.assert_array_equal(x[5, :, 0], values[5:29])
    assert y[5] == values[29]
    features = np.c_[x[:, :, 0], np.ones(len(x))].astype(np.float64)
    coef = np.linalg.lstsq(features[:1500], y[:1500], rcond=None)[0]
    linear = np.mean((features[1500:] @ coef - y[1500:]) ** 2)
    naive = np.mean((x[1500:, -1, 0] - y[1500:]) ** 2)
    assert linear < 0.7 * naive  # held-out windows
    with pytest.raises(ValueError, match="shorter window"):
        series.windows(values[:10], 10)
