"""What a convolutional network sees: its filters and its feature maps, as grids of
small images."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from lamina.plot._mpl import pyplot


def _grid(panels: Sequence[np.ndarray], titles: Sequence[str], ncols: int, cmap: str,
          size: float, symmetric: bool) -> Any:
    """One figure, one image per panel, `ncols` panels a row, no ticks."""
    ncols = max(1, min(int(ncols), len(panels)))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = pyplot().subplots(nrows, ncols, figsize=(size * ncols, size * nrows),
                                  squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, panel, title in zip(axes.ravel(), panels, titles):
        if symmetric:  # zero in the middle of the color map: signs stay visible
            bound = float(np.abs(panel).max()) or 1.0
            ax.imshow(panel, cmap=cmap, vmin=-bound, vmax=bound)
        else:
            ax.imshow(panel, cmap=cmap)
        ax.set_title(title, fontsize="small")
    fig.tight_layout()
    return fig


def filters(kernel: Any, *, input_channel: int = 0, ncols: int = 8, cmap: str = "RdBu_r",
            size: float = 1.2) -> Any:
    """The filters of a 2-D convolution, one panel per output channel.

    Args:
        kernel: a `Conv2D` layer (its `kernel`) or a `(height, width, in_channels,
            filters)` array, Keras's layout.
        input_channel: which input channel's weights to draw.
        ncols: panels per row.
        cmap: a diverging matplotlib color map (zero in the middle: weights are signed).
        size: inches per panel.

    Returns:
        The matplotlib Figure, one Axes per filter titled by its index.

    Example:
        >>> import numpy as np
        >>> fig = filters(np.random.default_rng(0).normal(size=(3, 3, 1, 4)))
        >>> len(fig.axes), fig.axes[3].get_title()
        (4, 'filter 3')
    """
    k = np.asarray(getattr(kernel, "kernel", kernel), dtype=np.float32)
    if k.ndim != 4:
        raise ValueError(f"filters() draws 2-D convolution kernels of shape (height, width, "
                         f"in_channels, filters), but received shape {k.shape}. Pass a "
                         f"Conv2D layer or its kernel (layer.kernel.numpy()).")
    if not 0 <= input_channel < k.shape[2]:
        raise ValueError(f"input_channel must be in [0, {k.shape[2]}) for a kernel with "
                         f"{k.shape[2]} input channels, but received {input_channel}.")
    panels = [k[:, :, input_channel, i] for i in range(k.shape[3])]
    return _grid(panels, [f"filter {i}" for i in range(len(panels))], ncols, cmap, size,
                 symmetric=True)


def feature_maps(maps: Any, *, ncols: int = 8, cmap: str = "viridis",
                 size: float = 1.2) -> Any:
    """The feature maps of one image, one panel per channel.

    Args:
        maps: a `(height, width, channels)` array, or `(1, height, width, channels)` (the
            output of a model cut at a convolutional layer, for one image).
        ncols: panels per row.
        cmap: a matplotlib color map.
        size: inches per panel.

    Returns:
        The matplotlib Figure, one Axes per channel titled by its index.

    Example:
        >>> import numpy as np
        >>> fig = feature_maps(np.zeros((1, 6, 6, 3)))
        >>> len(fig.axes), fig.axes[0].images[0].get_array().shape
        (3, (6, 6))
    """
    m = np.asarray(maps, dtype=np.float32)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"feature_maps() draws the maps of one image, shape (height, width, "
                         f"channels) or (1, height, width, channels), but received shape "
                         f"{np.shape(maps)}. Pass one image's maps, e.g. maps[:1].")
    panels = [m[:, :, i] for i in range(m.shape[-1])]
    return _grid(panels, [f"map {i}" for i in range(len(panels))], ncols, cmap, size,
                 symmetric=False)
