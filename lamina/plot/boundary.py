"""`decision_boundary`: a 2-D classifier's output as the TensorFlow Playground shows it."""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.plot import _mpl

# Class colors: 0 (or -1) orange, 1 blue as in the Playground, then more for more classes.
_PALETTE = [_mpl.ORANGE, _mpl.BLUE, "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#d62728"]
_STRENGTH = 0.55  # how far the heatmap goes from white towards a class color


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) / 255.0 for i in (1, 3, 5)])


def _outputs(model: Any, grid: np.ndarray) -> np.ndarray:
    if callable(getattr(model, "predict", None)):  # a Lamina (or Keras) model
        out = model.predict(grid, batch_size=4096, verbose=0)
    elif callable(model):
        out = model(grid)
    else:
        raise TypeError(f"decision_boundary needs a Lamina model (or a function from a "
                        f"(n, 2) array to outputs), but received {type(model).__name__}.")
    out = np.asarray(out, dtype=np.float64)
    return out.reshape(len(grid), -1)


def _labels(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if y.dtype.kind not in "iufb":
        raise ValueError(f"decision_boundary needs numeric labels (0/1, -1/+1 or class "
                         f"indices), but received labels of dtype {y.dtype}. Encode them "
                         "first, e.g. with np.unique(y, return_inverse=True).")
    if len(y) != n:
        raise ValueError(f"decision_boundary received {n} points in x but {len(y)} labels "
                         "in y. Pass one label per row of x.")
    return y


def _image(out: np.ndarray, signed: bool) -> np.ndarray:
    """An RGB image: white where the model is unsure, a class color where it is sure."""
    white = np.ones(3)
    if out.shape[1] == 1:
        v = out[:, 0]
        if signed:
            score = np.clip(v, -1.0, 1.0)
        else:
            if v.min() < 0 or v.max() > 1:  # logits: squash as the loss would
                v = 1.0 / (1.0 + np.exp(-v))
            score = 2.0 * v - 1.0
        target = np.where(score[:, None] > 0, _rgb(_mpl.BLUE), _rgb(_mpl.ORANGE))
        strength = np.abs(score)[:, None]
    else:
        k = out.shape[1]
        if k > len(_PALETTE):
            raise ValueError(f"decision_boundary colors up to {len(_PALETTE)} classes, but "
                             f"the model has {k} outputs.")
        prob = out
        if prob.min() < 0 or not np.allclose(prob.sum(axis=1), 1.0, atol=1e-3):
            prob = np.exp(out - out.max(axis=1, keepdims=True))
            prob /= prob.sum(axis=1, keepdims=True)
        target = np.stack([_rgb(c) for c in _PALETTE[:k]])[prob.argmax(axis=1)]
        strength = ((prob.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k))[:, None]
    return white + _STRENGTH * strength * (target - white)


def decision_boundary(model: Any, x: Any, y: Any, *, resolution: int = 200,
                      ax: Any = None) -> Any:
    """Draw a 2-D classifier's output over the plane with the data on top, as the
    TensorFlow Playground does: blue where the model says positive, orange where it
    says negative, white where it is unsure.

    A single output is read as a probability (sigmoid; logits are squashed) or, when
    the labels are -1/+1, as a tanh score in [-1, 1]. Several outputs are class
    scores: each region takes its class's color, paler where the model is unsure.

    Args:
        model: a Lamina model taking 2 features (or a function `(n, 2) -> outputs`).
        x: the points, shape `(n, 2)`.
        y: their labels: 0/1, -1/+1, class indices, or one-hot rows.
        resolution: grid points per side of the heatmap.
        ax: an Axes to draw on; a new 5x5-inch figure by default.

    Returns:
        The matplotlib Figure.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: `x` does not have two columns, or `y` does not match it.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import numpy as np
        >>> x = np.array([[-1.0, 0.0], [1.0, 0.0]]); y = np.array([0, 1])
        >>> fig = decision_boundary(lambda g: 1 / (1 + np.exp(-4 * g[:, :1])), x, y,
        ...                         resolution=50)
        >>> fig.axes[0].get_xlabel(), fig.axes[0].images[0].get_array().shape
        ('x1', (50, 50, 3))
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision_boundary draws models of two input features, but "
                         f"received x of shape {x.shape}. Pass an (n, 2) array.")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2 (grid points per side), but "
                         f"received resolution={resolution!r}.")
    labels = _labels(y, len(x))
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)
    lo, hi = lo - pad, hi + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1).astype(np.float32)
    out = _outputs(model, grid)
    signed = bool(labels.min() < 0)
    image = np.clip(_image(out, signed).reshape(resolution, resolution, 3), 0.0, 1.0)

    fig, (axis,) = _mpl.new_axes(ax, 1, 5.0, 5.0)
    axis.imshow(image, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]),
                interpolation="bilinear", aspect="auto")
    classes = np.unique(labels)
    for c in classes:
        if out.shape[1] == 1:
            color = _mpl.BLUE if c > (0 if signed else 0.5) else _mpl.ORANGE
        else:
            color = _PALETTE[int(c) % len(_PALETTE)]
        pts = x[labels == c]
        axis.scatter(pts[:, 0], pts[:, 1], s=22, color=color, edgecolors="white",
                     linewidths=0.8, label=f"class {c:g}")
    axis.set_xlim(lo[0], hi[0])
    axis.set_ylim(lo[1], hi[1])
    axis.set_xlabel("x1")
    axis.set_ylabel("x2")
    return fig
