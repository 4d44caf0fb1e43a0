"""What a layer's constructor received: the input shape on a first layer, and the
plain arguments recorded for `get_config` when a subclass writes none."""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np


def batch_input_shape_from(kwargs: dict[str, Any]) -> tuple | None:
    """`(batch, *shape)` from `input_shape=`, `input_dim=` or `batch_input_shape=`.

    Example:
        >>> batch_input_shape_from({"input_shape": [11]}), batch_input_shape_from({})
        ((None, 11), None)
    """
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), int(kwargs["input_dim"]))
    return None


def plain(value: Any) -> bool:
    """Whether `value` is None, a bool/int/float/str, or lists/dicts of those."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return False


def capture_arguments(cls: type, args: tuple, kwargs: dict) -> dict[str, Any] | None:
    """The constructor arguments of a layer class, if all are plain JSON values.

    Example:
        >>> class Block:
        ...     def __init__(self, units, activation=None, **kwargs):
        ...         pass
        >>> capture_arguments(Block, (4,), {"activation": "relu", "name": "b"})
        {'units': 4, 'activation': 'relu', 'name': 'b'}
        >>> capture_arguments(Block, (4,), {"activation": print}) is None
        True
    """
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    params = inspect.signature(cls.__init__).parameters
    config: dict[str, Any] = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = params[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
            continue
        items = value.items() if kind is inspect.Parameter.VAR_KEYWORD else [(name, value)]
        for key, item in items:
            if not plain(item):
                return None
            config[key] = list(item) if isinstance(item, tuple) else item
    return config
