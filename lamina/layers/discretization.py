"""`Discretization`: numbers to bucket indices by boundaries (learned by `adapt`)."""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from lamina import registry
from lamina.layers import _categorical as cat
from lamina.layers._host_layer import host_batches
from lamina.layers.layer import Layer

_MODES = (cat.INT, cat.ONE_HOT, cat.MULTI_HOT, cat.COUNT)


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Keras's quantile summary of one batch: every `n * epsilon`-th sorted value."""
    values = np.sort(values.reshape(-1).astype(np.float32))
    increment = int(np.float32(values.size) / np.float32(1.0 / epsilon))
    step = max(increment, 1)
    bounds = values[increment::step]
    return np.stack([bounds, np.full(bounds.shape, step, np.float32)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def quantile_boundaries(batches: list[np.ndarray], num_bins: int, epsilon: float
                        ) -> list[float]:
    """Bin boundaries from batches of values, by Keras's approximate quantiles (each
    batch summarized, the summaries merged and compressed to `1 / epsilon` points).

    Example:
        >>> quantile_boundaries([np.arange(10.0)], num_bins=3, epsilon=0.01)
        [2.3333332538604736, 5.666666507720947]
    """
    summary = np.zeros((2, 0), np.float32)
    for batch in batches:
        merged = np.concatenate((_summarize(batch, epsilon), summary), axis=1)
        summary = _compress(merged[:, np.argsort(merged[0], kind="stable")], epsilon)
    return [float(b) for b in _compress(summary, 1.0 / num_bins)[0, :-1]]


@registry.register_serializable("lamina.layers")
class Discretization(Layer):
    """Buckets numbers by boundaries, as `keras.layers.Discretization`: with
    boundaries `[0., 1., 2.]` the buckets are `(-inf, 0)`, `[0, 1)`, `[1, 2)` and
    `[2, inf)`, indices 0 to 3. It runs inside compiled programs.

    Give `bin_boundaries`, or `num_bins` and call `adapt(data)`, which computes
    boundaries at the quantiles of the data as Keras does (approximate quantiles
    to within `epsilon`, batch by batch); adapt before the model first runs, since
    the boundaries are part of its compiled program. They are saved with the model.

    Args:
        bin_boundaries: the sorted boundaries, or None.
        num_bins: the number of bins `adapt` makes.
        epsilon: the error tolerance of `adapt`'s quantiles.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"` or `"count"`.
        sparse: must be False.

    Example:
        >>> import numpy as np
        >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        >>> np.asarray(layer(np.array([[-1.5, 1.0, 3.4, 0.5]]))).tolist()
        [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries: Any = None, num_bins: int | None = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False,
                 **kwargs: Any):
        if "bins" in kwargs:  # tf.keras 2's deprecated name
            bins = kwargs.pop("bins")
            if isinstance(bins, int) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        if kwargs.get("dtype") == "int64":
            kwargs.pop("dtype")
        super().__init__(**kwargs)
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization takes num_bins (learned by adapt) or "
                             f"bin_boundaries, not both; received num_bins={num_bins} and "
                             f"bin_boundaries={bin_boundaries}.")
        if num_bins is not None and (isinstance(num_bins, bool) or
                                     not isinstance(num_bins, (int, np.integer)) or
                                     num_bins < 1):
            raise ValueError(f"Discretization needs num_bins to be a positive integer, but "
                             f"received num_bins={num_bins!r}.")
        if bin_boundaries is not None:
            bin_boundaries = [float(b) for b in np.asarray(bin_boundaries).reshape(-1)]
            if any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries)):
                raise ValueError(f"Discretization needs sorted bin_boundaries, but received "
                                 f"{bin_boundaries}.")
        self.input_bin_boundaries = bin_boundaries
        self.bin_boundaries = list(bin_boundaries or [])
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = cat.check_output_mode("Discretization", output_mode, _MODES)
        cat.check_not_sparse("Discretization", sparse)
        self.sparse = False

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None
              ) -> None:
        """Compute `num_bins - 1` boundaries at the quantiles of `data`.

        Args:
            data: numbers (an array, a list, or an iterable of batches).
            batch_size: rows per summary (32, as Keras).
            steps: the most batches to take from an iterable.
        """
        if self.input_bin_boundaries is not None or self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}' was given bin_boundaries, so "
                             "adapt() has nothing to learn. Create it with num_bins=... to "
                             "learn the boundaries from data.")
        batches = [np.asarray(b, np.float32) for b in host_batches(data, batch_size or 32,
                                                                     steps)]
        if not batches or not sum(b.size for b in batches):
            raise ValueError("Discretization.adapt received no data. Pass the values, e.g. "
                             "adapt(x_train[:, 0]).")
        if not all(np.all(np.isfinite(b)) for b in batches):
            raise ValueError("Discretization.adapt received NaN or infinite values. Fill or "
                             "drop them first.")
        self.bin_boundaries = quantile_boundaries(batches, self.num_bins, self.epsilon)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return cat.output_shape(tuple(input_shape), self.output_mode,
                                len(self.bin_boundaries) + 1)

    def call(self, inputs: Any) -> Any:
        bounds = jnp.asarray(self.bin_boundaries, jnp.float32)
        indices = jnp.searchsorted(bounds, inputs.astype(jnp.float32),
                                   side="right").astype(jnp.int32)
        if self.output_mode == cat.INT:
            return indices
        return cat.encode_jax(indices, self.output_mode, len(self.bin_boundaries) + 1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        learned = self.input_bin_boundaries is None and bool(self.bin_boundaries)
        config.update(bin_boundaries=self.bin_boundaries if learned or
                      self.input_bin_boundaries is not None else None,
                      num_bins=None if learned else self.num_bins, epsilon=self.epsilon,
                      output_mode=self.output_mode, sparse=self.sparse)
        return config
