"""Model files and the registry of custom objects."""
from lamina.saving.serialization import serialize_layer

__all__ = ["serialize_layer"]
