"""Learning curves as text, for terminals and log files."""
from __future__ import annotations

from typing import Sequence

_MARKS = {0: "*", 1: "o", 2: "+", 3: "x"}


def text_curves(series: dict[str, Sequence[float]], width: int = 60, height: int = 12) -> str:
    """Plot a few series against the epoch on a character grid.

    Args:
        series: name -> values per epoch (e.g. `history.history` restricted to losses).
        width: columns of the plotting area.
        height: rows of the plotting area.

    Returns:
        The chart, with the y range on the left and a legend below.

    Example:
        >>> print(text_curves({"loss": [1.0, 0.5, 0.25]}, width=9, height=3))
           1.000 |*
                 |    *
           0.250 |        *
                 +---------
                  epoch 1..3
                  * loss
    """
    names = [k for k, v in series.items() if len(v)]
    if not names:
        return "(no values to plot)"
    values = [float(x) for k in names for x in series[k]]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    epochs = max(len(series[k]) for k in names)
    grid = [[" "] * width for _ in range(height)]
    for i, name in enumerate(names):
        mark = _MARKS.get(i, "#")
        for e, v in enumerate(series[name]):
            col = 0 if epochs == 1 else round(e * (width - 1) / (epochs - 1))
            row = round((hi - float(v)) / span * (height - 1))
            grid[row][col] = mark
    lines = []
    for r, cells in enumerate(grid):
        label = f"{hi:8.3f}" if r == 0 else f"{lo:8.3f}" if r == height - 1 else " " * 8
        lines.append(f"{label} |{''.join(cells).rstrip()}")
    lines.append(" " * 9 + "+" + "-" * width)
    lines.append(" " * 10 + f"epoch 1..{epochs}")
    lines += [" " * 10 + f"{_MARKS.get(i, '#')} {name}" for i, name in enumerate(names)]
    return "\n".join(lines)
