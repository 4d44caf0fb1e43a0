"""Model files and the registry of custom objects, as `keras.saving`.

`model.save("model.lamina")` writes one zip archive (architecture, weights,
optimizer state); `load_model` reads it back without running any code from it.
Custom layers and models are found through `register_keras_serializable` or the
`custom_objects` argument.
"""
from lamina.saving.loading import load_model, model_from_json
from lamina.saving.registry import (CustomObjectScope, custom_object_scope,
                                    get_registered_name, get_registered_object,
                                    register_keras_serializable)
from lamina.saving.serialization import deserialize_layer, serialize_layer

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_layer",
           "get_registered_name", "get_registered_object", "load_model", "model_from_json",
           "register_keras_serializable", "serialize_layer"]
