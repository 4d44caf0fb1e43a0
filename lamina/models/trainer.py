"""`fit`, `evaluate`, `train_on_batch` and `test_on_batch`: the host side.

The data goes to the device once; each epoch is one call of the compiled epoch
program (a few calls when the progress bar is live, one per batch when a callback
asks for per-batch logs), plus one call of the remainder step. Logs come back in
one transfer per call; the Variables are written once per epoch.
"""
from __future__ import annotations

import warnings
from typing import Any

import jax
import numpy as np

from lamina import data as data_mod
from lamina import random as random_mod
from lamina.core import batching
from lamina.core.train import TrainState
from lamina.models.inputs import check_batch_size, expand_1d, host_logs
from lamina.models.progress import Chunker, resolve_verbose


class Trainer:
    """The training methods of `Model` (a mixin; see `Model`)."""

    # -- state ------------------------------------------------------------------
    def _check_compiled(self, what: str) -> None:
        if self._compile_config is None:
            raise RuntimeError(f"You must call compile() before {what}(). For example: "
                               "model.compile(optimizer='adam', loss='mse').")

    def _prepare(self, x: Any) -> dict[str, Any]:
        self.build_from_data(x)
        return self._get_programs()

    def _state(self) -> TrainState:
        """The training state from the Variables, the optimizer and the model's rng."""
        p = self._get_programs()
        trainable = tuple(v.value for v in p["tv"])
        if self.optimizer._state is None:
            # The optimizer's current transform: a learning rate set since the programs
            # were made is in its hyperparameters, which the programs read from the state.
            self.optimizer._state = jax.jit(self.optimizer.transform().init)(trainable)
        metrics = p["init_metrics"]()
        if self._rng is None:
            self._rng = random_mod.next_key()
            self._seed = random_mod.next_seed()
        return TrainState(trainable, tuple(v.value for v in p["ntv"]), self.optimizer._state,
                          metrics, self._rng, np.int32(self._step))

    @property
    def _names(self) -> list[str]:
        return self._compiled.names

    def _write_back(self, state: TrainState) -> None:
        p = self._programs
        for v, a in zip(p["tv"], state.trainable):
            v._value = a
        for v, a in zip(p["ntv"], state.non_trainable):
            v._value = a
        self.optimizer._state = state.optimizer
        self._rng = state.rng
        self._step = state.step

    def _params(self) -> tuple:
        p = self._inference_programs()
        return tuple(v.value for v in p["tv"]), tuple(v.value for v in p["ntv"])

    # -- fit ----------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None,
            epochs: int = 1, verbose: Any = "auto", callbacks: Any = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: Any = True,
            class_weight: dict | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: Any = 1, **kwargs: Any) -> Any:
        """Train for `epochs` epochs, as `keras.Model.fit`; returns the `History`.

        Each epoch runs as one compiled XLA program over the shuffled batches, plus
        one compiled step for the last, smaller batch, so results equal Keras's
        batch-by-batch semantics.

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
        from lamina.callbacks.callback import CallbackList

        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._check_compiled("fit")
        verbose = resolve_verbose(verbose)
        batch_size = check_batch_size(batch_size, "batch_size")
        if steps_per_epoch is not None:
            check_batch_size(steps_per_epoch, "steps_per_epoch")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)):
            raise TypeError(f"epochs must be an integer, but received {epochs!r}. "
                            "Use e.g. epochs=10.")
        stream = data_mod.BatchStream(x, steps_per_epoch) if data_mod.is_stream(x) else None
        if stream is not None:
            if y is not None:
                raise ValueError("fit() received batches (a generator or Sequence) as x and "
                                 "also y. The batches carry their own targets: pass y=None.")
            train, val = None, None
            self._prepare(stream.peek().x)
        else:
            train = expand_1d(data_mod.adapt_xy(x, y, sample_weight))
            if class_weight is not None:
                train = train._replace(sample_weight=data_mod.class_weight_to_sample_weight(
                    train.y, class_weight, train.sample_weight))
            val = None
            if validation_split and validation_data is None:
                train, val = data_mod.split_validation(train, validation_split)
            self._prepare(train.x)
        val_stream = None
        if validation_data is not None:
            if data_mod.is_stream(validation_data):
                val_stream = data_mod.BatchStream(validation_data, validation_steps)
            else:
                val = expand_1d(data_mod.adapt_xy(*data_mod.unpack_xy(validation_data),
                                                   prefix="validation_data "))
        val_dev = None if val is None else jax.device_put(tuple(val))
        val_bs = check_batch_size(validation_batch_size, "validation_batch_size") \
            if validation_batch_size is not None else batch_size

        if stream is None:
            n = data_mod.num_rows(train.x)
            plan = batching.plan_epoch(n, batch_size, steps_per_epoch)
            if steps_per_epoch is not None and steps_per_epoch > plan.total_steps:
                warnings.warn(f"steps_per_epoch={steps_per_epoch} is more than the "
                              f"{plan.total_steps} batches of size {batch_size} in x "
                              f"({n} rows); each epoch runs {plan.total_steps} batches.",
                              stacklevel=2)
            total_steps = plan.total_steps
            data = jax.device_put(tuple(train))
        else:
            total_steps = stream.steps
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                           model=self, verbose=verbose, epochs=epochs, steps=total_steps)
        self.stop_training = False
        # A callback may move the start (BackupAndRestore resuming a run).
        self._initial_epoch = int(initial_epoch)
        cbs.on_train_begin()
        logs: dict[str, float] = {}
        chunker = Chunker(every_batch=cbs.needs_every_batch("train"),
                          live=cbs.has_batch_hooks("train"))
        for epoch in range(self._initial_epoch, epochs):
            cbs.on_epoch_begin(epoch)
            if stream is None:
                logs = self._train_epoch(data, n, epoch, plan, bool(shuffle), cbs, chunker)
            else:
                stream_logs = self._train_stream_epoch(stream, cbs, verbose)
                if stream_logs is None:  # the source ran out before this epoch began
                    break
                logs = stream_logs
            if _validate_now(validation_freq, epoch) and (val_dev is not None or
                                                          val_stream is not None):
                if val_stream is not None:
                    val_logs = self._evaluate_stream(val_stream, None)
                else:
                    val_logs = self._evaluate_arrays(val_dev, data_mod.num_rows(val.x), val_bs,
                                                     validation_steps, None)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _train_epoch(self, data: Any, num_rows: int, epoch: int, plan: batching.EpochPlan,
                     shuffle: bool, cbs: Any, chunker: Chunker) -> dict[str, float]:
        p = self._programs
        state = self._state()
        perm = jax.device_put(batching.epoch_permutation(self._seed, epoch, num_rows)
                              if shuffle else np.arange(num_rows, dtype=np.int32))
        static = dict(steps=plan.steps, batch_size=plan.batch_size, remainder=plan.remainder)
        chunker.start()
        done = 0
        values: Any = None
        while done < plan.total_steps:
            k = chunker.next(done, plan.total_steps)
            if chunker.every_batch:
                cbs.on_train_batch_begin(done)
            state, values = p["train_loop"](state, data, perm, done, done + k, **static)
            done += k
            if chunker.live:
                logs = host_logs(self._names, values)
                chunker.record(k)
                self._write_back(state)
                cbs.on_train_batch_end(done - 1, logs)
                if self.stop_training:
                    break
        self._write_back(state)
        return host_logs(self._names, values)

    def _train_stream_epoch(self, stream: Any, cbs: Any,
                            verbose: int) -> dict[str, float] | None:
        """One epoch over batches from Python (a generator, a Sequence).

        Consecutive batches of the same shapes are stacked on the host, STREAM_CHUNK at
        a time, and run as one call of the epoch program (while the device works on a
        chunk, the next one is being gathered); a batch of another shape (the last,
        smaller one) runs as its own step. A callback that asks for every batch gets
        one call per batch.
        """
        p = self._programs
        state = self._state()
        every = cbs.needs_every_batch("train")
        live = cbs.has_batch_hooks("train")
        done = 0
        pending: list[Any] = []

        def run(batches: list) -> None:
            nonlocal state, done
            if not batches:
                return
            if every:
                cbs.on_train_batch_begin(done)
            if len(batches) == 1:
                state = p["train_step"](state, jax.device_put(tuple(batches[0])))
            else:
                size = data_mod.num_rows(batches[0].x)
                stacked = jax.tree.map(lambda *a: _stack_padded(a, STREAM_CHUNK), *batches)
                state, _ = p["train_loop"](state, jax.device_put(tuple(stacked)),
                                           _arange(STREAM_CHUNK * size), 0, len(batches),
                                           steps=STREAM_CHUNK, batch_size=size, remainder=0)
            done += len(batches)
            if live:
                self._write_back(state)
                cbs.on_train_batch_end(done - 1,
                                       host_logs(self._names, p["results"](state.metrics)))

        for batch in stream:
            if pending and (every or len(pending) == STREAM_CHUNK
                            or _signature(batch) != _signature(pending[0])):
                run(pending)
                pending = []
                if self.stop_training:
                    break
            pending.append(batch)
        else:
            run(pending)
        if stream.ran_out:
            warnings.warn("Your input ran out of data; interrupting training. Make sure "
                          "that your dataset or generator can generate at least "
                          "`steps_per_epoch * epochs` batches.", stacklevel=3)
            self.stop_training = True
            if done == 0:
                return None
        logs = host_logs(self._names, p["results"](state.metrics))
        self._write_back(state)
        return logs

    # -- evaluate -----------------------------------------------------------------
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, return_dict: bool = False, **kwargs: Any) -> Any:
        """Loss and metrics on data, as `keras.Model.evaluate`.

        Returns:
            The loss (a float) when there are no metrics, else `[loss, *metrics]` in
            `metrics_names` order, or a dict with `return_dict=True`.
        """
        from lamina.callbacks.callback import CallbackList

        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s) {sorted(kwargs)}.")
        self._check_compiled("evaluate")
        verbose = resolve_verbose(verbose)
        batch_size = check_batch_size(batch_size, "batch_size")
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=None)
        cbs.on_test_begin()
        if data_mod.is_stream(x):
            stream = data_mod.BatchStream(x, steps)
            self._prepare(stream.peek().x)
            logs = self._evaluate_stream(stream, cbs)
        else:
            arrays = expand_1d(data_mod.adapt_xy(x, y, sample_weight))
            self._prepare(arrays.x)
            logs = self._evaluate_arrays(jax.device_put(tuple(arrays)),
                                         data_mod.num_rows(arrays.x), batch_size, steps, cbs)
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, data: Any, n: int, batch_size: int, steps: int | None,
                         cbs: Any) -> dict[str, float]:
        p = self._programs
        params = self._params()
        metrics = p["init_metrics"]()
        plan = batching.plan_epoch(n, batch_size, steps)
        static = dict(steps=plan.steps, batch_size=plan.batch_size, remainder=plan.remainder)
        every = cbs is not None and cbs.needs_every_batch("test")
        chunker = Chunker(every_batch=every, live=cbs is not None and cbs.has_batch_hooks("test"))
        done = 0
        values: Any = None
        while done < plan.total_steps:
            k = chunker.next(done, plan.total_steps)
            if every:
                cbs.on_test_batch_begin(done)
            metrics, values = p["eval_loop"](params, metrics, data, done, done + k, **static)
            done += k
            if chunker.live:
                chunker.record(k)
                cbs.on_test_batch_end(done - 1, host_logs(self._names, values))
        return host_logs(self._names, values)

    def _evaluate_stream(self, stream: Any, cbs: Any) -> dict[str, float]:
        p = self._programs
        params = self._params()
        metrics = p["init_metrics"]()
        for i, batch in enumerate(stream):
            metrics = p["eval_step"](params, metrics, jax.device_put(tuple(batch)))
            if cbs is not None and cbs.has_batch_hooks("test"):
                cbs.on_test_batch_end(i, host_logs(self._names, p["results"](metrics)))
        return host_logs(self._names, p["results"](metrics))

    # -- predict ------------------------------------------------------------------
    # -- single batches -----------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: dict | None = None, reset_metrics: bool = True,
                       return_dict: bool = False) -> Any:
        """One optimizer step on one batch; returns the loss (and metrics)."""
        self._check_compiled("train_on_batch")
        arrays = expand_1d(data_mod.adapt_xy(x, y, sample_weight))
        if class_weight is not None:
            arrays = arrays._replace(sample_weight=data_mod.class_weight_to_sample_weight(
                arrays.y, class_weight, arrays.sample_weight))
        p = self._prepare(arrays.x)
        state = self._state()
        if not reset_metrics and getattr(self, "_batch_metrics", None) is not None:
            state = state._replace(metrics=self._batch_metrics)
        state = p["train_step"](state, jax.device_put(tuple(arrays)))
        self._batch_metrics = state.metrics
        self._write_back(state)
        return self._format(host_logs(self._names, p["results"](state.metrics)), return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """Loss and metrics on one batch, without training."""
        self._check_compiled("test_on_batch")
        arrays = expand_1d(data_mod.adapt_xy(x, y, sample_weight))
        p = self._prepare(arrays.x)
        metrics = p["init_metrics"]()
        metrics = p["eval_step"](self._params(), metrics, jax.device_put(tuple(arrays)))
        return self._format(host_logs(self._names, p["results"](metrics)), return_dict)

    def _format(self, logs: dict, return_dict: bool) -> Any:
        if return_dict:
            return logs
        values = [logs[k] for k in self.metrics_names]
        return values[0] if len(values) == 1 else values


STREAM_CHUNK = 16


def _signature(batch: Any) -> tuple:
    leaves, treedef = jax.tree.flatten(tuple(batch))
    return treedef, tuple((a.shape, a.dtype) for a in leaves)


def _stack_padded(arrays: tuple, chunk: int) -> np.ndarray:
    """The batches one after another, padded with zero rows to `chunk` batches (the
    rows past the last batch are never read)."""
    out = np.concatenate(arrays)
    missing = (chunk - len(arrays)) * arrays[0].shape[0]
    if missing:
        out = np.concatenate([out, np.zeros((missing,) + out.shape[1:], out.dtype)])
    return out


_aranges: dict[int, Any] = {}


def _arange(n: int) -> Any:
    if n not in _aranges:
        _aranges[n] = jax.device_put(np.arange(n, dtype=np.int32))
    return _aranges[n]


def _validate_now(validation_freq: Any, epoch: int) -> bool:
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq
