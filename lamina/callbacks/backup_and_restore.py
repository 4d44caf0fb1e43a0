"""`BackupAndRestore`: resume an interrupted `fit` where it stopped."""
from __future__ import annotations

import json
import os
import shutil
from typing import Any

from lamina.callbacks.callback import Callback
from lamina.callbacks._save_frequency import SaveFrequency
from lamina.saving import _archive as archive
from lamina.saving import _weights as weights

BACKUP_FILE = "latest.backup.safetensors"
_WEIGHTS = "weights/"
_FORMAT = "lamina.backup"


class BackupAndRestore(SaveFrequency, Callback):
    """Backs up the training state so that an interrupted `fit` resumes where it
    stopped, as `keras.callbacks.BackupAndRestore`.

    After each epoch (or every `save_freq` batches) the weights, the optimizer
    state (learning rate included), the step counter, the Dropout random key and
    the shuffle seed are written to one safetensors file in `backup_dir`, through
    a temporary file renamed into place, so a crash or a kill during a save leaves
    the previous backup intact. When `fit` starts with a backup present it
    restores that state and starts at the epoch after the last finished one: the
    resumed run ends with the same weights and the same History tail as a run
    that was never interrupted. When `fit` ends (also by early stopping) the
    backup is deleted unless `delete_checkpoint=False`.

    A backup taken every N batches (integer `save_freq`) resumes by running its
    epoch again from the first batch, starting from the weights of the backup, as
    Keras does; only epoch backups reproduce the uninterrupted run exactly. An
    integer `save_freq` also makes `fit` run one compiled call per batch (see
    `Callback` for the measured cost).

    Args:
        backup_dir: the folder of the backup; created if missing. Use one folder
            per training job.
        save_freq: `"epoch"`, or an integer N to back up every N batches.
        delete_checkpoint: delete the backup when training ends without error.

    Raises:
        ValueError: an empty `backup_dir`, a bad `save_freq`, or a backup that does
            not fit the model.

    Example:
        >>> import os, tempfile, numpy as np, lamina as keras
        >>> folder = os.path.join(tempfile.mkdtemp(), "backup")
        >>> model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> class Interrupt(keras.callbacks.Callback):
        ...     def on_epoch_begin(self, epoch, logs=None):
        ...         if epoch == 2:
        ...             raise RuntimeError("interrupted")
        >>> x = y = np.ones((8, 1))
        >>> try:
        ...     model.fit(x, y, epochs=4, verbose=0,
        ...               callbacks=[BackupAndRestore(folder), Interrupt()])
        ... except RuntimeError:
        ...     pass
        >>> history = model.fit(x, y, epochs=4, verbose=0,
        ...                     callbacks=[BackupAndRestore(folder)])
        >>> history.epoch, os.path.exists(folder)
        ([2, 3], False)
    """

    def __init__(self, backup_dir: str | os.PathLike, save_freq: Any = "epoch",
                 delete_checkpoint: bool = True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"BackupAndRestore needs a backup_dir, but received "
                             f"{backup_dir!r}. Pass a folder, e.g. '/tmp/backup'.")
        self.backup_dir = os.fspath(backup_dir)
        self._init_save_freq(save_freq, "BackupAndRestore")
        self.delete_checkpoint = delete_checkpoint

    @property
    def backup_path(self) -> str:
        """The backup file: `<backup_dir>/latest.backup.safetensors`."""
        return os.path.join(self.backup_dir, BACKUP_FILE)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._batches_since_save = 0
        if os.path.exists(self.backup_path):
            self.model._initial_epoch = self._restore()

    def save_batch(self, batch: int, logs: dict | None) -> None:
        self._save(next_epoch=self._current_epoch, batch=batch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(next_epoch=epoch + 1, batch=None)

    def on_train_end(self, logs: dict | None = None) -> None:
        if not self.delete_checkpoint:
            return
        if os.path.exists(self.backup_path):
            os.remove(self.backup_path)
        if os.path.isdir(self.backup_dir) and not os.listdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)

    # -- the file -------------------------------------------------------------------
    def _save(self, next_epoch: int, batch: int | None) -> None:
        tensors, meta = weights.weights_to_tensors(self.model)
        out = {_WEIGHTS + k: v for k, v in tensors.items()}
        out.update(weights.training_to_tensors(self.model))
        metadata = {"format": _FORMAT, "names": meta["names"],
                    "epoch": str(next_epoch), "batch": json.dumps(batch)}
        data = archive.tensors_to_bytes(out, metadata)
        try:
            os.makedirs(self.backup_dir, exist_ok=True)
            archive.atomic_write(self.backup_path, lambda f: f.write(data))
        except OSError as e:
            raise OSError(f"BackupAndRestore could not write '{self.backup_path}' ({e}). "
                          "The previous backup, if any, is left as it was. Choose a "
                          "writable backup_dir.") from e

    def _restore(self) -> int:
        where = f"the backup '{self.backup_path}'"
        tensors, metadata = archive.tensors_from_bytes(
            archive.read_file_bytes(self.backup_path), where)
        if metadata.get("format") != _FORMAT or "epoch" not in metadata:
            raise ValueError(f"{where} is not a BackupAndRestore file (its metadata is "
                             f"{metadata}). Delete it, or give BackupAndRestore a folder of "
                             "its own.")
        model_tensors = {k[len(_WEIGHTS):]: v for k, v in tensors.items()
                         if k.startswith(_WEIGHTS)}
        training = {k: v for k, v in tensors.items() if not k.startswith(_WEIGHTS)}
        weights.assign_weights(self.model, model_tensors, {"names": metadata["names"]}, where)
        weights.restore_training(self.model, training, where)
        self._current_epoch = int(metadata["epoch"])
        return self._current_epoch
