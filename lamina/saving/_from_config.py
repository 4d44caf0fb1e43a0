"""`model_from_config`: a model from the dict `{"class_name", "config"}`, as Keras 2's
`keras.models.model_from_config` (keras-rl clones its networks with it)."""
from __future__ import annotations

from typing import Any, Mapping

from lamina.saving import _loading as loading


def model_from_config(config: Mapping[str, Any],
                      custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A new model (fresh weights) from `{"class_name": ..., "config": model.get_config()}`.

    Args:
        config: the class name and the config `get_config()` returned.
        custom_objects: your classes and functions by name.

    Returns:
        The model, built when its input shape is known.

    Raises:
        TypeError: `config` is not a dict (Keras 2's error for a list).
        ValueError: an unknown class or a malformed config.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> clone = model_from_config({"class_name": "Sequential",
        ...                            "config": model.get_config()})
        >>> clone.output_shape, clone.count_params()
        ((None, 2), 8)
    """
    if not isinstance(config, Mapping):
        raise TypeError("`model_from_config` expects a dictionary {'class_name': ..., "
                        f"'config': ...}}, but received {type(config).__name__}. To load a "
                        "Sequential model from a list of layers, use Sequential(layers).")
    return loading.deserialize_model(dict(config), custom_objects, "the model config")
