"""`CallbackList`: calls each hook on every callback, adding History and the progress bar."""
from __future__ import annotations

from typing import Any, Iterable

from lamina.callbacks.callback import Callback
from lamina.callbacks.history import History
from lamina.callbacks.progbar_logger import ProgbarLogger

_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def _overrides(cb: Callback, hook: str) -> bool:
    return hook in vars(cb) or getattr(type(cb), hook, None) is not getattr(Callback, hook)


class CallbackList:
    """Calls each hook on every callback, adding the progress bar and `History`.

    Args:
        callbacks: the user's callbacks.
        add_history: append a `History` (set as `model.history`).
        add_progbar: prepend a `ProgbarLogger`.
        model: the model, given to each callback.
        **params: `verbose`, `epochs`, `steps`.
    """

    def __init__(self, callbacks: Iterable[Callback] | None = None, *,
                 add_history: bool = False, add_progbar: bool = False, model: Any = None,
                 **params: Any):
        if isinstance(callbacks, Callback):
            callbacks = [callbacks]
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback objects, but received "
                                f"{cb!r} ({type(cb).__name__}). Wrap a function in "
                                "keras.callbacks.LambdaCallback(on_epoch_end=...).")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.insert(0, ProgbarLogger())
        if add_history:
            history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if history is None:
                history = History()
                self.callbacks.append(history)
            if model is not None:
                model.history = history
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)
        self.set_params(params)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def has_batch_hooks(self, mode: str) -> bool:
        hooks = _BATCH_HOOKS[mode] + (("on_batch_begin", "on_batch_end") if mode == "train"
                                      else ())
        return any(_overrides(cb, h) for cb in self.callbacks for h in hooks)

    def needs_every_batch(self, mode: str) -> bool:
        hooks = _BATCH_HOOKS[mode] + (("on_batch_begin", "on_batch_end") if mode == "train"
                                      else ())
        return any(_overrides(cb, h) and not cb._chunk_batch_hooks
                   for cb in self.callbacks for h in hooks)

    def _call(self, hook: str, *args: Any) -> None:
        if args and args[-1] is None:  # hooks receive a dict of logs, as in Keras
            args = args[:-1] + ({},)
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._call("on_train_begin", logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_train_batch_begin", batch, logs)
        self._call("on_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_train_batch_end", batch, logs)
        self._call("on_batch_end", batch, logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._call("on_test_begin", logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call("on_predict_batch_end", batch, logs)

    def __iter__(self) -> Any:
        return iter(self.callbacks)
