"""`learning_curves`: loss and metrics per epoch, training against validation."""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from lamina.plot import _mpl

_MAX_WORDS = ("acc", "auc", "precision", "recall", "f1", "iou", "r2")


def _better(name: str) -> str:
    """`"min"` for losses and errors, `"max"` for accuracy-like names (as EarlyStopping)."""
    if name.endswith("loss") or name.endswith("error"):
        return "min"
    return "max" if any(w in name for w in _MAX_WORDS) else "min"


def _history_dict(history: Any) -> dict[str, list[float]]:
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(f"learning_curves needs a History (what fit returns) or its "
                        f"`.history` dict, but received {type(history).__name__}.")
    if not logs or not any(len(v) for v in logs.values()):
        raise ValueError("learning_curves received an empty history: no epochs were "
                         "recorded. Train with model.fit(...) first.")
    return {str(k): [float(x) for x in v] for k, v in logs.items()}


def _metric_names(logs: dict[str, list[float]], metrics: Any) -> list[str]:
    available = [k for k in logs if not k.startswith("val_")]
    available += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    if metrics is None:
        return [k for k in available if k not in ("lr", "learning_rate")]
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in names:
        base = name[4:] if name.startswith("val_") else name
        if base not in available:
            raise ValueError(f"learning_curves cannot plot {name!r}: the history has no such "
                             f"key. Available: {sorted(available)}.")
    return [n[4:] if n.startswith("val_") else n for n in names]


def _best_epoch(values: Sequence[float], mode: str) -> int | None:
    """The first epoch with the best finite value (EarlyStopping's strict improvement)."""
    best: int | None = None
    for i, v in enumerate(values):
        if math.isfinite(v) and (best is None or (v < values[best] if mode == "min"
                                                  else v > values[best])):
            best = i
    return best


def learning_curves(history: Any, metrics: str | Sequence[str] | None = None, *,
                    best: bool = True, ax: Any = None) -> Any:
    """Plot the loss and metrics per epoch, training and validation side by side.

    One panel per metric (`loss`, `accuracy`, ...), each with the training curve and,
    when recorded, the validation curve (`val_...`). With `best=True` the best epoch
    is marked (a red dot and dashed line): the lowest loss or error, the highest
    accuracy-like value, taken on the validation curve when there is one, as
    `EarlyStopping(mode="auto")` decides.

    Args:
        history: the `History` that `fit` returns, or its `.history` dict.
        metrics: a name or names to plot (`"loss"`, `"accuracy"`); all by default.
        best: mark the best epoch.
        ax: an Axes (one metric) or a sequence of Axes (one per metric) to draw on;
            a new figure by default.

    Returns:
        The matplotlib Figure.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: an empty history, or a metric the history does not have.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> fig = learning_curves({"loss": [1.0, 0.6, 0.5], "val_loss": [1.1, 0.7, 0.8]})
        >>> [a.get_title() for a in fig.axes], fig.axes[0].get_legend_handles_labels()[1]
        (['loss'], ['training', 'validation', 'best epoch 2: 0.7'])
    """
    logs = _history_dict(history)
    names = _metric_names(logs, metrics)
    fig, axes = _mpl.new_axes(ax, len(names), 5.0, 3.6)
    for axis, name in zip(axes, names):
        train, val = logs.get(name), logs.get(f"val_{name}")
        for values, color, label in ((train, _mpl.TRAIN_COLOR, "training"),
                                     (val, _mpl.VAL_COLOR, "validation")):
            if values:
                epochs = range(1, len(values) + 1)
                axis.plot(epochs, values, color=color, label=label,
                          marker="o" if len(values) < 30 else None, markersize=3)
        curve = val if val else train
        if best and curve:
            i = _best_epoch(curve, _better(name))
            if i is not None:
                axis.axvline(i + 1, color=_mpl.BEST_COLOR, linestyle="--", linewidth=1)
                axis.plot([i + 1], [curve[i]], "o", color=_mpl.BEST_COLOR, markersize=8,
                          label=f"best epoch {i + 1}: {curve[i]:.4g}")
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize="small")
    fig.tight_layout()
    return fig
