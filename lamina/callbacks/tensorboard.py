"""`TensorBoard`: TensorBoard event files, written without TensorFlow."""
from __future__ import annotations

import os
import time
import warnings
from typing import Any

import numpy as np

from lamina.callbacks.callback import Callback
from lamina.callbacks.reduce_lr_on_plateau import current_learning_rate


def _writer_class() -> Any:
    """tensorboardX's `SummaryWriter`, imported on first use."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError as e:
        raise ImportError("The TensorBoard callback writes event files with tensorboardX, "
                          "which is not installed. Install it with "
                          "`pip install 'lamina[tensorboard]'` (or `pip install "
                          "tensorboardX`).") from e
    return SummaryWriter


def _profile_range(profile_batch: Any) -> tuple[int, int]:
    """`(start, stop)` batches (counted from 1) to profile; `(0, 0)` for none."""
    value = profile_batch
    if isinstance(value, str):
        value = [int(v) for v in value.split(",")]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return int(value), int(value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and \
            all(isinstance(v, (int, np.integer)) for v in value) and 0 < value[0] <= value[1]:
        return int(value[0]), int(value[1])
    raise ValueError(f"profile_batch must be 0 (off), a batch number, or a pair (start, "
                     f"stop) with 0 < start <= stop, but received {profile_batch!r}.")


def _as_image(array: np.ndarray) -> np.ndarray | None:
    """A weight as a `(height, width)` image in [0, 1], or None when it is not 1-D/2-D."""
    a = np.asarray(array, dtype=np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        return None
    if a.shape[1] > a.shape[0]:
        a = a.T
    span = float(a.max() - a.min())
    return (a - a.min()) / span if span > 0 else np.zeros_like(a)


# Arguments Keras 2 took and later versions dropped: accepted, with a warning each.
_KERAS2_ARGUMENTS = {
    "batch_size": "the logs are written per epoch or every `update_freq` batches",
    "write_grads": "gradient histograms are not written",
    "embeddings_layer_names": "embeddings are not projected",
    "embeddings_data": "embeddings are not projected",
}


def _accept_keras2_arguments(kwargs: dict) -> None:
    unknown = sorted(set(kwargs) - set(_KERAS2_ARGUMENTS))
    if unknown:
        raise TypeError(f"TensorBoard got unexpected keyword argument(s) {unknown}. Valid "
                        "arguments: log_dir, histogram_freq, write_graph, write_images, "
                        "write_steps_per_second, update_freq, profile_batch, "
                        "embeddings_freq, embeddings_metadata.")
    for name in sorted(kwargs):
        warnings.warn(f"TensorBoard's `{name}` argument is from Keras 2 and has no effect "
                      f"here ({_KERAS2_ARGUMENTS[name]}); drop it.", stacklevel=3)


class TensorBoard(Callback):
    """Writes TensorBoard event files, as `keras.callbacks.TensorBoard`.

    The files are real TensorBoard event files (written with tensorboardX, the
    `tensorboard` extra), in two runs, `<log_dir>/train` and
    `<log_dir>/validation`, with Keras's tag names:

    - `epoch_<metric>` after each epoch (`epoch_loss`, `epoch_accuracy`; the
      validation values under `validation/` without the `val_` prefix) and
      `epoch_learning_rate` in `train/`, at step `epoch`;
    - `batch_<metric>` (running averages over the epoch) with
      `update_freq="batch"` or an integer N (every N batches), at the step count;
    - a histogram of each weight, tagged by its name (`dense/kernel`), every
      `histogram_freq` epochs, and an image of each 1-D/2-D weight
      (`dense/kernel/image`) with `write_images`;
    - with `write_graph`, the model's JSON configuration as the text summary
      `keras` (the TEXT tab) instead of a graph: Lamina has no TensorFlow graph.

    `update_freq="batch"` or an integer, and `profile_batch`, make `fit` run one
    compiled call per batch (see `Callback` for the measured cost); the default
    `"epoch"` costs nothing per batch.

    Args:
        log_dir: the folder of the event files.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model configuration as text.
        write_images: write weights as images (with the histograms).
        write_steps_per_second: also log `epoch_steps_per_second`.
        update_freq: `"epoch"`, `"batch"`, or an integer N of batches.
        profile_batch: a batch number (from 1) or a `(start, stop)` pair to trace
            with the JAX profiler into `<log_dir>/train/plugins/profile` (the
            TensorBoard profile plugin reads it); 0 turns it off.
        embeddings_freq: epochs between writing the `embeddings` weights of
            embedding layers for the projector (0: never).
        embeddings_metadata: a dict from layer name to a list of labels, one per
            row of that layer's embeddings.

    Raises:
        ImportError: tensorboardX is not installed.
        ValueError: a bad `update_freq` or `profile_batch`.

    Example:
        >>> import os, tempfile, numpy as np, lamina as keras
        >>> log_dir = tempfile.mkdtemp()
        >>> model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> _ = model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=2, verbose=0,
        ...               validation_split=0.25, callbacks=[TensorBoard(log_dir)])
        >>> sorted(os.listdir(log_dir))
        ['train', 'validation']
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0,
                 embeddings_metadata: dict | None = None, **kwargs: Any):
        super().__init__()
        _accept_keras2_arguments(kwargs)
        self._writer_class = _writer_class()
        if update_freq not in ("epoch", "batch") and not (
                isinstance(update_freq, (int, np.integer)) and not isinstance(update_freq, bool)
                and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive number of "
                             f"batches, but received {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self._profile_start, self._profile_stop = _profile_range(profile_batch)
        self.embeddings_freq = int(embeddings_freq)
        self.embeddings_metadata = embeddings_metadata or {}
        self._writers: dict[str, Any] = {}
        self._train_step = 0
        self._profiling = False
        self._epoch_start = 0.0
        if self.update_freq != "epoch" or self._profile_start:
            # Instance attributes, so only these settings make fit run per batch.
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    def _writer(self, run: str) -> Any:
        if run not in self._writers:
            self._writers[run] = self._writer_class(logdir=os.path.join(self.log_dir, run))
        return self._writers[run]

    # -- hooks ------------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        self._train_step = int(optimizer.iterations) if optimizer is not None else 0
        if self.write_graph:
            try:
                text = self.model.to_json(indent=2)
            except Exception:  # a model without a config: its layer table instead
                lines: list[str] = []
                self.model.summary(print_fn=lines.append)
                text = "\n".join(lines)
            self._writer("train").add_text("keras", f"```\n{text}\n```", 0)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_steps = 0

    def _on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        step = self._train_step + 1
        if self._profile_start and step == self._profile_start and not self._profiling:
            import jax

            jax.profiler.start_trace(os.path.join(self.log_dir, "train"))
            self._profiling = True

    def _on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._train_step += 1
        self._epoch_steps += 1
        if self.update_freq != "epoch" and self._train_step % self.update_freq == 0:
            writer = self._writer("train")
            for key, value in (logs or {}).items():
                if np.ndim(value) == 0:
                    writer.add_scalar(f"batch_{key}", float(value), self._train_step)
        if self._profiling and self._train_step >= self._profile_stop:
            self._stop_profile()

    def _stop_profile(self) -> None:
        import jax

        jax.profiler.stop_trace()
        self._profiling = False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = dict(logs or {})
        train = self._writer("train")
        lr = logs.pop("learning_rate", None)
        lr = current_learning_rate(self.model) if lr is None else lr
        for key, value in logs.items():
            if np.ndim(value) != 0:
                continue
            if key.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{key[4:]}", float(value), epoch)
            else:
                train.add_scalar(f"epoch_{key}", float(value), epoch)
        if lr is not None:
            train.add_scalar("epoch_learning_rate", float(lr), epoch)
        if self.write_steps_per_second:
            steps = self._epoch_steps or (self.params.get("steps") or 0)
            seconds = max(time.perf_counter() - self._epoch_start, 1e-9)
            train.add_scalar("epoch_steps_per_second", steps / seconds, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._profiling:
            self._stop_profile()
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- weights ------------------------------------------------------------------------
    def _log_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for v in self.model.weights:
            values = np.asarray(v.numpy())
            writer.add_histogram(v.name, values, epoch)
            if self.write_images:
                image = _as_image(values)
                if image is not None:
                    writer.add_image(f"{v.name}/image", image, epoch, dataformats="HW")

    def _log_embeddings(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            table = getattr(layer, "embeddings", None)
            if table is None:
                continue
            labels = self.embeddings_metadata.get(layer.name)
            writer.add_embedding(np.asarray(table), metadata=labels, tag=layer.name,
                                 global_step=epoch)
