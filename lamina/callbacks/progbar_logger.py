"""`ProgbarLogger`: the progress output of `fit` and `evaluate`."""
from __future__ import annotations


from lamina.callbacks.callback import Callback
from lamina.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Prints `Epoch i/n` and a progress line per epoch (`verbose` 1 or 2).

    Its batch hooks run once per chunk of batches (a few times a second), so it
    never forces `fit` to run batch by batch.
    """

    _chunk_batch_hooks = True

    def __init__(self) -> None:
        super().__init__()
        self._bar: Progbar | None = None
        self._in_fit = False

    def _verbose(self) -> int:
        return int(self.params.get("verbose", 1))

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._in_fit = True

    def on_train_end(self, logs: dict | None = None) -> None:
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self._verbose():
            print(f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}")
        self._bar = Progbar(self.params.get("steps"), verbose=self._verbose())

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._bar is not None and self._verbose() == 1:
            self._bar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._bar is not None:
            steps = self.params.get("steps") or 0
            self._bar.update(steps, logs, finalize=True)

    def on_test_begin(self, logs: dict | None = None) -> None:
        if not self._in_fit:
            self._bar = Progbar(None, verbose=self._verbose())
            self._test_steps = 0

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if not self._in_fit:
            self._test_steps = batch + 1

    def on_test_end(self, logs: dict | None = None) -> None:
        if not self._in_fit and self._bar is not None:
            self._bar.target = self._test_steps or None
            self._bar.update(self._test_steps or 1, logs, finalize=True)
