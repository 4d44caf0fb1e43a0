"""`Progbar`: one line per epoch that redraws in place, as tf.keras prints it."""
from __future__ import annotations

import sys
import time
from typing import TextIO


def format_value(value: float) -> str:
    """Four decimals, or scientific notation for small values, as tf.keras.

    Example:
        >>> format_value(0.123456), format_value(0.0000123)
        ('0.1235', '1.2300e-05')
    """
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def format_time(seconds: float) -> str:
    """A duration as tf.keras shows it: `2s`, `35ms`, `120us`."""
    if seconds >= 1:
        return f"{seconds:.0f}s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms"
    return f"{seconds * 1e6:.0f}us"


def in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ != "TerminalInteractiveShell" or \
        "google.colab" in sys.modules


def interactive() -> bool:
    """Whether output goes to a terminal or a notebook (the bar can redraw in place)."""
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty or in_notebook()



class Progbar:
    """A progress bar: `32/32 [==============================] - 0s 2ms/step - loss: 0.1`.

    In a terminal or notebook the line is redrawn in place (carriage return); in a
    log file only the finished line is written, so logs hold one line per epoch.

    Args:
        target: the number of steps, or None when unknown.
        width: the bar's width in characters.
        verbose: 1 for the bar, 2 for the finished line only.
        stream: where to write (sys.stdout).
        dynamic: whether the stream can redraw a line in place.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> bar = Progbar(4, verbose=2, stream=out, dynamic=False)
        >>> bar.update(4, {"loss": 0.5}, finalize=True)
        >>> out.getvalue().startswith("4/4 - ")
        True
    """

    def __init__(self, target: int | None, width: int = 30, verbose: int = 1,
                 stream: TextIO | None = None, dynamic: bool | None = None,
                 unit_name: str = "step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.dynamic = interactive() if dynamic is None else dynamic
        self.unit_name = unit_name
        self._start = time.perf_counter()
        self._last_len = 0

    def update(self, current: int, values: dict[str, float] | None = None,
               finalize: bool | None = None) -> None:
        """Show `current` steps done with the running `values`."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        elapsed = time.perf_counter() - self._start
        metrics = "".join(f" - {k}: {format_value(float(v))}"
                          for k, v in (values or {}).items())
        per_step = elapsed / max(current, 1)
        if self.verbose == 1:
            if not finalize and not self.dynamic:
                return
            if self.target is not None:
                digits = len(str(self.target))
                done = int(self.width * current / max(self.target, 1))
                bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=") \
                    if done else ""
                line = f"{current:{digits}d}/{self.target} [{bar:<{self.width}}]"
            else:
                line = f"{current:7d}/Unknown"
            if finalize:
                line += f" - {format_time(elapsed)} {format_time(per_step)}/{self.unit_name}"
            else:
                eta = per_step * ((self.target or current) - current)
                line += f" - ETA: {format_time(eta)}"
            line += metrics
            pad = " " * max(self._last_len - len(line), 0)
            self.stream.write(("\r" if self.dynamic else "") + line + pad
                              + ("\n" if finalize else ""))
            self._last_len = len(line)
            self.stream.flush()
        elif self.verbose == 2 and finalize:
            count = f"{current}/{self.target}" if self.target is not None else f"{current}"
            self.stream.write(f"{count} - {format_time(elapsed)}{metrics} - "
                              f"{format_time(elapsed)}/epoch - "
                              f"{format_time(per_step)}/{self.unit_name}\n")
            self.stream.flush()
