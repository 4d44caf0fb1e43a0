"""Prediction through stateful RNNs: the states go from batch to batch and from call to
call, as in Keras (`model.predict` one character at a time with `stateful=True`, then
`model.reset_states()`).

A stateful RNN keeps its states in non-trainable Variables, which the ordinary
prediction programs read but never write back. For a model that has such layers,
`predict` and `predict_on_batch` run one compiled step per batch that also returns
the non-trainable arrays, and write the states back after each call.
"""
from __future__ import annotations

from typing import Any

import jax
import numpy as np

from lamina.backend.variable import generation, unique_paths
from lamina.data import num_rows


def has_stateful_layers(model: Any) -> bool:
    """Whether any layer of `model` is a stateful RNN (cached until a Variable is made)."""
    cached = model.__dict__.get("_stateful_check")
    if cached is not None and cached[0] == generation():
        return cached[1]
    found = any(getattr(layer, "stateful", False) and
                isinstance(getattr(layer, "states", None), list)
                for layer in model._flat_layers())
    model._stateful_check = (generation(), found)
    return found


def _step(model: Any) -> tuple:
    """`(run, trainable, non_trainable, keys)`: a jitted `run(t, nt, x) -> (y, nt)`."""
    tv, ntv = model.trainable_weights, model.non_trainable_weights
    cached = model.__dict__.get("_stateful_step")
    ids = tuple(id(v) for v in tv + ntv)
    if cached is not None and cached[0] == ids:
        return cached[1], tv, ntv, cached[2]
    keys = unique_paths(tv + ntv)
    forward = model._forward_fn(tv, ntv, keys[:len(tv)], keys[len(tv):])
    run = jax.jit(lambda t, nt, x: forward(t, nt, x, training=False, rng=None)[:2])
    model._stateful_step = (ids, run, keys)
    return run, tv, ntv, keys


def predict_stateful(model: Any, x: Any, batch_size: int) -> Any:
    """Outputs batch by batch, each batch starting from the states the last one left.

    Args:
        model: a built model with stateful layers.
        x: host inputs (validated).
        batch_size: rows per batch; a stateful model needs its declared batch size.

    Returns:
        The outputs as NumPy arrays, batches concatenated.
    """
    run, tv, ntv, keys = _step(model)
    trainable = {k: v.value for k, v in zip(keys, tv)}
    non_trainable = {k: v.value for k, v in zip(keys[len(tv):], ntv)}
    n = num_rows(x)
    outs = []
    for start in range(0, n, batch_size):
        batch = jax.tree.map(lambda a: a[start:start + batch_size], x)
        y, non_trainable = run(trainable, non_trainable, batch)
        outs.append(jax.tree.map(np.asarray, y))
    for key, variable in zip(keys[len(tv):], ntv):
        variable.assign(non_trainable[key])
    return jax.tree.map(lambda *a: np.concatenate(a), *outs)
