"""`ModelCheckpoint`: save the model (or its weights) during training."""
from __future__ import annotations

import os
import string
from typing import Any


from lamina.callbacks._monitor import MonitorMixin, log_key, monitor_mode, worst
from lamina.callbacks._save_frequency import SaveFrequency
from lamina.callbacks.callback import Callback
from lamina.saving import _archive as archive

_MODEL_EXTENSIONS = (".lamina", ".keras")
_WEIGHTS_EXTENSION = ".weights.safetensors"


def _check_extension(filepath: str, save_weights_only: bool) -> None:
    lower = filepath.lower()
    if lower.endswith(archive.HDF5_EXTENSIONS + ((".ckpt",) if save_weights_only else ())):
        return  # tf.keras names: accepted by save/save_weights, which warn once
    stem = os.path.splitext(filepath)[0]
    stem = stem[:-len(".weights")] if stem.lower().endswith(".weights") else stem
    if save_weights_only and not lower.endswith(_WEIGHTS_EXTENSION):
        raise ValueError(f"With save_weights_only=True the filepath must end in "
                         f"'{_WEIGHTS_EXTENSION}' (Lamina writes weights as safetensors, not "
                         f"HDF5 or TensorFlow checkpoints), but received '{filepath}'. Use "
                         f"e.g. '{stem}{_WEIGHTS_EXTENSION}'.")
    if not save_weights_only and not lower.endswith(_MODEL_EXTENSIONS):
        raise ValueError(f"The filepath of a full-model checkpoint must end in '.lamina' "
                         f"(or '.keras'), but received '{filepath}'. Use e.g. "
                         f"'{stem}.lamina', or pass "
                         f"save_weights_only=True with a '{_WEIGHTS_EXTENSION}' name.")


class ModelCheckpoint(MonitorMixin, SaveFrequency, Callback):
    """Saves the model or its weights after every epoch (or every N batches), as
    `keras.callbacks.ModelCheckpoint`.

    `filepath` may hold `str.format` fields filled from the epoch (counted from 1),
    the batch (with an integer `save_freq`) and the logs: `"ckpt/{epoch:02d}-
    {val_loss:.3f}.lamina"`. Full models are written with `model.save` (a `.lamina`
    or `.keras` archive, optimizer state included), weights with
    `model.save_weights` (`.weights.safetensors`). Both write a temporary file
    and rename it into place, so a failed save leaves the previous checkpoint
    intact. A missing folder is created.

    With an integer `save_freq` the callback runs after each batch, which makes
    `fit` run one compiled call per batch instead of one per epoch (see `Callback`
    for the measured cost); `save_freq="epoch"` costs nothing per batch.

    Args:
        filepath: where to save; see above for the format fields.
        monitor: the log key that decides the best model (`save_best_only`).
        verbose: 1 prints a line at each save.
        save_best_only: save only when `monitor` improves on the best so far.
        save_weights_only: save the weights only.
        mode: `"min"`, `"max"` or `"auto"` (max for accuracy/AUC-like names).
        save_freq: `"epoch"`, or an integer N to save every N batches.
        initial_value_threshold: the value `monitor` must beat for the first save
            with `save_best_only`.

    Raises:
        ValueError: a filepath without the right extension, or a bad `save_freq`.
        OSError: at save time, when the path cannot be written (the message
            names it).

    Example:
        >>> import os, tempfile, numpy as np, lamina as keras
        >>> folder = tempfile.mkdtemp()
        >>> model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> cb = ModelCheckpoint(os.path.join(folder, "ckpt", "m-{epoch:02d}.weights.safetensors"),
        ...                      save_weights_only=True, monitor="loss")
        >>> _ = model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=2, verbose=0,
        ...               callbacks=[cb])
        >>> sorted(os.listdir(os.path.join(folder, "ckpt")))
        ['m-01.weights.safetensors', 'm-02.weights.safetensors']
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto",
                 save_freq: Any = "epoch", initial_value_threshold: float | None = None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        _check_extension(self.filepath, save_weights_only)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = monitor_mode(monitor, mode)
        self._init_save_freq(save_freq, "ModelCheckpoint")
        self.initial_value_threshold = initial_value_threshold
        self.best = worst(self.mode) if initial_value_threshold is None \
            else float(initial_value_threshold)

    def save_batch(self, batch: int, logs: dict | None) -> None:
        self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        fields = {k: v for k, v in logs.items()}
        if batch is not None and "batch" not in fields:
            fields["batch"] = batch + 1
        # Keras 2 templates name metrics as Keras 2 logged them (`{val_acc:.4f}`).
        for name in string.Formatter().parse(self.filepath):
            key = (name[1] or "").split(".")[0].split("[")[0]
            if key and key not in fields:
                found = log_key(key, logs)
                if found in logs:
                    fields[key] = logs[found]
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except (KeyError, IndexError, ValueError) as e:
            raise KeyError(f"ModelCheckpoint could not format its filepath "
                           f"'{self.filepath}' ({type(e).__name__}: {e}). The available "
                           f"fields are epoch{', batch' if batch is not None else ''} and "
                           f"the log keys {sorted(logs)}.") from e

    def _save(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        logs = dict(logs or {})
        filepath = self._file_path(epoch, batch, logs)
        if self.save_best_only:
            current = self.get_monitor_value(logs)
            if current is None:
                return
            improved = current < self.best if self.mode == "min" else current > self.best
            if not improved:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                      f"to {current:.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        self._write(filepath)

    def _write(self, filepath: str) -> None:
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"ModelCheckpoint's filepath '{filepath}' is an existing "
                                    "folder. Pass a file name inside it, e.g. "
                                    f"'{os.path.join(filepath, 'model.lamina')}'.")
        try:
            folder = os.path.dirname(filepath)
            if folder:
                os.makedirs(folder, exist_ok=True)
            if self.save_weights_only:
                self.model.save_weights(filepath, overwrite=True)
            else:
                self.model.save(filepath, overwrite=True)
        except OSError as e:
            raise OSError(f"ModelCheckpoint could not write '{filepath}' ({e}). The previous "
                          "checkpoint, if any, is left as it was. Choose a writable folder "
                          "for the filepath.") from e
