"""`train_on_batch` repeated with the same kind of batch: one check, one call.

A deep Q-network or a GAN calls `train_on_batch` thousands of times with batches of
one dtype and shape. After a call that took the packed path (`_packed.py`) with
plain NumPy arrays that needed no conversion, the model keeps a `HotTrain`: the next
call with arrays of the same dtypes and trailing shapes, and nothing changed since
(no `compile`, no `trainable` flag set, the packed state still the newest), goes
straight to the compiled step. Anything else takes the full path, which checks and
converts as before; the results are the same either way.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.layers._layer_weights import TRAINABLE_CHANGES


class HotTrain:
    """The state of the last packed `train_on_batch` call that can be repeated.

    Args:
        model: the model.
        programs: its compiled programs at that call.
        packing, step: the packed step's layout and compiled function.
        x, y: the call's arrays (their dtypes and trailing shapes are the signature).
            The step's logs must come stacked in `metrics_names` order.
    """

    __slots__ = ("model", "programs", "packing", "step", "x_sig", "y_sig")

    def __init__(self, model: Any, programs: Any, packing: Any, step: Any, x: np.ndarray,
                 y: np.ndarray):
        self.model, self.programs, self.packing, self.step = model, programs, packing, step
        self.x_sig, self.y_sig = (x.dtype, x.shape[1:]), (y.dtype, y.shape[1:])

    def run(self, x: Any, y: Any, reset: bool) -> Any:
        """The call's result, or None when it must take the full path."""
        model = self.model
        holder = model.__dict__.get("_train")
        if type(x) is not np.ndarray or type(y) is not np.ndarray or holder is None \
                or model.__dict__.get("_programs") is not self.programs \
                or model.__dict__.get("_trainable_seen") != TRAINABLE_CHANGES[0]:
            return None
        packed = holder._packed
        if packed is None or packed[0] is not self.packing or holder._lost \
                or holder._state is not None or not holder._owned \
                or x.shape[0] != y.shape[0] or (x.dtype, x.shape[1:]) != self.x_sig \
                or (y.dtype, y.shape[1:]) != self.y_sig:
            return None
        buffers, weights, values = self.step(packed[1], (x, y, None), reset)
        holder.pending = True
        holder._packed = (self.packing, buffers, weights)
        host = np.asarray(values).tolist()
        return host[0] if len(host) == 1 else host
