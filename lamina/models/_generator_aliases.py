"""tf.keras 2's `fit_generator`, `evaluate_generator` and `predict_generator`: the
deprecated names of `fit`, `evaluate` and `predict`, which take generators and
`Sequence`s themselves. Each warns as tf.keras 2 did and calls the method it names.
"""
from __future__ import annotations

import warnings
from typing import Any


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(f"`Model.{name}` is deprecated and will be removed in a future version. "
                  f"Please use `Model.{instead}`, which supports generators.", stacklevel=3)


class GeneratorAliases:
    """The `*_generator` methods of `Model` (a mixin; see `Model`).

    `max_queue_size`, `workers` and `use_multiprocessing` are passed on (they change
    nothing in Lamina: batches are made in the calling thread, and `ImageDataGenerator`
    transforms each batch in one vectorised call).
    """

    def fit_generator(self, generator: Any, steps_per_epoch: int | None = None,
                      epochs: int = 1, verbose: Any = 1, callbacks: Any = None,
                      validation_data: Any = None, validation_steps: int | None = None,
                      validation_freq: Any = 1, class_weight: dict | None = None,
                      max_queue_size: int = 10, workers: int = 1,
                      use_multiprocessing: bool = False, shuffle: bool = True,
                      initial_epoch: int = 0) -> Any:
        """Deprecated: `fit` takes generators. Warns, then calls `fit`.

        Example:
            >>> import warnings, numpy as np, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> def batches():
            ...     while True:
            ...         yield np.ones((4, 2)), np.zeros((4, 1))
            >>> with warnings.catch_warnings(record=True) as caught:
            ...     warnings.simplefilter("always")
            ...     history = model.fit_generator(batches(), steps_per_epoch=3, epochs=2,
            ...                                   verbose=0)
            >>> len(history.history["loss"]), str(caught[0].message)[:40]
            (2, '`Model.fit_generator` is deprecated and ')
        """
        _deprecated("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, max_queue_size=max_queue_size,
                        workers=workers, use_multiprocessing=use_multiprocessing,
                        shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator: Any, steps: int | None = None, callbacks: Any = None,
                           max_queue_size: int = 10, workers: int = 1,
                           use_multiprocessing: bool = False, verbose: Any = 0) -> Any:
        """Deprecated: `evaluate` takes generators. Warns, then calls `evaluate`."""
        _deprecated("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, max_queue_size=max_queue_size,
                             workers=workers, use_multiprocessing=use_multiprocessing,
                             verbose=verbose, callbacks=callbacks)

    def predict_generator(self, generator: Any, steps: int | None = None, callbacks: Any = None,
                          max_queue_size: int = 10, workers: int = 1,
                          use_multiprocessing: bool = False, verbose: Any = 0) -> Any:
        """Deprecated: `predict` takes generators. Warns, then calls `predict`."""
        _deprecated("predict_generator", "predict")
        return self.predict(generator, steps=steps, max_queue_size=max_queue_size,
                            workers=workers, use_multiprocessing=use_multiprocessing,
                            verbose=verbose, callbacks=callbacks)
