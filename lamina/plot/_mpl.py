"""Lazy matplotlib import and the colors shared by the plots."""
from __future__ import annotations

from typing import Any

# The TensorFlow Playground's palette: orange for negative, blue for positive.
ORANGE = "#f59322"
BLUE = "#0877bd"
# Training and validation curves, and the best-epoch marker.
TRAIN_COLOR = "#1f77b4"
VAL_COLOR = "#ff7f0e"
BEST_COLOR = "#d62728"


def matplotlib() -> Any:
    """The matplotlib module, or an ImportError that says how to install it."""
    try:
        import matplotlib as mpl
    except ImportError as err:
        raise ImportError("lamina.plot needs matplotlib, which is not installed. Install "
                          "it with `pip install 'lamina[plot]'` (or `pip install "
                          "matplotlib`).") from err
    return mpl


def pyplot() -> Any:
    """`matplotlib.pyplot`, imported lazily (figures then show with `plt.show()`)."""
    matplotlib()
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax: Any, ncols: int, width: float, height: float) -> tuple[Any, list[Any]]:
    """`(figure, axes)`: the given axes (one or a sequence), or a new row of `ncols`."""
    if ax is None:
        fig, axes = pyplot().subplots(1, ncols, figsize=(width * ncols, height),
                                      squeeze=False)
        return fig, list(axes[0])
    axes = list(ax) if isinstance(ax, (list, tuple)) or hasattr(ax, "ravel") else [ax]
    if hasattr(ax, "ravel"):
        axes = list(ax.ravel())
    if len(axes) != ncols:
        raise ValueError(f"ax must hold one Axes per panel ({ncols}), but received "
                         f"{len(axes)}. Pass ax=None to make a new figure, or a list of "
                         f"{ncols} Axes.")
    return axes[0].figure, axes
