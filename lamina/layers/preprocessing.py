"""Preprocessing layers: `Normalization` (with `adapt`) and `Rescaling`."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import jax.numpy as jnp
import numpy as np

from lamina import registry
from lamina.layers.layer import Layer

_EPSILON = 1e-7  # keras.backend.epsilon(), the floor of the standard deviation


def _keep_axes(axis: Any) -> tuple[int, ...]:
    if axis is None:
        return ()
    items = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in items):
        raise TypeError(f"Normalization needs `axis` to be an int, a list of ints or None, "
                        f"but received axis={axis!r}. Use axis=-1 for one mean and variance "
                        "per feature, or axis=None for a single mean and variance.")
    return tuple(int(a) for a in items)


def _host_array(data: Any) -> np.ndarray:
    """NumPy float64 from an array, a DataFrame, a list, or an iterable of batches."""
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    if not (hasattr(data, "__array__") or isinstance(data, (list, tuple, int, float))):
        if isinstance(data, Iterable):
            batches = [_host_array(batch) for batch in data]
            if not batches:
                raise ValueError("Normalization.adapt received an empty iterable of batches. "
                                 "Pass the training features, e.g. adapt(x_train).")
            return np.concatenate(batches, axis=0)
        raise TypeError(f"Normalization.adapt needs an array-like (NumPy, pandas, list) or "
                        f"an iterable of batches, but received {type(data).__name__}.")
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Normalization.adapt needs numeric data, but received "
                        f"{type(data).__name__} that NumPy cannot turn into floats ({err}). "
                        "Encode text or category columns first.") from err
    return arr


@registry.register_serializable("lamina.layers")
class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1, as
    `keras.layers.Normalization`: `(inputs - mean) / sqrt(variance)`.

    The statistics come from the constructor (`mean=`, `variance=`) or from
    `adapt(data)`, which computes them on the host and stores them in the
    non-trainable weights `mean` and `variance` (and `count`), so they are saved with
    the model. Before `adapt` the layer passes inputs through unchanged.

    Args:
        axis: the axis (or axes) that keep separate statistics: -1 gives one mean and
            variance per feature; None a single mean and variance for everything.
        mean: the mean to use instead of `adapt` (a scalar or one value per feature).
        variance: the variance, given together with `mean`.
        invert: undo the normalization instead: `mean + inputs * sqrt(variance)`.

    Example:
        >>> import numpy as np
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
        >>> norm.mean.tolist(), norm.variance.tolist()
        ([[2.0, 20.0]], [[1.0, 100.0]])
        >>> np.asarray(norm(np.array([[3.0, 0.0]]))).tolist()
        [[1.0, -2.0]]
    """

    def __init__(self, axis: int | Sequence[int] | None = -1, mean: Any = None,
                 variance: Any = None, invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._keep = _keep_axes(axis)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization needs both `mean` and `variance` or neither, but "
                             f"received mean={mean!r} and variance={variance!r}. Pass both, "
                             "or call adapt(data) to compute them.")
        self.input_mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.input_variance = None if variance is None else np.asarray(variance, np.float64)
        if self.input_variance is not None and np.any(self.input_variance < 0):
            raise ValueError(f"Normalization received a negative variance "
                             f"{self.input_variance.tolist()}; variances are >= 0.")
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None

    def build(self, input_shape: Any) -> None:
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self._keep):
            raise ValueError(f"Normalization '{self.name}' has axis={self.axis}, but its "
                             f"inputs have shape {input_shape} ({ndim} axes). Pick axes in "
                             f"[-{ndim}, {ndim - 1}] or axis=None.")
        keep = sorted({a % ndim for a in self._keep})
        if 0 in keep and ndim > 1:
            raise ValueError(f"Normalization '{self.name}' cannot keep statistics along the "
                             f"batch axis 0 (axis={self.axis}). Use the feature axes, e.g. -1.")
        self._kept = tuple(keep)
        self._stat_shape = tuple(int(input_shape[a]) for a in keep)
        self._broadcast = tuple(int(input_shape[a]) if a in keep else 1 for a in range(ndim))
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape=self._stat_shape, name="mean",
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(shape=self._stat_shape, name="variance",
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(shape=(), name="count", initializer="zeros",
                                         dtype="int32", trainable=False)
        else:
            try:
                self._const_mean = jnp.asarray(np.broadcast_to(
                    self.input_mean, self._stat_shape).reshape(self._broadcast), jnp.float32)
                self._const_variance = jnp.asarray(np.broadcast_to(
                    self.input_variance, self._stat_shape).reshape(self._broadcast),
                    jnp.float32)
            except ValueError as err:
                raise ValueError(f"Normalization '{self.name}' received mean of shape "
                                 f"{self.input_mean.shape} and variance of shape "
                                 f"{self.input_variance.shape}, which do not fit the "
                                 f"statistics' shape {self._stat_shape} for inputs of shape "
                                 f"{input_shape}. Give a scalar or one value per feature."
                                 ) from err
        self.built = True

    @property
    def mean(self) -> Any:
        """The mean, shaped to broadcast against a batch (e.g. `(1, features)`)."""
        self._require_built("mean")
        if self.adapt_mean is None:
            return self._const_mean
        return jnp.reshape(self.adapt_mean.value, self._broadcast)

    @property
    def variance(self) -> Any:
        """The variance, shaped to broadcast against a batch (e.g. `(1, features)`)."""
        self._require_built("variance")
        if self.adapt_variance is None:
            return self._const_variance
        return jnp.reshape(self.adapt_variance.value, self._broadcast)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise AttributeError(f"Normalization '{self.name}' has no {what} yet. Call "
                                 "adapt(data) or call the layer on data first.")

    def adapt(self, data: Any) -> None:
        """Compute the mean and variance of `data` on the host and store them.

        Args:
            data: the training features: a NumPy array, a pandas DataFrame, a list, or
                an iterable of batches (all batches are used).

        Raises:
            ValueError: for empty data, NaN/inf, a feature count that differs from the
                layer's, or a layer built with fixed `mean`/`variance`.

        Example:
            >>> import numpy as np
            >>> norm = Normalization(axis=None)
            >>> norm.adapt([[1.0, 2.0], [3.0, 4.0]])
            >>> norm.mean.tolist(), norm.variance.tolist()
            ([[2.5]], [[1.25]])
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization '{self.name}' was given mean= and variance= in "
                             "its constructor, so adapt() has nothing to set. Create it "
                             "without them to learn the statistics from data.")
        arr = _host_array(data)
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise ValueError(f"Normalization.adapt received no samples (shape {arr.shape}). "
                             "Pass an array whose first axis is the samples.")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"Normalization.adapt received {int(np.sum(~np.isfinite(arr)))} "
                             "NaN or infinite values. Fill or drop them before adapting, "
                             "e.g. df.dropna().")
        if not self.built:
            self._maybe_build(jnp.zeros((1,) + arr.shape[1:], jnp.float32))
        if arr.ndim != len(self._broadcast) or any(
                arr.shape[a] != self._broadcast[a] for a in self._kept):
            raise ValueError(f"Normalization '{self.name}' keeps statistics of shape "
                             f"{self._stat_shape} (axis={self.axis}), but adapt received data "
                             f"of shape {arr.shape}. Adapt on data with the layer's features.")
        reduce_axes = tuple(a for a in range(arr.ndim) if a not in self._kept)
        mean = arr.mean(axis=reduce_axes).reshape(self._stat_shape)
        variance = arr.var(axis=reduce_axes).reshape(self._stat_shape)
        self.adapt_mean.assign(mean.astype(np.float32))
        self.adapt_variance.assign(variance.astype(np.float32))
        self.count.assign(np.int32(arr.size // max(1, int(np.prod(self._stat_shape)))))

    def call(self, inputs: Any) -> Any:
        x = inputs if jnp.issubdtype(inputs.dtype, jnp.floating) else \
            inputs.astype(jnp.float32)
        std = jnp.maximum(jnp.sqrt(self.variance), _EPSILON)
        if self.invert:
            return self.mean + x * std
        return (x - self.mean) / std

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=None if self.input_mean is None else self.input_mean.tolist(),
                      variance=None if self.input_variance is None
                      else self.input_variance.tolist())
        return config


@registry.register_serializable("lamina.layers")
class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset`, as `keras.layers.Rescaling`.

    `Rescaling(1.0 / 255)` maps pixels to [0, 1]; `Rescaling(1.0 / 127.5, offset=-1)`
    to [-1, 1]. Integer inputs are cast to float32 first.

    Args:
        scale: the factor (a number, or one per feature).
        offset: the shift added after scaling.

    Example:
        >>> import numpy as np
        >>> y = Rescaling(1.0 / 255)(np.array([[0, 51, 255]], np.uint8))
        >>> np.round(np.asarray(y), 3).tolist()
        [[0.0, 0.2, 1.0]]
    """

    config_fields = ("scale", "offset")

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        for name, value in (("scale", scale), ("offset", offset)):
            try:
                arr = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError) as err:
                raise TypeError(f"Rescaling needs a number (or one per feature) for "
                                f"`{name}`, but received {name}={value!r}. Use e.g. "
                                "Rescaling(1.0 / 255).") from err
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"Rescaling needs a finite `{name}`, but received "
                                 f"{name}={value!r}.")
        self.scale = scale.tolist() if isinstance(scale, np.ndarray) else scale
        self.offset = offset.tolist() if isinstance(offset, np.ndarray) else offset

    def call(self, inputs: Any) -> Any:
        x = inputs if jnp.issubdtype(inputs.dtype, jnp.floating) else \
            inputs.astype(jnp.float32)
        return x * jnp.asarray(self.scale, x.dtype) + jnp.asarray(self.offset, x.dtype)
