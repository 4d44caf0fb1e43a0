"""`fit`, `evaluate`, `train_on_batch` and `test_on_batch`: the host side.

The data comes through one `DataAdapter` (arrays go to the device once; streams of
batches are stacked on the host a chunk at a time), and each epoch is one call of
the compiled epoch program per piece the adapter yields: one piece for arrays (a
few while the progress bar is live, one per batch when a callback asks for per-batch
logs). Logs come back in one transfer per call. The training state persists in the
model between calls; the Variables are written from it only when read.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from lamina import data as data_mod
from lamina.callbacks import CallbackList
from lamina.data import DataAdapter
from lamina.models import _dispatch as dispatch
from lamina.models import _distributed
from lamina.models._frozen import check_trainable_unchanged
from lamina.models._host_inputs import encode_any, encode_validation
from lamina.models._image_checks import warn_unscaled_images
from lamina.models._inputs import check_batch_size, host_logs
from lamina.models._labels import check_sparse_labels, check_target_shapes
from lamina.models._on_batch import OnBatch
from lamina.models._padding import pads_last_batch
from lamina.models._progress import Chunker, resolve_verbose


class Trainer(OnBatch):
    """The training methods of `Model` (a mixin; see `Model`)."""

    # -- state ------------------------------------------------------------------
    def _check_compiled(self, what: str) -> None:
        if self._compile_config is None:
            raise RuntimeError(f"You must call compile() before {what}(). For example: "
                               "model.compile(optimizer='adam', loss='mse').")

    def _prepare(self, adapter: DataAdapter) -> Any:
        plan = getattr(adapter, "plan", None)
        if plan is not None:
            _distributed.check_batch_size(plan.batch_size)
        self.build_from_data(adapter.peek().x)
        return self._get_programs()

    def _check_targets(self, adapter: DataAdapter, what: str) -> None:
        """Labels the loss cannot score, checked once on the host arrays the adapter
        holds (the first batch of a stream)."""
        y = adapter.peek().y
        check_sparse_labels(self._compile_config["loss"], y, self.output_names,
                            self._output_shapes(), what)
        check_target_shapes(self._compile_config["loss"], y, self.output_names,
                            self._output_shapes())

    @property
    def _names(self) -> list[str]:
        return self._get_programs().names

    def _params(self) -> tuple:
        """The weights as the programs take them: `(trainable, non_trainable)` dicts."""
        if self._compile_config is not None:
            self._get_programs()
            return self._train.arrays()
        return self._predict_params()

    # -- fit ----------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None,
            epochs: int = 1, verbose: Any = "auto", callbacks: Any = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: Any = True,
            class_weight: dict | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: Any = 1, max_queue_size: int = 10, workers: int = 1,
            use_multiprocessing: bool = False, **kwargs: Any) -> Any:
        """Train for `epochs` epochs, as `keras.Model.fit`; returns the `History`.

        Each epoch runs as one compiled XLA program over the shuffled batches, the
        last, smaller batch included as its own step, so results equal Keras's
        batch-by-batch semantics. `validation_split` takes the last fraction of the
        rows before `class_weight` applies: validation losses are never class-weighted.
        `max_queue_size`, `workers` and `use_multiprocessing` are tf.keras 2's and change
        nothing: batches from a generator are made in the calling thread.

        Example:
            >>> import numpy as np, lamina as keras
            >>> keras.utils.set_random_seed(0)
            >>> x = np.linspace(-1, 1, 64).reshape(-1, 1); y = 3 * x + 1
            >>> model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
            >>> model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
            >>> history = model.fit(x, y, epochs=50, verbose=0)
            >>> round(history.history["loss"][-1], 3), len(history.epoch)
            (0.0, 50)
        """
        if "nb_epoch" in kwargs:  # Keras 1's name, which Keras 2 still converted
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._check_compiled("fit")
        warn_unscaled_images(self, x)
        verbose = resolve_verbose(verbose)
        batch_size = check_batch_size(batch_size, "batch_size")
        if steps_per_epoch is not None:
            check_batch_size(steps_per_epoch, "steps_per_epoch")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)):
            raise TypeError(f"epochs must be an integer, but received {epochs!r}. "
                            "Use e.g. epochs=10.")
        if epochs < 0:
            raise ValueError(f"epochs must be 0 or more, but received epochs={epochs}: fit "
                             "would train for no epoch at all. Use e.g. epochs=10.")
        val_bs = batch_size if validation_batch_size is None else \
            check_batch_size(validation_batch_size, "validation_batch_size")
        # Inputs that feed host layers (TextVectorization) are encoded on the host first.
        x = encode_any(self, x)
        validation_data = encode_validation(self, validation_data)
        train, val = data_mod.fit_adapters(
            x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
            shuffle=bool(shuffle), class_weight=class_weight,
            validation_split=validation_split, validation_data=validation_data,
            validation_batch_size=val_bs, validation_steps=validation_steps,
            masked=pads_last_batch(self, training=True),
            masked_validation=pads_last_batch(self, training=False))
        self._prepare(train)
        check_trainable_unchanged(self, "fit")
        if val is not None:  # the same checks on the validation inputs
            self.build_from_data(val.peek().x)
        self._check_targets(train, "y")
        if val is not None:
            self._check_targets(val, "validation_data y")
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                           model=self, verbose=verbose, epochs=epochs, steps=train.steps)
        self.stop_training = False
        # A callback may move the start (BackupAndRestore resuming a run).
        self._initial_epoch = int(initial_epoch)
        cbs.on_train_begin()
        logs: dict[str, float] = {}
        limit = dispatch.steps_per_dispatch(self, train.peek().x)
        chunker = Chunker(every_batch=cbs.needs_every_batch("train"),
                          live=cbs.has_batch_hooks("train"), limit=limit)
        for epoch in range(self._initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            epoch_logs = self._train_epoch(train, epoch, cbs, chunker)
            if epoch_logs is None:  # the source ran out before this epoch began
                break
            logs = epoch_logs
            if val is not None and _validate_now(validation_freq, epoch):
                val_logs = self._evaluate_epoch(val, None)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _train_epoch(self, adapter: DataAdapter, epoch: int, cbs: Any,
                     chunker: Chunker) -> dict[str, float] | None:
        programs, holder = self._get_programs(), self._train
        state = self._train_state()
        state = state._replace(metrics=programs.init_metrics())
        chunker.start()
        values: Any = None
        done = 0
        for piece in adapter.pieces(epoch, chunker.next, seed=holder.seed):
            if chunker.every_batch:
                cbs.on_train_batch_begin(piece.first)
            rows = _one_batch(piece.plan, piece.start) if chunker.limit == 1 else None
            if rows is not None and programs.train_batch is not None:  # one loop-free call
                state, values = programs.train_batch(state, piece.data, piece.order,
                                                     np.int32(rows[0]), size=rows[1])
            else:
                state, values = programs.train(state, piece.data, piece.order, piece.start,
                                               piece.stop, **piece.plan._asdict())
            holder.adopt(state)
            done = piece.first + piece.batches
            if chunker.live:
                chunker.record(piece.batches)
                cbs.on_train_batch_end(done - 1, host_logs(programs.names, values))
                if self.stop_training:
                    break
        if adapter.ran_out:
            _warn_ran_out()
            self.stop_training = True
            if done == 0:
                return None
        if values is None:
            values = programs.results(state.metrics)
        return host_logs(programs.names, values)

    # -- evaluate -----------------------------------------------------------------
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, max_queue_size: int = 10, workers: int = 1,
                 use_multiprocessing: bool = False, return_dict: bool = False,
                 **kwargs: Any) -> Any:
        """Loss and metrics on data, as `keras.Model.evaluate`.

        Returns:
            The loss (a float) when there are no metrics, else `[loss, *metrics]` in
            `metrics_names` order, or a dict with `return_dict=True`.
        """
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._check_compiled("evaluate")
        verbose = resolve_verbose(verbose)
        batch_size = check_batch_size(batch_size, "batch_size")
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=None)
        cbs.on_test_begin()
        adapter = data_mod.adapter_for(encode_any(self, x), y, sample_weight,
                                       batch_size=batch_size, steps=steps,
                                       masked=pads_last_batch(self, training=False))
        self._prepare(adapter)
        self._check_targets(adapter, "y")
        logs = self._evaluate_epoch(adapter, cbs)
        cbs.on_test_end(logs)
        return self._format(logs, return_dict)

    def _evaluate_epoch(self, adapter: DataAdapter, cbs: Any) -> dict[str, float]:
        programs = self._get_programs()
        params = self._params()
        metrics = programs.init_metrics()
        every = cbs is not None and cbs.needs_every_batch("test")
        chunker = Chunker(every_batch=every, live=cbs is not None and cbs.has_batch_hooks("test"))
        values: Any = None
        for piece in adapter.pieces(0, chunker.next):
            if every:
                cbs.on_test_batch_begin(piece.first)
            metrics, values = programs.evaluate(params, metrics, piece.data, piece.order,
                                                piece.start, piece.stop,
                                                **piece.plan._asdict())
            if chunker.live:
                chunker.record(piece.batches)
                cbs.on_test_batch_end(piece.first + piece.batches - 1,
                                      host_logs(programs.names, values))
        if values is None:
            values = programs.results(metrics)
        return host_logs(programs.names, values)

    def _format(self, logs: dict, return_dict: bool) -> Any:
        if return_dict:
            return logs
        names = [k for k in self.metrics_names if k in logs]
        values = [logs[k] for k in (names if len(names) == len(logs) else logs)]
        return values[0] if len(values) == 1 else values


def _one_batch(plan: Any, index: int) -> tuple[int, int] | None:
    """`(first row, size)` of batch `index` of an epoch cut by `plan`, or None for a
    last batch filled up with masked padding (which only the loop program runs)."""
    steps = plan.steps
    if plan.rows is not None:
        if not plan.remainder:
            return None
        steps = (int(plan.rows) - plan.remainder) // plan.batch_size
    if index < steps:
        return index * plan.batch_size, plan.batch_size
    return steps * plan.batch_size, plan.remainder


def _warn_ran_out() -> None:
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches.", stacklevel=4)


def _validate_now(validation_freq: Any, epoch: int) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq
