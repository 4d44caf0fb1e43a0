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

import jax
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
        self._state: TrainState | None = None
        # `train_on_batch` keeps a small state packed in a few flat buffers
        # (`models/_packed.py`): (packing, packed buffers, (trainable, non_trainable)),
        # the newest when `_state` is None; unpacked when first read.
        self._packed: tuple | None = None
        self.seed: int | None = None      # the run's shuffle seed (host-side)
        self.pending = False              # the state holds values newer than the Variables
        self._lost: set[int] = set()      # Variables whose newest value is elsewhere
        self._owned = False

    # -- the state ----------------------------------------------------------------
    @property
    def state(self) -> TrainState | None:
        """The newest `TrainState`, or None before the first training call."""
        if self._state is None and self._packed is not None:
            packing, packed, _ = self._packed
            self._state = _unpacker(packing)(packed)
        return self._state

    @state.setter
    def state(self, state: TrainState | None) -> None:
        self._state, self._packed = state, None

    def arrays(self) -> tuple[dict, dict]:
        """The weights as `(trainable, non_trainable)` dicts by key, newest values."""
        if self._state is None and self._packed is not None and not self._lost:
            return self._packed[2]
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

    def packed(self, packing: Any) -> tuple | None:
        """The current state packed by `packing`, or None where it does not fit it."""
        if self._packed is not None and self._packed[0] is packing and not self._lost:
            return self._packed[1]
        state = self.current()
        if not packing.matches(state):
            return None
        packed = _packer(packing)(state)
        self._packed = (packing, packed, (state.trainable, state.non_trainable))
        return packed

    def adopt_packed(self, packing: Any, packed: tuple, weights: tuple) -> None:
        """Keep a packed state (and its weights, unpacked) as the newest."""
        self._claim()
        self._state, self._packed = None, (packing, packed, weights)

    def adopt(self, state: TrainState) -> None:
        """Keep `state` as the newest; the Variables are written back when read."""
        self._claim()
        self.state = state

    def _claim(self) -> None:
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
        trainable, non_trainable = self.arrays() if not self._lost else \
            (self.state.trainable, self.state.non_trainable)
        values = {**trainable, **non_trainable}
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


def _unpacker(packing: Any) -> Any:
    fn = packing.__dict__.get("_unpack")
    if fn is None:
        fn = packing.__dict__["_unpack"] = jax.jit(packing.unpack)
    return fn


def _packer(packing: Any) -> Any:
    fn = packing.__dict__.get("_pack")
    if fn is None:
        fn = packing.__dict__["_pack"] = jax.jit(packing.pack)
    return fn
