"""The configs of layers held by other layers (an RNN's cell, a wrapper's layer).

A wrapper's `get_config` stores its inner layer as `{"class_name", "config"}` (plus
`"registered_name"` for a user's registered class), the form model files use, and
`from_config` rebuilds it through the registry: Lamina's own layers by name, users'
classes when registered or given in `custom_objects` (an enclosing
`custom_object_scope`, as `load_model` opens, counts too). Nothing is imported or run
from the data.

Example:
    >>> from lamina.layers import Dense
    >>> config = serialize(Dense(3, name="head"))
    >>> layer = deserialize(config)
    >>> type(layer).__name__, layer.name, layer.units
    ('Dense', 'head', 3)
"""
from __future__ import annotations

from typing import Any, Mapping

from lamina import registry


def serialize(layer: Any) -> dict[str, Any]:
    """`{"class_name": ..., "config": layer.get_config()}` (and the registered name)."""
    out: dict[str, Any] = {"class_name": type(layer).__name__, "config": layer.get_config()}
    if registry.is_registered(type(layer)):
        out["registered_name"] = registry.get_registered_name(type(layer))
    return out


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None,
                *, what: str = "layer") -> Any:
    """A new layer from `serialize`'s dict.

    Raises:
        ValueError: a malformed dict or an unknown class; the message says how to
            make a user's class known.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"A serialized {what} must be a dict {{'class_name': str, "
                         f"'config': dict}}, but received {config!r:.200}.")
    name = config["class_name"]
    registered = config.get("registered_name")
    cls = registry.find(name, ("lamina.layers", "lamina.models"),
                        custom_objects=custom_objects,
                        registered_name=registered if isinstance(registered, str) else None)
    if not isinstance(cls, type) or not hasattr(cls, "from_config"):
        raise ValueError(f"Unknown {what} class '{registered or name}'. Decorate your class "
                         "with @lamina.saving.register_keras_serializable() before loading, "
                         f"or pass custom_objects={{'{name}': {name}}}.")
    return cls.from_config(dict(config.get("config", {})))
