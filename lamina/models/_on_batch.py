"""The single-batch methods: `train_on_batch` and `test_on_batch`, each one compiled
call (the metric reset, the step and the results together), with the least host work
per call for loops written by hand (see `_fast_inputs.py`, `_packed.py`,
`_hot_train.py`)."""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina import data as data_mod
from lamina.models._fast_inputs import fast_inputs, learn_for
from lamina.models._frozen import check_trainable_unchanged
from lamina.models._host_checks import has_host_checks
from lamina.models._host_inputs import encode_inputs
from lamina.models._hot_train import HotTrain
from lamina.models._inputs import host_logs
from lamina.models._packed import PACK_LIMIT, Mismatch, Packing


class OnBatch:
    """`train_on_batch` and `test_on_batch` (a mixin of `Trainer`)."""

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: dict | None = None, reset_metrics: bool = True,
                       return_dict: bool = False) -> Any:
        """One optimizer step on one batch, as `keras.Model.train_on_batch`.

        One compiled call per batch: the step, the metric reset and the results
        run together, and the weights stay in the training state until read.

        Args:
            x: the inputs of the batch.
            y: the targets.
            sample_weight: weights of the rows.
            class_weight: weights by class index, applied to the rows by label.
            reset_metrics: start the metrics from this batch (True), or accumulate
                them over the calls since the last reset (False).
            return_dict: return the logs as a dict by name.

        Returns:
            The loss, or `[loss, *metrics]`, or the dict of logs.

        Example:
            >>> import numpy as np, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
            >>> logs = model.train_on_batch(np.ones((4, 2)), np.zeros((4, 1)),
            ...                             return_dict=True)
            >>> sorted(logs)
            ['loss', 'mae']
        """
        plain = sample_weight is None and class_weight is None and not return_dict
        hot = self.__dict__.get("_hot_train")
        if hot is not None and plain:
            result = hot.run(x, y, bool(reset_metrics))
            if result is not None:
                return result
        self._check_compiled("train_on_batch")
        batch = None
        if sample_weight is None and class_weight is None:
            batch = fast_inputs(self).lookup("train", (x, y))
        if batch is None:
            encoded = encode_inputs(self, x)
            batch = tuple(data_mod.batch_arrays(encoded, y, sample_weight, class_weight))
            self.build_from_data(batch[0])
            if sample_weight is None and class_weight is None and encoded is x:
                learn_for(self, "train", (x, y), batch[:2])
        else:
            batch = (*batch, None)
        programs = self._get_programs()
        check_trainable_unchanged(self, "train_on_batch")
        train_batch, _ = self._batch_programs(programs)
        values = self._train_packed(programs, train_batch, batch, bool(reset_metrics))
        if values is None:
            state, values = train_batch(self._train.current(), batch, bool(reset_metrics))
            self._train.adopt(state)
        elif plain and batch[0] is x and batch[1] is y and type(x) is np.ndarray \
                and type(y) is np.ndarray and isinstance(values, jax.Array) \
                and self._logs_in_order(programs) and not has_host_checks(self):
            _, packing, step = self.__dict__["_on_batch_packed"]
            self.__dict__["_hot_train"] = HotTrain(self, programs, packing, step, x, y)
        return self._batch_result(programs, values, return_dict)

    def _train_packed(self, programs: Any, train_batch: Any, batch: tuple,
                      reset: bool) -> Any:
        """`train_on_batch`'s step over the state packed in a few flat buffers
        (`models/_packed.py`), for states small enough that passing each array
        costs more than copying them all; the step's results, or None if the state
        is not packed."""
        cached = self.__dict__.get("_on_batch_packed")
        if cached is None or cached[0] is not programs:
            packing = Packing(self._train.current())
            fn = None
            if packing.size <= PACK_LIMIT:
                def step(packed: tuple, batch: tuple, reset: bool) -> tuple:
                    state, values = train_batch(packing.unpack(packed), batch, reset)
                    return (packing.pack(state), (state.trainable, state.non_trainable),
                            values)
                fn = jax.jit(step, static_argnums=2, donate_argnums=0)
            cached = self.__dict__["_on_batch_packed"] = (programs, packing, fn)
        _, packing, fn = cached
        packed = None if fn is None else self._train.packed(packing)
        if packed is None:
            return None
        try:
            packed, weights, values = fn(packed, batch, reset)
        except Mismatch:     # the step changes the state's structure: not packable
            self.__dict__["_on_batch_packed"] = (programs, packing, None)
            return None
        self._train.adopt_packed(packing, packed, weights)
        return values

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """Loss and metrics on one batch, without training (one compiled call)."""
        self._check_compiled("test_on_batch")
        batch = fast_inputs(self).lookup("test", (x, y)) if sample_weight is None else None
        if batch is None:
            encoded = encode_inputs(self, x)
            batch = tuple(data_mod.batch_arrays(encoded, y, sample_weight))
            self.build_from_data(batch[0])
            if sample_weight is None and encoded is x:
                learn_for(self, "test", (x, y), batch[:2])
        else:
            batch = (*batch, None)
        programs = self._get_programs()
        _, test_batch = self._batch_programs(programs)
        values = test_batch(self._params(), batch)
        return self._batch_result(programs, values, return_dict)

    def _batch_programs(self, programs: Any) -> tuple:
        """`train_on_batch`'s and `test_on_batch`'s programs, each one compiled call:
        `(state, batch, reset) -> (state, results)` and `(params, batch) -> results`."""
        cached = self.__dict__.get("_on_batch")
        if cached is not None and cached[0] is programs:
            return cached[1]

        def train_batch(state: Any, batch: tuple, reset: bool) -> tuple:
            if reset:
                state = state._replace(metrics=programs.init_metrics())
            state = programs.train_step(state, batch)
            return state, _one_array(programs.results(state.metrics))

        def test_batch(params: tuple, batch: tuple) -> Any:
            return _one_array(programs.results(
                programs.eval_step(params, programs.init_metrics(), batch)))

        made = (jax.jit(train_batch, static_argnums=2), jax.jit(test_batch))
        self.__dict__["_on_batch"] = (programs, made)
        return made

    def _batch_result(self, programs: Any, values: Any, return_dict: bool) -> Any:
        """A single-batch call's result from its program's logs, in one transfer."""
        if return_dict or not isinstance(values, jax.Array):
            return self._format(host_logs(programs.names, values), return_dict)
        if not self._logs_in_order(programs):
            return self._format(host_logs(programs.names, values), return_dict)
        host = np.asarray(values).tolist()   # the logs stacked in metrics_names order
        return host[0] if len(host) == 1 else host

    def _logs_in_order(self, programs: Any) -> bool:
        """Whether the programs' stacked logs come in `metrics_names` order."""
        in_order = self.__dict__.get("_names_in_order")
        if in_order is None or in_order[0] is not programs:
            in_order = (programs, list(programs.names) == self.metrics_names)
            self.__dict__["_names_in_order"] = in_order
        return in_order[1]


def _one_array(values: Any) -> Any:
    """Scalar logs stacked into one array, so that they come back in one transfer."""
    if isinstance(values, (tuple, list)) and values and \
            all(getattr(v, "ndim", None) == 0 for v in values):
        return jnp.stack([jnp.asarray(v, jnp.float32) for v in values])
    return values
