"""`Callback`: the hooks of training (see `CallbackList` for how they are called)."""
from __future__ import annotations

from typing import Any


class Callback:
    """Base class of callbacks, with every tf.keras hook (all do nothing here).

    `self.model` is the model being trained and `self.params` holds `epochs`, `steps`
    and `verbose`. The epoch-level hooks cost nothing: without batch hooks an epoch
    is one compiled program. Overriding a batch hook (`on_train_batch_end`, ...)
    makes `fit` run one compiled call per batch, so that the hook sees every batch
    with the running-average logs of the epoch so far; each batch then costs a
    dispatch and a host transfer. Measured on a 10-32-1 MLP, 10,000 rows, batch
    size 32 (313 batches), 2 CPU cores, best of 9 epochs: 12 ms per epoch
    without a batch hook, 84 ms with an empty `on_train_batch_end` (about 0.25 ms
    more per batch; the median under load was 19 ms against 320 ms). Prefer
    `on_epoch_end` where an epoch-level value is enough.

    Example:
        >>> class Count(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, sorted(logs))
        >>> Count().on_epoch_end(0, {"loss": 1.0})
        0 ['loss']
    """

    # Batch hooks of this class are fine to call once per chunk of batches.
    _chunk_batch_hooks = False

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}
        self.validation_data: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_begin(self, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    # tf.keras 1 names, still used by course code.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
