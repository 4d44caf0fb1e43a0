"""Checks on input data that only the host can make, before a compiled program runs.

Inside a compiled program nothing can raise: an `Embedding` given a token id past
its `input_dim` would read out of bounds and train on NaN. So the layers that read a
model input directly and can check it (those with `_validate_host_input(array,
what)`) see the host arrays first, whenever `fit`, `evaluate`, `predict` or the
single-batch methods receive data.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from lamina.backend._graph import is_input_tensor
from lamina.backend.keras_tensor import KerasTensor


def _readers(model: Any) -> list[tuple[int, Any]]:
    """`(input index, layer)` for each checking layer that reads a model input."""
    inputs = getattr(model, "_input_struct", None)
    if inputs is not None:  # functional: the nodes that take an input tensor as is
        index = {id(t): i for i, t in enumerate(model.inputs)}
        return [(index[id(node.inputs)], node.layer) for node in model._nodes
                if isinstance(node.inputs, KerasTensor) and id(node.inputs) in index
                and is_input_tensor(node.inputs)
                and hasattr(node.layer, "_validate_host_input")]
    stack = getattr(model, "_stack", None)
    if stack:  # Sequential: its first layer
        layers = model.layers
        if layers and hasattr(layers[0], "_validate_host_input"):
            return [(0, layers[0])]
    return []


def has_host_checks(model: Any) -> bool:
    """Whether a layer of `model` checks the host arrays it reads (an `Embedding`'s
    token ids): calls must then never skip `check_host_inputs`."""
    return bool(_readers(model))


def check_host_inputs(model: Any, x: Any) -> None:
    """Let the layers that read `x` directly check it (see the module docstring).

    Args:
        model: a built model.
        x: the host inputs, in any form the model takes (one array, list, dict).
    """
    readers = _readers(model)
    if not readers:
        return
    if isinstance(x, np.ndarray) and len(getattr(model, "inputs", [0]) or [0]) <= 1:
        flat = [x]
    elif hasattr(model, "_flat_inputs"):
        flat = model._flat_inputs(x)
    else:
        flat = [x]
    for i, layer in readers:
        value = flat[i] if i < len(flat) else None
        if isinstance(value, np.ndarray):
            name = "x" if len(flat) == 1 else f"input {i} of x"
            layer._validate_host_input(value, name)
