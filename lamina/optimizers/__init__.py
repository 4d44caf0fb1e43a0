"""Keras optimizers (`lamina.optimizers.Adam`, ...) and learning-rate schedules.

`get(identifier)` resolves what `model.compile(optimizer=...)` receives: a name
(case-insensitive, `"adam"`, `"RMSprop"`), a config dict, or an instance.
"""
from __future__ import annotations

from typing import Any, Optional

from lamina import registry
from lamina._identifiers import did_you_mean
from lamina.optimizers import schedules
from lamina.optimizers.algorithms import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW,
                                          Lion, Nadam, RMSprop)
from lamina.optimizers.base import Optimizer
from lamina.optimizers.loss_scale_optimizer import LossScaleOptimizer

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta",
           "Adamax", "Nadam", "Lion", "LossScaleOptimizer", "get", "serialize", "deserialize", "schedules"]

_CLASSES = (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion)
for _cls in _CLASSES:
    registry.register_serializable("lamina.optimizers")(_cls)
_NAMES = sorted(cls.__name__ for cls in _CLASSES)


def _lookup(name: str, custom_objects: Optional[dict] = None) -> type:
    found = registry.find(name, "lamina.optimizers", custom_objects=custom_objects,
                          ignore_case=True) if isinstance(name, str) else None
    if found is not None:
        return found
    close = did_you_mean(name, [n.lower() for n in _NAMES])
    hint = next((f" Did you mean {n!r}?" for n in _NAMES if f"'{n.lower()}'" in close), "")
    raise ValueError(f"Unknown optimizer {name!r}. Valid names (case-insensitive) are "
                     f"{_NAMES}.{hint}")


def serialize(optimizer: Optimizer) -> dict:
    """An optimizer as a JSON-ready dict `{"class_name": ..., "config": ...}`.

    Args:
        optimizer: the optimizer.

    Returns:
        The dict; `deserialize` (or `get`) turns it back into an optimizer.

    Raises:
        TypeError: the argument is not an `Optimizer`.

    Example:
        >>> serialize(Adam(learning_rate=0.01))["config"]["learning_rate"]
        0.01
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"Expected a lamina optimizer, but received {optimizer!r} "
                        f"({type(optimizer).__name__}).")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects: Optional[dict] = None) -> Optimizer:
    """Creates an optimizer from `{"class_name": ..., "config": {...}}`.

    Args:
        config: the dict `serialize` made (class names are case-insensitive).
        custom_objects: extra optimizer classes by name.

    Returns:
        A new optimizer.

    Raises:
        ValueError: a malformed dict or an unknown class name.

    Example:
        >>> deserialize({"class_name": "SGD", "config": {"momentum": 0.9}}).momentum
        0.9
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a dict with keys 'class_name' and 'config', as made "
                         f"by `serialize`, but received {config!r}.")
    return _lookup(config["class_name"], custom_objects).from_config(
        config.get("config", {}))


def get(identifier: Any) -> Optimizer:
    """Resolves an optimizer identifier, as `model.compile(optimizer=...)` does.

    Args:
        identifier: an `Optimizer` (returned as is), a name such as `"adam"` or
            `"RMSprop"` (case-insensitive, Keras defaults), or a dict
            `{"class_name": ..., "config": ...}`.

    Returns:
        An `Optimizer`.

    Raises:
        ValueError: an unknown name, listing the valid ones.
        TypeError: an identifier of another type.

    Example:
        >>> get("Adam").learning_rate
        0.001
        >>> type(get("sgd")).__name__
        'SGD'
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"Could not interpret optimizer identifier {identifier!r} "
                    f"({type(identifier).__name__}). Pass a name such as 'adam', an "
                    f"optimizer such as lamina.optimizers.Adam(learning_rate=0.001), "
                    f"or a dict from `lamina.optimizers.serialize`.")
