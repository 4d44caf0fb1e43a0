"""Model files and the registry of custom objects, as `keras.saving`.

`model.save("model.lamina")` writes one zip archive (architecture, weights,
optimizer state); `load_model` reads it back without running any code from it.
Classes are found only through the registry (`lamina.registry`): Lamina's own
register themselves, and custom layers and models through
`register_keras_serializable` or the `custom_objects` argument.
"""
from lamina.registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                             get_registered_name, get_registered_object,
                             register_keras_serializable, register_serializable)
from lamina.saving._from_config import model_from_config
from lamina.saving._loading import load_model, model_from_json
from lamina.saving._serialization import deserialize_layer, serialize_layer

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_layer",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "load_model", "model_from_config", "model_from_json", "register_keras_serializable",
           "register_serializable", "serialize_layer"]
