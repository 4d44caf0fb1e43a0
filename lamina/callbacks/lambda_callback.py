"""`LambdaCallback`: a callback from plain functions."""
from __future__ import annotations

from typing import Any, Callable

from lamina.callbacks.callback import Callback

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
          "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
          "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
          "on_predict_batch_end")


class LambdaCallback(Callback):
    """Calls the functions given for each hook, as `keras.callbacks.LambdaCallback`.

    Args:
        on_epoch_begin, on_epoch_end: `f(epoch, logs)`.
        on_train_begin, on_train_end: `f(logs)`.
        on_batch_begin, on_batch_end, on_train_batch_*: `f(batch, logs)`.

    Example:
        >>> seen = []
        >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
        >>> cb.on_epoch_end(3, {}); seen
        [3]
    """

    def __init__(self, **hooks: Callable[..., Any]):
        super().__init__()
        unknown = sorted(set(hooks) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hook(s) {unknown}. Valid hooks: "
                            f"{list(_HOOKS)}.")
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)
