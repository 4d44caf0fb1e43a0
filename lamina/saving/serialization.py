"""Layers as JSON-compatible `{"class_name", "config"}` dicts."""
from __future__ import annotations

from typing import Any


def serialize_layer(layer: Any) -> dict[str, Any]:
    """`{"class_name": ..., "config": layer.get_config()}`.

    Example:
        >>> from lamina import layers
        >>> serialize_layer(layers.Dropout(0.5, name="drop"))["config"]["rate"]
        0.5
    """
    return {"class_name": type(layer).__name__, "config": layer.get_config()}
