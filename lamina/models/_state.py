"""The training state a compiled model keeps between calls, and the Variables it stands for.

`fit`, `train_on_batch` and `evaluate` run on one `TrainState` that persists across
epochs and calls: weights keyed by Variable path (`dense/kernel`), the optimizer
state (which holds the learning rate), the metric accumulators, the run's random key
and step. The Variables are written from it only when someone reads them (the
user, a callback, saving): each Variable the state holds newer values for points to
this holder, and its next read asks the holder to write back first. An eager
`assign` (`set_weights`, `load_weights`) or another model training the same
Variables takes them back; the next call reads those from the Variables again.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from lamina import random as random_mod
from lamina.backend.variable import unique_paths
from lamina.core.train import TrainState


class StateHolder:
    """A compiled model's `TrainState` between calls.

    Args:
        trainable: the Variables the optimizer updates, in order.
        non_trainable: the other Variables the model reads or updates.
        init_optimizer: `trainable arrays -> optimizer state`.
        init_metrics: `() -> metric accumulator states`.
    """

    def __init__(self, trainable: list[Any], non_trainable: list[Any],
                 init_optimizer: Callable[[dict], Any], init_metrics: Callable[[], tuple]):
        self.trainable, self.non_trainable = trainable, non_trainable
        keys = unique_paths(trainable + non_trainable)
        self.trainable_keys = keys[:len(trainable)]
        self.non_trainable_keys = keys[len(trainable):]
        self._init_optimizer, self._init_metrics = init_optimizer, init_metrics
        self.state: TrainState | None = None
        self.seed: int | None = None      # the run's shuffle seed (host-side)
        self.pending = False              # the state holds values newer than the Variables
        self._lost: set[int] = set()      # Variables whose newest value is elsewhere
        self._owned = False

    # -- the state ----------------------------------------------------------------
    def arrays(self) -> tuple[dict, dict]:
        """The weights as `(trainable, non_trainable)` dicts by key, newest values."""
        if self.state is not None and not self._lost:
            return self.state.trainable, self.state.non_trainable
        return ({k: v.value for k, v in zip(self.trainable_keys, self.trainable)},
                {k: v.value for k, v in zip(self.non_trainable_keys, self.non_trainable)})

    def current(self) -> TrainState:
        """The state to train from: made on first use, and refreshed from the Variables
        that were assigned (or trained by another model) since the last call."""
        if self.state is None:
            trainable, non_trainable = self.arrays()
            rng = np.asarray(random_mod.next_key())
            if self.seed is None:
                self.seed = random_mod.next_seed()
            self.state = TrainState(trainable, non_trainable, self._init_optimizer(trainable),
                                    self._init_metrics(), rng, np.int32(0))
            self._lost.clear()
        elif self._lost:
            trainable, non_trainable = self.state.trainable, self.state.non_trainable
            trainable = {k: (v.value if id(v) in self._lost else trainable[k])
                         for k, v in zip(self.trainable_keys, self.trainable)}
            non_trainable = {k: (v.value if id(v) in self._lost else non_trainable[k])
                             for k, v in zip(self.non_trainable_keys, self.non_trainable)}
            self.state = self.state._replace(trainable=trainable, non_trainable=non_trainable)
            self._lost.clear()
        return self.state

    def adopt(self, state: TrainState) -> None:
        """Keep `state` as the newest; the Variables are written back when read."""
        self.state = state
        self.pending = True
        if not self._owned:
            for v in self.trainable + self.non_trainable:
                other = v._holder
                if other is not None and other is not self:
                    other._lose(v)
                v._holder = self
            self._owned = True

    def set_state(self, state: TrainState) -> None:
        """Replace the state without touching Variables (optimizer settings, restore)."""
        self.state = state

    # -- the Variables ------------------------------------------------------------
    def flush(self) -> None:
        """Write the newest weights into the Variables this holder owns."""
        if not self.pending or self.state is None:
            self.pending = False
            return
        self.pending = False
        values = {**self.state.trainable, **self.state.non_trainable}
        keys = self.trainable_keys + self.non_trainable_keys
        for key, v in zip(keys, self.trainable + self.non_trainable):
            if v._holder is self:
                v._value = values[key]

    def release(self, variable: Any) -> None:
        """`variable` is being assigned eagerly: write back, then stop owning it."""
        self.flush()
        self._lose(variable)

    def _lose(self, variable: Any) -> None:
        self._lost.add(id(variable))
        self._owned = False
        if variable._holder is self:
            variable._holder = None

    def detach(self) -> None:
        """Write back and give up every Variable (before the holder is dropped)."""
        self.flush()
        for v in self.trainable + self.non_trainable:
            if v._holder is self:
                v._holder = None
        self._owned = False
