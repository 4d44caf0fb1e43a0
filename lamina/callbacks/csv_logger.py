"""`CSVLogger`: one CSV row of logs per epoch."""
from __future__ import annotations

import csv
import os
from typing import Any, IO

import numpy as np

from lamina.callbacks.callback import Callback


def _format(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if np.ndim(value) == 0:
        return float(np.asarray(value)) if not isinstance(value, (int, np.integer)) \
            else int(value)
    return f"[{', '.join(str(v) for v in np.ravel(value))}]"


class CSVLogger(Callback):
    """Streams epoch results to a CSV file, as `keras.callbacks.CSVLogger`.

    The header is `epoch` followed by the first epoch's log keys in sorted order
    (with the `val_` keys added when the first epoch had no validation). Missing
    values are written as `NA`. The file is flushed after every epoch.

    Args:
        filename: the CSV file; its folder is created if missing.
        separator: the column separator.
        append: append to an existing file (without repeating the header) instead
            of overwriting it.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> cb = CSVLogger(path)
        >>> cb.on_train_begin()
        >>> cb.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.25})
        >>> cb.on_train_end()
        >>> print(open(path).read().strip())
        epoch,loss,val_loss
        0,0.5,0.25
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self.writer: Any = None
        self.csv_file: IO[str] | None = None
        self._append_header = True

    def on_train_begin(self, logs: dict | None = None) -> None:
        folder = os.path.dirname(self.filename)
        try:
            if folder:
                os.makedirs(folder, exist_ok=True)
            if self.append and os.path.exists(self.filename):
                with open(self.filename) as f:
                    self._append_header = not f.readline()
            self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        except OSError as e:
            raise OSError(f"CSVLogger could not open {self.filename!r} for writing ({e}). "
                          "Pass a filename in a writable folder.") from e
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        if self.csv_file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self._append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update({k: _format(logs[k]) if k in logs else "NA" for k in self.keys})
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None
