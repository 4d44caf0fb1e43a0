"""TensorFlow Playground's data sets, drawn exactly as its `dataset.ts` draws them.

Classification: `circle`, `xor`, `gauss`, `spiral` (labels -1 and +1). Regression:
`plane` and `multi_gaussian` (labels in [-1, 1]). Points lie on [-6, 6]².
Randomness is TensorFlow Playground's: `seedrandom(seed)` replaces `Math.random`,
so the same seed string draws the same points in both, in the same order.

`load_data` reproduces the playground's `generateData`: 500 points for
classification and 1200 for regression, the noise slider (0-50) divided by 100,
a Fisher-Yates shuffle, and the first `percent_train`% of points for training.
"""
from __future__ import annotations

import math
import random as _py_random
from typing import Callable, Sequence

import numpy as np

from lamina.datasets._seedrandom import SeedRandom

Rand = Callable[[], float]
Points = tuple  # (xy: float64 (n, 2), labels: float64 (n,))

NUM_SAMPLES_CLASSIFY = 500
NUM_SAMPLES_REGRESS = 1200
FEATURES = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
FEATURE_LABELS = {"x": "X1", "y": "X2", "xSquared": "X1²", "ySquared": "X2²",
                  "xTimesY": "X1X2", "sinX": "sin(X1)", "sinY": "sin(X2)"}


def _rng(seed: str | int | None) -> Rand:
    if seed is None:
        seed = random_seed()
    return SeedRandom(str(seed))


_SEEDS = _py_random.Random()  # its own stream: set_random_seed does not repeat it


def random_seed() -> str:
    """A fresh seed string in TensorFlow Playground's form (`Math.random().toFixed(5)`).

    Example:
        >>> len(random_seed()), random_seed().startswith("0.")
        (7, True)
    """
    return f"{_SEEDS.random():.5f}"


def _uniform(rand: Rand, a: float, b: float) -> float:
    return rand() * (b - a) + a


def _normal(rand: Rand, mean: float, variance: float) -> float:
    while True:  # Marsaglia's polar method, as the playground's normalRandom.
        v1 = 2 * rand() - 1
        v2 = 2 * rand() - 1
        s = v1 * v1 + v2 * v2
        if s <= 1:
            break
    return mean + math.sqrt(variance) * (math.sqrt(-2 * math.log(s) / s) * v1)


def _scale(value: float, domain: tuple, range_: tuple, clamp: bool = False) -> float:
    """d3's linear scale: normalize into the domain, interpolate the range."""
    t = (value - domain[0]) / (domain[1] - domain[0])
    if clamp:
        t = max(0.0, min(1.0, t))
    return range_[0] * (1 - t) + range_[1] * t


def _check(num_samples: int, noise: float, name: str) -> None:
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 2:
        raise ValueError(f"{name}() needs num_samples as an integer >= 2, but received "
                         f"{num_samples!r}. Use e.g. num_samples=500.")
    if not isinstance(noise, (int, float, np.floating, np.integer)) or not 0 <= noise <= 1:
        raise ValueError(f"{name}() needs noise as a fraction in [0, 1] (the playground's "
                         f"slider divided by 100), but received {noise!r}. Use e.g. "
                         "noise=0.1 for the slider at 10.")


def _pack(points: list) -> Points:
    arr = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return arr[:, :2].copy(), arr[:, 2].copy()


def _circle(rand: Rand, n: int, noise: float) -> list:
    radius, points = 5.0, []
    for r_lo, r_hi in ((0.0, radius * 0.5), (radius * 0.7, radius)):
        for _ in range(math.ceil(n / 2)):
            r = _uniform(rand, r_lo, r_hi)
            angle = _uniform(rand, 0, 2 * math.pi)
            x, y = r * math.sin(angle), r * math.cos(angle)
            nx = _uniform(rand, -radius, radius) * noise
            ny = _uniform(rand, -radius, radius) * noise
            dx, dy = x + nx, y + ny
            inside = math.sqrt(dx * dx + dy * dy) < radius * 0.5
            label = 1.0 if inside else -1.0
            points.append((x, y, label))
    return points


def _xor(rand: Rand, n: int, noise: float) -> list:
    points, padding = [], 0.3
    for _ in range(n):
        x = _uniform(rand, -5, 5)
        x += padding if x > 0 else -padding
        y = _uniform(rand, -5, 5)
        y += padding if y > 0 else -padding
        nx = _uniform(rand, -5, 5) * noise
        ny = _uniform(rand, -5, 5) * noise
        points.append((x, y, 1.0 if (x + nx) * (y + ny) >= 0 else -1.0))
    return points


def _gauss(rand: Rand, n: int, noise: float) -> list:
    variance = _scale(noise, (0, 0.5), (0.5, 4))
    points = []
    for cx, cy, label in ((2, 2, 1.0), (-2, -2, -1.0)):
        for _ in range(math.ceil(n / 2)):
            x = _normal(rand, cx, variance)
            y = _normal(rand, cy, variance)
            points.append((x, y, label))
    return points


def _spiral(rand: Rand, n: int, noise: float) -> list:
    points, half = [], n / 2
    for delta_t, label in ((0.0, 1.0), (math.pi, -1.0)):
        for i in range(math.ceil(half)):
            r = i / half * 5
            t = 1.75 * i / half * 2 * math.pi + delta_t
            x = r * math.sin(t) + _uniform(rand, -1, 1) * noise
            y = r * math.cos(t) + _uniform(rand, -1, 1) * noise
            points.append((x, y, label))
    return points


def _noisy_uniform(rand: Rand, n: int, noise: float, label: Callable) -> list:
    radius, points = 6.0, []
    for _ in range(n):
        x = _uniform(rand, -radius, radius)
        y = _uniform(rand, -radius, radius)
        nx = _uniform(rand, -radius, radius) * noise
        ny = _uniform(rand, -radius, radius) * noise
        points.append((x, y, label(x + nx, y + ny)))
    return points


def _plane(rand: Rand, n: int, noise: float) -> list:
    return _noisy_uniform(rand, n, noise, lambda x, y: _scale(x + y, (-10, 10), (-1, 1)))


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1),
              (4, -2.5, -1))


def _gauss_label(x: float, y: float) -> float:
    label = 0.0
    for cx, cy, sign in _GAUSSIANS:
        d = math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy))
        new = sign * _scale(d, (0, 2), (1, 0), clamp=True)
        if abs(new) > abs(label):
            label = new
    return label


def _multi_gaussian(rand: Rand, n: int, noise: float) -> list:
    return _noisy_uniform(rand, n, noise, _gauss_label)


_DRAW = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
         "reg-plane": _plane, "reg-gauss": _multi_gaussian}
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("reg-plane", "reg-gauss")


def _generate(name: str, num_samples: int, noise: float, seed: str | int | None,
              public: str) -> Points:
    _check(num_samples, noise, public)
    return _pack(_DRAW[name](_rng(seed), int(num_samples), float(noise)))


def circle(num_samples: int = 500, noise: float = 0.0, *, seed: str | int | None = None
           ) -> Points:
    """Points inside radius 2.5 (label +1) and in the ring 3.5-5 (label -1).

    Args:
        num_samples: the number of points (half of each class).
        noise: a fraction in [0, 1]; labels are taken at a position moved by up to
            `noise * 5` in each coordinate, so noise flips labels near the boundary.
        seed: the seed string (a TensorFlow Playground `seed`); random when None.

    Returns:
        `(xy, labels)`: float64 arrays of shapes `(num_samples, 2)` and `(num_samples,)`.

    Example:
        >>> xy, labels = circle(500, seed="0.5")
        >>> xy.shape, labels.shape, sorted(set(labels.tolist()))
        ((500, 2), (500,), [-1.0, 1.0])
    """
    return _generate("circle", num_samples, noise, seed, "circle")


def xor(num_samples: int = 500, noise: float = 0.0, *, seed: str | int | None = None
        ) -> Points:
    """Points on [-5.3, 5.3]² labelled +1 where `x * y >= 0` (see `circle` for args).

    Example:
        >>> xy, labels = xor(4, seed="0.5")
        >>> bool(np.all((xy[:, 0] * xy[:, 1] >= 0) == (labels > 0)))
        True
    """
    return _generate("xor", num_samples, noise, seed, "xor")


def gauss(num_samples: int = 500, noise: float = 0.0, *, seed: str | int | None = None
          ) -> Points:
    """Two Gaussians at (2, 2) (+1) and (-2, -2) (-1), variance 0.5 to 4 with noise.

    Example:
        >>> xy, labels = gauss(500, seed="0.5")
        >>> bool(xy[labels > 0].mean() > 1.5 and xy[labels < 0].mean() < -1.5)
        True
    """
    return _generate("gauss", num_samples, noise, seed, "gauss")


def spiral(num_samples: int = 500, noise: float = 0.0, *, seed: str | int | None = None
           ) -> Points:
    """Two interleaved spirals of radius 5 and 1.75 turns (see `circle` for args).

    Point `i` of each arm has `r = 5 i / n` and `t = 3.5 pi i / n` (+ pi for the
    second arm), at `(r sin t, r cos t)` plus uniform noise of half-width `noise`.

    Example:
        >>> xy, labels = spiral(4, seed="0.5")
        >>> xy.round(3).tolist(), labels.tolist()
        ([[0.0, 0.0], [-1.768, 1.768], [0.0, -0.0], [1.768, -1.768]], [1.0, 1.0, -1.0, -1.0])
    """
    return _generate("spiral", num_samples, noise, seed, "spiral")


def plane(num_samples: int = 1200, noise: float = 0.0, *, seed: str | int | None = None
          ) -> Points:
    """Regression: uniform points on [-6, 6]², label `(x + y) / 10` (noisy positions).

    Example:
        >>> xy, labels = plane(3, seed="0.5")
        >>> np.allclose(labels, xy.sum(axis=1) / 10)
        True
    """
    return _generate("reg-plane", num_samples, noise, seed, "plane")


def multi_gaussian(num_samples: int = 1200, noise: float = 0.0, *,
                   seed: str | int | None = None) -> Points:
    """Regression: six signed bumps of radius 2 on a 3x2 grid; label in [-1, 1].

    Example:
        >>> xy, labels = multi_gaussian(1200, seed="0.5")
        >>> xy.shape, bool(labels.min() >= -1 and labels.max() <= 1)
        ((1200, 2), True)
    """
    return _generate("reg-gauss", num_samples, noise, seed, "multi_gaussian")


def features(xy: np.ndarray, names: Sequence[str] = ("x", "y")) -> np.ndarray:
    """The playground's input features of points, as columns in the order given.

    Args:
        xy: points of shape `(n, 2)`.
        names: keys of `FEATURES`: `x` (X1), `y` (X2), `xSquared`, `ySquared`,
            `xTimesY`, `sinX`, `sinY`.

    Returns:
        A float32 array of shape `(n, len(names))`.

    Example:
        >>> features(np.array([[1.0, 2.0]]), ["x", "y", "xTimesY", "ySquared"]).tolist()
        [[1.0, 2.0, 2.0, 4.0]]
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"features() expects points of shape (n, 2), but received shape "
                         f"{xy.shape}. Pass the xy array that a generator returns.")
    x, y = xy[:, 0], xy[:, 1]
    table = {"x": x, "y": y, "xSquared": x * x, "ySquared": y * y, "xTimesY": x * y,
             "sinX": np.sin(x), "sinY": np.sin(y)}
    unknown = [n for n in names if n not in table]
    if unknown or not names:
        raise ValueError(f"features() received unknown or no feature names {unknown or names}"
                         f". Valid names: {list(FEATURES)}.")
    return np.stack([table[n] for n in names], axis=1).astype(np.float32)


def load_data(dataset: str = "circle", *, noise: float = 0, percent_train: float = 50,
              seed: str | int | None = None) -> tuple:
    """Draw, shuffle and split a data set exactly as TensorFlow Playground does.

    Args:
        dataset: `circle`, `xor`, `gauss`, `spiral` (classification, 500 points) or
            `reg-plane`, `reg-gauss` (regression, 1200 points).
        noise: the playground's noise slider, 0 to 50 (divided by 100 for drawing).
        percent_train: the ratio of training to test data, in percent (10 to 90).
        seed: the seed string of the run (the `seed` key of a playground link).

    Returns:
        `((xy_train, y_train), (xy_test, y_test))`, float64 points `(n, 2)`, labels `(n,)`.

    Example:
        >>> (xy_train, y_train), (xy_test, y_test) = load_data("spiral", seed="0.5")
        >>> xy_train.shape, y_train.shape, xy_test.shape
        ((250, 2), (250,), (250, 2))
    """
    if dataset not in _DRAW:
        raise ValueError(f"Unknown playground data set {dataset!r}. Valid names: "
                         f"{list(_DRAW)}.")
    if not isinstance(noise, (int, float)) or not 0 <= noise <= 100:
        raise ValueError(f"load_data() needs noise in [0, 50] (the slider value), but "
                         f"received {noise!r}.")
    if not isinstance(percent_train, (int, float)) or not 1 <= percent_train <= 99:
        raise ValueError(f"load_data() needs percent_train in [10, 90], but received "
                         f"{percent_train!r}.")
    rand = _rng(seed)
    n = NUM_SAMPLES_REGRESS if dataset in REGRESSION else NUM_SAMPLES_CLASSIFY
    points = _DRAW[dataset](rand, n, noise / 100)
    counter = len(points)  # Fisher-Yates with the same random stream.
    while counter > 0:
        index = math.floor(rand() * counter)
        counter -= 1
        points[counter], points[index] = points[index], points[counter]
    xy, labels = _pack(points)
    split = math.floor(len(points) * percent_train / 100)
    return (xy[:split], labels[:split]), (xy[split:], labels[split:])
