"""A noisy seasonal series for forecasting, generated.

`seasonal` draws `level + trend * t + a daily-like cycle + a slower cycle + noise`:
two sine waves (periods `period` and `4 * period`, random phases), a linear trend
and Gaussian noise. The naive forecast (tomorrow = today) pays for the noise twice
and misses the cycle's slope, so a model that learns the seasonality beats it.
`windows` cuts a series into `(inputs, next values)` for supervised training.

Example:
    >>> from lamina.datasets import series
    >>> values = series.seasonal(500, seed=0)
    >>> x, y = series.windows(values, 24)
    >>> values.shape, x.shape, y.shape
    ((500,), (476, 24, 1), (476,))
"""
from __future__ import annotations

import numpy as np


def seasonal(length: int = 1000, *, period: int = 24, amplitude: float = 1.0,
             trend: float = 0.002, level: float = 10.0, noise: float = 0.2,
             seed: int = 0) -> np.ndarray:
    """A seasonal series with a trend and noise, float32.

    Args:
        length: the number of steps.
        period: the steps of the main cycle (a second cycle lasts `4 * period` steps,
            at half the amplitude).
        amplitude: the main cycle's amplitude.
        trend: the change of the level per step.
        level: the value at step 0 (before the cycles and noise).
        noise: the standard deviation of the Gaussian noise.
        seed: the random seed (phases and noise); the same seed gives the same series.

    Returns:
        An array of shape `(length,)`.

    Example:
        >>> values = seasonal(48, noise=0.0, trend=0.0, seed=1)
        >>> bool(abs(values[:24].mean() - values[24:].mean()) < 0.6)
        True
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"seasonal needs length to be a positive integer, but received "
                         f"{length!r}.")
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or period < 2:
        raise ValueError(f"seasonal needs period to be an integer of at least 2, but "
                         f"received {period!r}.")
    if noise < 0:
        raise ValueError(f"seasonal needs noise >= 0 (a standard deviation), but received "
                         f"{noise}.")
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float64)
    phase_fast, phase_slow = rng.uniform(0, 2 * np.pi, size=2)
    values = (level + trend * t
              + amplitude * np.sin(2 * np.pi * t / period + phase_fast)
              + 0.5 * amplitude * np.sin(2 * np.pi * t / (4 * period) + phase_slow)
              + rng.normal(0.0, noise, size=length))
    return values.astype(np.float32)


def windows(values: np.ndarray, window: int, horizon: int = 1
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each run of `window` steps and the value `horizon` steps after it.

    Args:
        values: a 1-D series.
        window: steps per input.
        horizon: how far ahead the target is (1: the next step).

    Returns:
        `(x, y)`: x of shape `(n, window, 1)` (ready for a recurrent layer), y of
        shape `(n,)`, with `n = len(values) - window - horizon + 1`.

    Example:
        >>> x, y = windows(np.arange(6.0), 3)
        >>> x[:, :, 0].tolist(), y.tolist()
        ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"windows needs a 1-D series, but received shape {values.shape}.")
    n = len(values) - window - horizon + 1
    if window < 1 or horizon < 1 or n < 1:
        raise ValueError(f"windows cannot cut a series of {len(values)} steps into windows "
                         f"of {window} with a target {horizon} step(s) ahead. Use a shorter "
                         "window or a longer series.")
    idx = np.arange(n)[:, None] + np.arange(window)[None, :]
    return values[idx][..., None], values[np.arange(n) + window + horizon - 1]
